"""The monthly purge of what is past retention (beat, on the 2nd)."""

from __future__ import annotations

from celery import shared_task

from lifecycle import services


@shared_task(ignore_result=True)
def purge_expired() -> int:
    """Erase what is past retention; the deletion report's id."""
    _outcome, report = services.purge_expired(ran_by="nightly")
    return report.pk if report else 0
