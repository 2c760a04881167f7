"""HR's way from a course to its trainees: the session form (capacity touches seats), the
target list (研修対象者名簿) and training orders (研修命令) with what became of their e-mails."""

from __future__ import annotations

from collections.abc import Iterable
from typing import cast

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from courses import selectors as course_selectors
from courses import services as course_services
from courses.forms import (
    BaseSessionDayFormSet,
    SessionDayFormSet,
    SessionForm,
    TargetAddForm,
    TargetRuleForm,
)
from courses.models import Course, Session, TargetMember, TargetRule
from enrollments import services
from enrollments.forms import OrderTargetsForm, QuotaForm
from enrollments.models import OrganisationQuota, TrainingOrder
from enrollments.selectors import completed_trainee_ids
from lib.access import access
from lib.japanese import list_join
from lib.messages import form_errors, refused
from notices import selectors as notice_selectors
from trainees.http import AuthenticatedHttpRequest
from trainees.roles import HR_CONSOLE as HR


@access(HR)
@require_http_methods(["GET", "POST"])
def session_edit(
    request: AuthenticatedHttpRequest, course_pk: int, pk: int | None = None
) -> HttpResponse:
    course = get_object_or_404(Course, pk=course_pk)
    if pk:
        session = get_object_or_404(Session, pk=pk, course=course)
        initial_days = list(session.days.values("id", "date", "starts_at", "ends_at"))
    else:
        number = (
            course.sessions.order_by("-number").values_list("number", flat=True).first() or 0
        ) + 1
        session = Session(course=course, number=number)
        initial_days = []
    form = SessionForm(request.POST or None, instance=session)
    # The saved days only fill the page: what is posted is the whole list (see the formset).
    days = SessionDayFormSet(
        request.POST or None, initial=None if request.method == "POST" else initial_days,
        prefix="days",
    )  # fmt: skip
    days = cast(BaseSessionDayFormSet, days)
    if request.method == "POST" and form.is_valid() and days.is_valid():
        try:
            services.session_save(
                session=form.save(commit=False), days=days.days(), actor=request.user
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("The session has been saved."))
            return redirect("course_detail", pk=course.pk)
    return render(
        request,
        "courses/session_form.html",
        {"form": form, "days": days, "course": course, "session": session},
    )


@access(HR)
@require_http_methods(["GET", "POST"])
def course_targets(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """研修対象者の設定: the conditions, who they select now (with why), and the frozen list."""
    course = get_object_or_404(Course, pk=pk)
    rule = TargetRule.objects.filter(course=course).first() or TargetRule(course=course)
    form = TargetRuleForm(request.POST or None, instance=rule)
    if request.method == "POST" and form.is_valid():
        course_services.target_rule_save(form=form, actor=request.user)
        messages.success(
            request, _("The conditions have been saved. Check the preview, then freeze the list.")
        )
        return redirect("course_targets", pk=course.pk)
    matches = course_selectors.target_matches(course, rule=rule, completed=completed_trainee_ids)
    members = Paginator(course_selectors.target_members(course), 100).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "courses/course_targets.html",
        {
            "course": course,
            "form": form,
            "matches": matches[:100],
            "match_count": len(matches),
            "members": members,
            "add_form": TargetAddForm(),
            "order_form": OrderTargetsForm(course=course),
        },
    )


