"""Background jobs of the audit app: the hash chains sealed and verified."""

from __future__ import annotations

import logging

from celery import shared_task

from audit import chain

logger = logging.getLogger(__name__)


@shared_task(ignore_result=True)
def seal_audit_chains() -> int:
    """Seal what is old enough (every 30 s under beat); the number of rows sealed."""
    return chain.seal_all()


@shared_task(ignore_result=True)
def verify_audit_chains() -> bool:
    """Every night: recompute the chains; a break is logged as an error (the auditors' alert
    and the finding on their pages come with the log analysis)."""
    result = chain.verify()
    for item in result.breaks[:20]:
        logger.error("audit chain broken: %s row %s: %s", item.log, item.row_id, item.what)
    return result.intact
