from __future__ import annotations

from celery import shared_task
from django.contrib.sessions.models import Session
from django.utils import timezone


@shared_task(ignore_result=True)
def clear_expired_sessions() -> int:
    """Delete expired sessions (run hourly by beat): idle sessions should not linger in the DB."""
    deleted, _ = Session.objects.filter(expire_date__lt=timezone.now()).delete()
    return deleted
