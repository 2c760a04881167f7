"""HR's course catalogue: courses, sessions, and next year's copy."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from courses import selectors, services
from courses.forms import (
    CourseFilterForm,
    CourseForm,
    OrderTargetsForm,
    SessionDayFormSet,
    SessionForm,
    TargetAddForm,
    TargetRuleForm,
)
from courses.models import (
    Course,
    Session,
    TargetMember,
    TargetRule,
    TrainingOrder,
    current_fiscal_year,
)

HR = "trainees.use_hr_console"


@require_GET
@login_required
@permission_required(HR, raise_exception=True)
def course_list(request: HttpRequest) -> HttpResponse:
    years = sorted(set(selectors.fiscal_years()) | {current_fiscal_year()}, reverse=True)
    form = CourseFilterForm(request.GET or {"fiscal_year": current_fiscal_year()}, years=years)
    filters = form.cleaned_data if form.is_valid() else {}
    courses = selectors.course_list(
        fiscal_year=filters.get("fiscal_year"), category=filters.get("category", "")
    )
    return render(request, "courses/course_list.html", {"form": form, "courses": courses})


@require_http_methods(["GET", "POST"])
@login_required
@permission_required(HR, raise_exception=True)
def course_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    course = get_object_or_404(Course, pk=pk) if pk else Course(fiscal_year=current_fiscal_year())
    form = CourseForm(request.POST or None, instance=course)
    if request.method == "POST" and form.is_valid():
        try:
            course = services.course_save(course=form.save(commit=False), actor=request.user)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("The course has been saved."))
            return redirect("course_detail", pk=course.pk)
    return render(request, "courses/course_form.html", {"form": form, "course": course})


@require_GET
@login_required
@permission_required(HR, raise_exception=True)
def course_detail(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        course = selectors.course_detail(pk)
    except Course.DoesNotExist:
        raise Http404 from None
    materials = selectors.course_materials(course)
    progress = selectors.material_progress_summary(course)
    for material in materials:
        material.opened, material.completed = progress.get(material.pk, (0, 0))
    return render(request, "courses/course_detail.html", {"course": course, "materials": materials})


@require_POST
@login_required
@permission_required(HR, raise_exception=True)
def course_copy(request: HttpRequest, pk: int) -> HttpResponse:
    course = get_object_or_404(Course, pk=pk)
    try:
        copy = services.course_copy_to_next_year(course=course, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("course_detail", pk=course.pk)
    messages.success(
        request, _("Copied to fiscal year %(year)s. Check the dates.") % {"year": copy.fiscal_year}
    )
    return redirect("course_detail", pk=copy.pk)


@require_http_methods(["GET", "POST"])
@login_required
@permission_required(HR, raise_exception=True)
def session_edit(request: HttpRequest, course_pk: int, pk: int | None = None) -> HttpResponse:
    course = get_object_or_404(Course, pk=course_pk)
    if pk:
        session = get_object_or_404(Session, pk=pk, course=course)
        initial_days = list(session.days.values("date", "starts_at", "ends_at"))
    else:
        number = (
            course.sessions.order_by("-number").values_list("number", flat=True).first() or 0
        ) + 1
        session = Session(course=course, number=number)
        initial_days = []
    form = SessionForm(request.POST or None, instance=session)
    days = SessionDayFormSet(request.POST or None, initial=initial_days, prefix="days")
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


@require_http_methods(["GET", "POST"])
@login_required
@permission_required(HR, raise_exception=True)
def course_targets(request: HttpRequest, pk: int) -> HttpResponse:
    """研修対象者の設定: the conditions, who they select now (with why), and the frozen list."""
    course = get_object_or_404(Course, pk=pk)
    rule = TargetRule.objects.filter(course=course).first() or TargetRule(course=course)
    form = TargetRuleForm(request.POST or None, instance=rule)
    if request.method == "POST" and form.is_valid():
        services.target_rule_save(form=form, actor=request.user)
        messages.success(
            request, _("The conditions have been saved. Check the preview, then freeze the list.")
        )
        return redirect("course_targets", pk=course.pk)
    matches = selectors.target_matches(course, rule=rule)
    members = Paginator(selectors.target_members(course), 100).get_page(request.GET.get("page"))
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


@require_POST
@login_required
@permission_required(HR, raise_exception=True)
def course_targets_freeze(request: HttpRequest, pk: int) -> HttpResponse:
    course = get_object_or_404(Course, pk=pk)
    size = services.target_list_freeze(course=course, actor=request.user)
    messages.success(request, _("The target list now has %(count)s people.") % {"count": size})
    return redirect("course_targets", pk=course.pk)


@require_POST
@login_required
@permission_required(HR, raise_exception=True)
def course_targets_add(request: HttpRequest, pk: int) -> HttpResponse:
    course = get_object_or_404(Course, pk=pk)
    form = TargetAddForm(request.POST)
    if form.is_valid():
        try:
            services.target_member_add(
                course=course, staff_number=form.cleaned_data["staff_number"], actor=request.user
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Added to the target list."))
    return redirect("course_targets", pk=course.pk)


@require_POST
@login_required
@permission_required(HR, raise_exception=True)
def course_targets_remove(request: HttpRequest, pk: int, member_pk: int) -> HttpResponse:
    member = get_object_or_404(TargetMember, pk=member_pk, course_id=pk, excluded=False)
    services.target_member_remove(member=member, actor=request.user)
    messages.success(request, _("Removed from the target list."))
    return redirect("course_targets", pk=pk)


@require_GET
@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    """受信箱: the person's own notices, newest first."""
    page = Paginator(selectors.inbox(request.user), 30).get_page(request.GET.get("page"))
    return render(request, "courses/inbox.html", {"page": page})


