"""Background jobs of completion (thin adapters over services)."""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from enrollments.services import enrollments_stamp_organisation
from progress import services


@shared_task(ignore_result=True)
def refresh_completion() -> int:
    """Every night: sessions and deadlines that have passed turn 受講中 into 未修了 where the
    requirements are not met (changes of attendance, viewing and assessments are applied at
    once); the places of sessions beginning today remember their trainee's organisation."""
    enrollments_stamp_organisation(today=timezone.localdate())
    return services.completion_refresh_due()
