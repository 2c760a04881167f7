"""Who may reach which enrolment (used by every app's views that show one): the person's own
place, or a 404 — with an audit event where the id belongs to someone else (a forged request)."""

from __future__ import annotations

from django.http import Http404

from audit.services import audit_event_record
from enrollments import selectors
from enrollments.models import Enrollment
from trainees.http import AuthenticatedHttpRequest
from trainees.models import Trainee
from trainees.selectors import trainee_of


def trainee_or_404(request: AuthenticatedHttpRequest) -> Trainee:
    """The logged-in person's registry record (an account without one has no enrolments)."""
    trainee = trainee_of(request.user)
    if trainee is None:
        raise Http404
    return trainee


def own_enrollment_or_404(request: AuthenticatedHttpRequest, pk: int) -> Enrollment:
    """The person's own enrolment. Someone else's id gets a 404 — and an audit event, since
    asking for it means a forged request."""
    trainee = trainee_or_404(request)
    try:
        return selectors.own_enrollment(trainee, pk)
    except Enrollment.DoesNotExist:
        if Enrollment.objects.filter(pk=pk).exists():
            audit_event_record(
                kind="enrollment.forged_request",
                user=request.user,
                detail={"enrollment": pk, "path": request.path},
            )
        raise Http404 from None