@require_POST
@login_required
def inbox_mark_read(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    if pk is not None:
        get_object_or_404(selectors.inbox(request.user), pk=pk)  # someone else's: 404
    services.notice_mark_read(user=request.user, notice_id=pk)
    return redirect("inbox")


@require_POST
@login_required
@permission_required(HR, raise_exception=True)
def session_issue_orders(request: HttpRequest, course_pk: int, pk: int) -> HttpResponse:
    """Order the course's target list to this session (people already ordered are skipped)."""
    session = get_object_or_404(Session, pk=pk, course_id=course_pk)
    members, _missing = selectors.target_member_ids(session.course)
    order = services.order_issue(session=session, trainee_ids=members, actor=request.user)
    if order is None:
        messages.error(
            request, _("Nobody to order: the target list is empty or everyone has been ordered.")
        )
        return redirect("course_detail", pk=course_pk)
    messages.success(request, _("Order %(number)s has been issued.") % {"number": order.number})
    return redirect("order_detail", pk=order.pk)


@require_POST
@login_required
@permission_required(HR, raise_exception=True)
def course_targets_order(request: HttpRequest, pk: int) -> HttpResponse:
    """Order part of the target list (an organisation, pasted staff numbers) to a session."""
    course = get_object_or_404(Course, pk=pk)
    form = OrderTargetsForm(request.POST, course=course)
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, " ".join(errors))
        return redirect("course_targets", pk=pk)
    organisation = form.cleaned_data["organisation"]
    trainee_ids, missing = selectors.target_member_ids(
        course,
        organisation_id=organisation.pk if organisation else None,
        staff_numbers=form.cleaned_data["staff_numbers"],
    )
    if missing:
        messages.error(
            request,
            _("Not on the target list: %(numbers)s. Nobody was ordered.")
            % {"numbers": "、".join(missing)},
        )
        return redirect("course_targets", pk=pk)
    order = services.order_issue(
        session=form.cleaned_data["session"], trainee_ids=trainee_ids, actor=request.user
    )
    if order is None:
        messages.error(request, _("Nobody to order: everyone selected has been ordered already."))
        return redirect("course_targets", pk=pk)
    messages.success(request, _("Order %(number)s has been issued.") % {"number": order.number})
    return redirect("order_detail", pk=order.pk)


@require_GET
@login_required
@permission_required(HR, raise_exception=True)
def order_detail(request: HttpRequest, pk: int) -> HttpResponse:
    order = get_object_or_404(
        TrainingOrder.objects.select_related("course", "session", "issued_by"), pk=pk
    )
    return render(
        request,
        "courses/order_detail.html",
        {
            "order": order,
            "counts": selectors.delivery_counts(order),
            "problems": selectors.delivery_problems(order),
        },
    )


@require_POST
@login_required
@permission_required(HR, raise_exception=True)
def order_resend(request: HttpRequest, pk: int) -> HttpResponse:
    order = get_object_or_404(TrainingOrder, pk=pk)
    count = services.order_resend_failed(order=order, actor=request.user)
    messages.success(request, _("%(count)s e-mails queued again.") % {"count": count})
    return redirect("order_detail", pk=order.pk)
