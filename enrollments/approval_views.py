"""承認待ち: the page where a 所属長 (or deputy, or the coordinator at the second step) answers
the applications waiting for them, one by one or several at once."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from enrollments import selectors, services
from enrollments.forms import ApprovalAnswerForm
from enrollments.models import Approval
from lib.access import access
from lib.messages import form_errors, refused
from trainees.http import AuthenticatedHttpRequest
from trainees.roles import COORDINATOR_PAGES, TRAINEE_PAGES
from trainees.selectors import supervised_by


@access(TRAINEE_PAGES, COORDINATOR_PAGES)
@require_http_methods(["GET", "POST"])
def approval_queue(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The applications this person answers now, soonest deadline first, each with the
    applicant's reason and recent training; POST answers the ticked ones."""
    user = request.user
    if not (user.has_perm(COORDINATOR_PAGES) or supervised_by(user, timezone.localdate())):
        raise PermissionDenied  # neither a 所属長 nor a coordinator: not their page
    waiting = selectors.approvals_waiting_for(user)
    form = ApprovalAnswerForm(request.POST or None, approval_ids=[a.pk for a in waiting])
    if request.method == "POST":
        if form.is_valid():
            try:
                counts = services.approvals_answer(
                    approval_ids=form.cleaned_data["approvals"],
                    decision=form.cleaned_data["decision"],
                    reason=form.cleaned_data["reason"],
                    actor=user,
                )
            except ValidationError as exc:
                refused(request, exc)
            else:
                messages.success(request, _answered(counts))
                return redirect("approval_queue")
        else:
            form_errors(request, form)
    history = selectors.recent_training([a.enrollment.trainee_id for a in waiting])
    rows = [(a, history[a.enrollment.trainee_id]) for a in waiting]
    return render(request, "enrollments/approval_queue.html", {"rows": rows, "form": form})


def _answered(counts: dict[str, int]) -> str:
    labels = dict(Approval.State.choices)
    return _("Answered: %(what)s.") % {
        "what": "、".join(f"{labels[state]} {count}" for state, count in sorted(counts.items()))
    }
