"""Who may reach which test, attempt and survey from the assessments' pages: HR looks them up
by id (a 404 for none), a trainee reaches only their own attempt (someone else's is a 404 and an
audit event). A forged answer refused by a service is recorded here too."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404

from assessments import services
from assessments.models import Attempt, Survey, Test
from audit.services import audit_event_record
from trainees.http import AuthenticatedHttpRequest


def record_refusal(request: AuthenticatedHttpRequest, exc: ValidationError) -> None:
    """A forged answer (services.Refused) is an audit event, written after the service's
    transaction rolled back."""
    if isinstance(exc, services.Refused):
        audit_event_record(
            kind="assessment.refused",
            user=request.user,
            detail={"attempt": exc.attempt_id, "reason": exc.reason, "path": request.path},
        )


def own_attempt_or_404(request: AuthenticatedHttpRequest, pk: int) -> Attempt:
    # The owner through the place's trainee in the same query (the autosave's hot path: one
    # query, not the registry record and then the attempt).
    attempt = (
        Attempt.objects.select_related("test__course", "enrollment__session")
        .filter(pk=pk, enrollment__trainee__user=request.user)
        .first()
    )
    if attempt is None:
        if Attempt.objects.filter(pk=pk).exists():
            audit_event_record(
                kind="enrollment.forged_request",
                user=request.user,
                detail={"attempt": pk, "path": request.path},
            )
        raise Http404
    return attempt


def hr_test_or_404(pk: int) -> Test:
    return get_object_or_404(Test.objects.select_related("course"), pk=pk)


def survey_or_404(pk: int) -> Survey:
    return get_object_or_404(Survey.objects.select_related("course"), pk=pk)