@access(HR)
@require_POST
def course_targets_freeze(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    course = get_object_or_404(Course, pk=pk)
    size = services.target_list_freeze(course=course, actor=request.user)
    messages.success(
        request,
        ngettext(
            "The target list now has %(count)s person.",
            "The target list now has %(count)s people.",
            size,
        )
        % {"count": size},
    )
    return redirect("course_targets", pk=course.pk)


@access(HR)
@require_POST
def course_targets_add(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    course = get_object_or_404(Course, pk=pk)
    form = TargetAddForm(request.POST)
    if form.is_valid():
        try:
            course_services.target_member_add(
                course=course, staff_number=form.cleaned_data["staff_number"], actor=request.user
            )
        except ValidationError as exc:
            refused(request, exc)
        else:
            messages.success(request, _("Added to the target list."))
    return redirect("course_targets", pk=course.pk)


@access(HR)
@require_POST
def course_targets_remove(
    request: AuthenticatedHttpRequest, pk: int, member_pk: int
) -> HttpResponse:
    member = get_object_or_404(TargetMember, pk=member_pk, course_id=pk, excluded=False)
    course_services.target_member_remove(member=member, actor=request.user)
    messages.success(request, _("Removed from the target list."))
    return redirect("course_targets", pk=pk)


def _issue_order(
    request: AuthenticatedHttpRequest,
    *,
    session: Session,
    trainee_ids: Iterable[int],
    nobody: str,
    back: str,
    clash_reason: str = "",
) -> HttpResponse:
    """Issue the order and say what happened: to the order's page, or back with the refusal
    (not enough seats: nothing was written) or with `nobody` when no one was left to order."""
    try:
        order = services.order_issue(
            session=session, trainee_ids=trainee_ids, actor=request.user, clash_reason=clash_reason
        )
    except ValidationError as exc:
        refused(request, exc)
        return redirect(back)
    if order is None:
        messages.error(request, nobody)
        return redirect(back)
    messages.success(request, _("Order %(number)s has been issued.") % {"number": order.number})
    return redirect("order_detail", pk=order.pk)


@access(HR)
@require_POST
def session_issue_orders(
    request: AuthenticatedHttpRequest, course_pk: int, pk: int
) -> HttpResponse:
    """Order the course's target list to this session (people already ordered are skipped)."""
    session = get_object_or_404(Session, pk=pk, course_id=course_pk)
    members, _missing = course_selectors.target_member_ids(session.course)
    return _issue_order(
        request,
        session=session,
        trainee_ids=members,
        nobody=_("Nobody to order: the target list is empty or everyone has been ordered."),
        back=reverse("course_detail", args=[course_pk]),
        clash_reason=request.POST.get("clash_reason", "")[:200],
    )


@access(HR)
@require_POST
def course_targets_order(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Order part of the target list (an organisation, pasted staff numbers) to a session."""
    course = get_object_or_404(Course, pk=pk)
    form = OrderTargetsForm(request.POST, course=course)
    if not form.is_valid():
        form_errors(request, form)
        return redirect("course_targets", pk=pk)
    organisation = form.cleaned_data["organisation"]
    trainee_ids, missing = course_selectors.target_member_ids(
        course,
        organisation_id=organisation.pk if organisation else None,
        staff_numbers=form.cleaned_data["staff_numbers"],
    )
    if missing:
        messages.error(
            request,
            _("Not on the target list: %(numbers)s. Nobody was ordered.")
            % {"numbers": list_join(missing)},
        )
        return redirect("course_targets", pk=pk)
    return _issue_order(
        request,
        session=form.cleaned_data["session"],
        trainee_ids=trainee_ids,
        nobody=_("Nobody to order: everyone selected has been ordered already."),
        back=reverse("course_targets", args=[pk]),
        clash_reason=form.cleaned_data["clash_reason"],
    )


@access(HR)
@require_GET
def order_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    order = get_object_or_404(
        TrainingOrder.objects.select_related("course", "session", "issued_by"), pk=pk
    )
    return render(
        request,
        "courses/order_detail.html",
        {
            "order": order,
            "counts": notice_selectors.delivery_counts(order.rule),
            "problems": notice_selectors.delivery_problems(order.rule),
        },
    )


@access(HR)
@require_POST
def order_resend(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    order = get_object_or_404(TrainingOrder, pk=pk)
    count = services.order_resend_failed(order=order, actor=request.user)
    messages.success(
        request,
        ngettext("%(count)s e-mail queued again.", "%(count)s e-mails queued again.", count)
        % {"count": count},
    )
    return redirect("order_detail", pk=order.pk)


@access(HR)
@require_http_methods(["GET", "POST"])
def course_quotas(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """申込可能人数 per organisation for a course (applications and nominations count)."""
    course = get_object_or_404(Course, pk=pk)
    form = QuotaForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.quota_set(
            course=course,
            organisation=form.cleaned_data["organisation"],
            limit=form.cleaned_data["limit"],
            actor=request.user,
        )
        messages.success(request, _("The quota has been saved."))
        return redirect("course_quotas", pk=pk)
    quotas = (
        OrganisationQuota.objects.filter(course=course)
        .select_related("organisation")
        .order_by("organisation__code")
    )
    return render(
        request,
        "enrollments/course_quotas.html",
        {"course": course, "form": form, "quotas": quotas},
    )


@access(HR)
@require_POST
def course_quota_remove(request: AuthenticatedHttpRequest, pk: int, quota_pk: int) -> HttpResponse:
    quota = get_object_or_404(OrganisationQuota, pk=quota_pk, course_id=pk)
    services.quota_remove(quota=quota, actor=request.user)
    messages.success(request, _("The quota has been removed."))
    return redirect("course_quotas", pk=pk)
