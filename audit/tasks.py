"""Background jobs of the audit app: the hash chains sealed and verified, the trail analysed
every night and summarised every month."""

from __future__ import annotations

import datetime
import logging

from celery import shared_task
from django.utils import timezone

from audit import analysis, chain, monthly
from lib.tasks import task_named

logger = logging.getLogger(__name__)


@shared_task(ignore_result=True)
def seal_audit_chains() -> int:
    """Seal what is old enough (every 30 s under beat); the number of rows sealed."""
    return chain.seal_all()


# Named, not imported: notices stands above audit.
ALERT_TASK = "notices.tasks.alert_auditors"


@shared_task(ignore_result=True)
def verify_audit_chains() -> bool:
    """Every night: recompute the chains and keep the verdict (the auditors' page shows it). A
    break is logged as an error and every auditor is told (inbox and e-mail)."""
    verification = chain.verify_and_record("nightly")
    for item in verification.breaks[:20]:
        logger.error("audit chain broken: %s row %s: %s", item["log"], item["row"], item["what"])
    if not verification.intact:
        task_named(ALERT_TASK).delay(verification.pk)
    return verification.intact


DIGEST_TASK = "notices.tasks.findings_digest"


@shared_task(ignore_result=True)
def analyse_audit_log(day: str | None = None) -> int:
    """Every night: yesterday's trail analysed (audit/analysis.py). New findings go to the
    auditors as one digest (inbox and e-mail). Returns how many findings are new."""
    target = (
        datetime.date.fromisoformat(day) if day else timezone.localdate() - datetime.timedelta(1)
    )
    analysis_run, new = analysis.run(target, source="nightly")
    if new:
        task_named(DIGEST_TASK).delay(analysis_run.pk)
    return len(new)


@shared_task(ignore_result=True)
def make_monthly_audit_report() -> int:
    """On the 1st: last month's 定期的な分析の記録, kept for the auditors' list."""
    return monthly.make(monthly.previous_month(), made_by="nightly").pk
