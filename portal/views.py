"""Home pages, and the pages that show several apps at once (the HR course page: its sessions,
training orders and materials)."""

from __future__ import annotations

from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET

from assessments import selectors as assessment_selectors
from courses import selectors as course_selectors
from courses.models import Course
from enrollments.models import TrainingOrder
from enrollments.selectors import approvals_waiting_for, dashboard
from learning import selectors as learning_selectors
from lib.access import access
from portal.selectors import coordinator_work_queue, hr_work_queue
from trainees import selectors
from trainees.http import AuthenticatedHttpRequest
from trainees.roles import (
    COORDINATOR_PAGES,
    HOME_ORDER,
    HR_CONSOLE,
    TRAINEE_PAGES,
    Role,
)

_HOME_URL_NAMES = {
    Role.HR_ADMIN: "hr_home",
    Role.AUDITOR: "audit:home",
    Role.COORDINATOR: "coordinator_home",
    Role.TRAINEE: "trainee_home",
}


@access()
@require_GET
def home(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Send each person to the home page of their most privileged role."""
    for role in HOME_ORDER:
        if request.user.has_role(role):
            return redirect(_HOME_URL_NAMES[role])
    # An account without a role (e.g. a technical superuser) still has its profile page.
    return render(request, "portal/no_role.html", status=200)


@access(TRAINEE_PAGES)
@require_GET
def trainee_home(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = request.user
    trainee = selectors.trainee_of(user)
    supervisor = selectors.supervised_by(user, timezone.localdate())
    return render(
        request,
        "portal/trainee_home.html",
        {
            "roles": [role.label for role in HOME_ORDER if user.has_role(role)],
            "has_totp": selectors.user_has_totp(user),
            "trainee": trainee,
            "board": dashboard(trainee) if trainee else None,
            # A 所属長 (or deputy) sees the applications waiting for them here too.
            "supervisor": supervisor,
            "approvals": approvals_waiting_for(user) if supervisor else [],
        },
    )


@access(COORDINATOR_PAGES)
@require_GET
def coordinator_home(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The coordinator's home: the organisations they act for and what is waiting for them."""
    organisations = selectors.organisations_in_scope(request.user)
    scope = {organisation.pk for organisation in organisations}
    return render(request, "portal/coordinator_home.html", {
        "organisations": organisations,
        "queue": coordinator_work_queue(request.user, scope) if scope else None,
    })  # fmt: skip


@access(HR_CONSOLE)
@require_GET
def hr_home(request: AuthenticatedHttpRequest) -> HttpResponse:
    return render(
        request,
        "portal/hr_home.html",
        {
            "queue": hr_work_queue(),
            "role_counts": selectors.user_counts_by_role(),
            "accounts": selectors.account_totals(),
            "organisations": selectors.organisation_totals(),
        },
    )


@access(HR_CONSOLE)
@require_GET
def course_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """HR's page for one course: its sessions with their orders, its materials with how many
    have opened and watched each, and its tests, survey and report forms."""
    try:
        course = course_selectors.course_detail(pk)
    except Course.DoesNotExist:
        raise Http404 from None
    by_session: dict[int, list[TrainingOrder]] = {}
    for order in TrainingOrder.objects.filter(course=course).order_by("created_at", "id"):
        by_session.setdefault(order.session_id, []).append(order)
    progress = learning_selectors.material_progress_summary(course)
    return render(
        request,
        "portal/course_detail.html",
        {
            "course": course,
            "session_rows": [(s, by_session.get(s.pk, [])) for s in course.sessions.all()],
            # (material, people who opened it, people who watched it)
            "material_rows": [
                (m, *progress.get(m.pk, (0, 0)))
                for m in learning_selectors.course_materials(course)
            ],
            "assessments": assessment_selectors.course_assessments(course.pk),
        },
    )
