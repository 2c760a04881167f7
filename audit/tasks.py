"""Background jobs of the audit app: the hash chains sealed and verified."""

from __future__ import annotations

import logging

from celery import shared_task

from audit import chain
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
