"""The monthly purge of what is past retention (beat, on the 2nd)."""

from __future__ import annotations

from celery import shared_task

from lifecycle import services


@shared_task(ignore_result=True)
def purge_expired() -> int:
    """Erase what is past retention; the deletion report's id."""
    _outcome, report = services.purge_expired(ran_by="nightly")
    return report.pk if report else 0


@shared_task(ignore_result=True)
def daily_backup() -> bool:
    """The nightly backup into BACKUP_DIR, rotated (when BACKUP_KEY is set)."""
    from django.conf import settings

    from lifecycle.backup import backup_to_folder

    if not settings.BACKUP_KEY:
        return False
    return bool(backup_to_folder(source="nightly").ok)
