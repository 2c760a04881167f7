"""Background jobs of the assessments app (thin adapters over services)."""

from __future__ import annotations

from celery import shared_task

from assessments import services


@shared_task(ignore_result=True)
def close_expired_attempts() -> int:
    """Attempts whose time limit (or test) ran out while nobody was looking are submitted with
    the answers saved, so completion does not wait for the trainee or HR to open a page."""
    return services.attempts_close_expired()


@shared_task(ignore_result=True)
def release_survey_responses(survey_id: int | None = None) -> int:
    """Anonymous survey answers become responses in shuffled batches (see
    assessments.services.surveys): after each answer for its survey, and every hour for all,
    so that a batch that will not fill is released after SURVEY_RELEASE_AFTER_DAYS."""
    return services.survey_responses_release(survey_id=survey_id)
