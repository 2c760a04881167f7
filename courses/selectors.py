"""Reads for courses and sessions."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Count, Min, Prefetch, QuerySet
from django.utils.translation import gettext_lazy as _

from courses.models import Course, Session, SessionDay, TargetMember, TargetRule


def course_list(*, fiscal_year: int | None = None, category: str = "") -> QuerySet[Course]:
    courses = Course.objects.annotate(
        session_count=Count("sessions", distinct=True), first_day=Min("sessions__days__date")
    )
    if fiscal_year:
        courses = courses.filter(fiscal_year=fiscal_year)
    if category:
        courses = courses.filter(category=category)
    return courses.order_by("-fiscal_year", "code")


def course_detail(pk: int) -> Course:
    """A course with its sessions, their days and rooms: three queries."""
    sessions = Session.objects.select_related("room__venue").prefetch_related(
        Prefetch("days", queryset=SessionDay.objects.order_by("date", "starts_at")), "orders"
    )
    return Course.objects.prefetch_related(Prefetch("sessions", queryset=sessions)).get(pk=pk)


def fiscal_years() -> list[int]:
    return list(
        Course.objects.order_by("-fiscal_year").values_list("fiscal_year", flat=True).distinct()
    )


# Why someone is on a target list: codes stored with the member, shown in the reader's language.
REASONS = {
    "organisation": _("organisation"),
    "employment_type": _("employment type"),
    "job_title": _("job title"),
    "job_category": _("job category"),
    "hire_date": _("hire date"),
    "hired_this_fiscal_year": _("hired this fiscal year"),
    "promoted_this_fiscal_year": _("promoted this fiscal year"),
    "years_of_service": _("years of service"),
    "not_completed": _("not completed yet"),
    "all": _("all staff in post"),
    "manual": _("added by HR"),
}


def reason_labels(codes: list[str]) -> str:
    return "、".join(str(REASONS.get(code, code)) for code in codes)


@dataclass
class TargetMatch:
    trainee_id: int
    staff_number: str
    name: str
    organisation: str
    reasons: list[str]


def target_matches(course: Course, rule: TargetRule | None = None) -> list[TargetMatch]:
    """Everyone the course's conditions select, with why — one query, whatever the registry's
    size (the conditions become one WHERE clause; the reasons are worked out in memory)."""
    if rule is None:
        rule = TargetRule.objects.filter(course=course).first()
    if rule is None or rule.pk is None:
        return []
    queryset, why = target_queryset(course, rule)
    rows = queryset.order_by("organisation__code", "staff_number").values_list(
        "id", "staff_number", "name", "organisation__name"
    )
    return [
        TargetMatch(pk, number, name, organisation, why) for pk, number, name, organisation in rows
    ]


def trainee_eligible(course: Course, trainee) -> bool:  # type: ignore[no-untyped-def]
    """May this trainee apply (or be nominated)? In post, external staff only where the course
    admits them, and inside the course's target conditions when it has any."""
    from trainees.models import TraineeStatus

    if trainee.status != TraineeStatus.ACTIVE:
        return False
    if trainee.is_external and not course.external_allowed:
        return False
    rule = TargetRule.objects.filter(course=course).first()
    if rule is None:
        return True
    queryset, _why = target_queryset(course, rule)
    return queryset.filter(pk=trainee.pk).exists()


def target_queryset(course: Course, rule: TargetRule):  # type: ignore[no-untyped-def]
    """(the trainees the conditions select, as one queryset; the reason codes)."""
    from trainees.models import Trainee, TraineeStatus
    from trainees.selectors import organisation_descendants

    queryset = Trainee.objects.filter(status=TraineeStatus.ACTIVE)
    reasons: list[str] = []
    if not rule.include_external:
        queryset = queryset.filter(is_external=False)
    org_ids = list(rule.organisations.values_list("id", flat=True))
    if org_ids:
        scope = (
            organisation_descendants(org_ids) if rule.include_sub_organisations else set(org_ids)
        )
        queryset = queryset.filter(organisation_id__in=scope)
        reasons.append("organisation")
    for field, values in (
        ("employment_type", rule.employment_types),
        ("job_title", rule.job_titles),
        ("job_category", rule.job_categories),
    ):
        if values:
            queryset = queryset.filter(**{f"{field}__in": values})
            reasons.append(field)
    start = datetime.date(course.fiscal_year, 4, 1)
    end = datetime.date(course.fiscal_year + 1, 3, 31)
    if rule.hired_from:
        queryset = queryset.filter(hire_date__gte=rule.hired_from)
    if rule.hired_to:
        queryset = queryset.filter(hire_date__lte=rule.hired_to)
    if rule.hired_from or rule.hired_to:
        reasons.append("hire_date")
    if rule.hired_this_fiscal_year:
        queryset = queryset.filter(hire_date__range=(start, end))
        reasons.append("hired_this_fiscal_year")
    if rule.promoted_this_fiscal_year:
        queryset = queryset.filter(promotion_date__range=(start, end))
        reasons.append("promoted_this_fiscal_year")
    # Years of service as of 1 April of the course's fiscal year.
    if rule.min_years_of_service is not None:
        queryset = queryset.filter(hire_date__lte=_years_before(start, rule.min_years_of_service))
    if rule.max_years_of_service is not None:
        queryset = queryset.filter(
            hire_date__gt=_years_before(start, rule.max_years_of_service + 1)
        )
    if rule.min_years_of_service is not None or rule.max_years_of_service is not None:
        reasons.append("years_of_service")
    if rule.exclude_completed_years is not None:
        queryset = queryset.exclude(
            id__in=completed_trainee_ids(
                course.code, course.fiscal_year - rule.exclude_completed_years, course.fiscal_year
            )
        )
        reasons.append("not_completed")
    return queryset, reasons or ["all"]


def _years_before(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def target_members(course: Course) -> QuerySet[TargetMember]:
    return (
        TargetMember.objects.filter(course=course, excluded=False)
        .select_related("trainee__organisation")
        .order_by("trainee__organisation__code", "trainee__staff_number")
    )


def unread_notices(user) -> int:  # type: ignore[no-untyped-def]
    from courses.models import Notice

    return Notice.objects.filter(user=user, read_at__isnull=True).count()


def inbox(user) -> QuerySet:  # type: ignore[no-untyped-def]
    from courses.models import Notice

    return Notice.objects.filter(user=user).order_by("-created_at", "-id")


def delivery_counts(order) -> list[tuple[str, int]]:  # type: ignore[no-untyped-def]
    """(status label, count) for every status, in one query."""
    from courses.models import Delivery

    found = dict(
        Delivery.objects.filter(order=order, kind=Delivery.Kind.ORDER)
        .values_list("status")
        .annotate(n=Count("id"))
    )
    return [(label, found.get(value, 0)) for value, label in Delivery.Status.choices]


def delivery_problems(order, limit: int = 500):  # type: ignore[no-untyped-def]
    from courses.models import Delivery

    return list(
        Delivery.objects.filter(
            order=order,
            kind=Delivery.Kind.ORDER,
            status__in=[Delivery.Status.FAILED, Delivery.Status.NO_EMAIL],
        )
        .select_related("trainee__organisation")
        .order_by("trainee__staff_number")[:limit]
    )


# --- Materials and viewing ---------------------------------------------------------------------

HR_PERMISSION = "trainees.use_hr_console"


def assigned_courses(trainee) -> QuerySet[Course]:  # type: ignore[no-untyped-def]
    """Courses the trainee holds a confirmed place on (ordered, or applied and confirmed), with
    how many of their materials the trainee has viewed — one query."""
    from django.db.models import Exists, OuterRef, Q

    from enrollments.models import Enrollment, Status

    placed = Enrollment.objects.filter(
        course=OuterRef("pk"), trainee=trainee, status=Status.CONFIRMED
    )
    return (
        Course.objects.filter(Exists(placed))
        .annotate(
            material_count=Count("materials", distinct=True),
            viewed_count=Count(
                "materials__views",
                filter=Q(
                    materials__views__trainee=trainee,
                    materials__views__completed_at__isnull=False,
                ),
                distinct=True,
            ),
        )
        .order_by("-fiscal_year", "code")
    )


def learner_course(user, pk: int):  # type: ignore[no-untyped-def]
    """(course, trainee) for someone who may see the course's materials: HR, or a trainee with
    a confirmed place on it. Anyone else gets Course.DoesNotExist (a 404: the course's
    existence does not leak). trainee is None for HR previewing a course they are not on."""
    from enrollments.models import Enrollment, Status
    from trainees.selectors import trainee_of

    trainee = trainee_of(user)
    course = Course.objects.get(pk=pk)
    placed = (
        trainee is not None
        and Enrollment.objects.filter(
            course=course, trainee=trainee, status=Status.CONFIRMED
        ).exists()
    )
    if placed:
        return course, trainee
    if user.has_perm(HR_PERMISSION):
        return course, None
    raise Course.DoesNotExist


def course_materials(course: Course, trainee=None) -> list:  # type: ignore[no-untyped-def]
    """The course's materials in order, each with `.view` (the trainee's record or None)."""
    from courses.models import Material, MaterialView

    materials = list(Material.objects.filter(course=course).order_by("position", "id"))
    views = {}
    if trainee is not None and materials:
        views = {
            v.material_id: v
            for v in MaterialView.objects.filter(trainee=trainee, material__in=materials)
        }
    for material in materials:
        material.view = views.get(material.pk)
        if material.view is not None:
            material.view.material = material  # coverage reads the duration without a query
    return materials


def learner_material(user, pk: int):  # type: ignore[no-untyped-def]
    """(material, trainee) under the same rule as learner_course; Material.DoesNotExist
    otherwise."""
    from courses.models import Material

    material = Material.objects.select_related("course").get(pk=pk)
    try:
        _course, trainee = learner_course(user, material.course_id)
    except Course.DoesNotExist:
        raise Material.DoesNotExist from None
    return material, trainee


def material_progress_summary(course: Course) -> dict[int, tuple[int, int]]:
    """{material id: (people who opened it, people who completed it)} in one query."""
    from django.db.models import Q

    from courses.models import MaterialView

    rows = (
        MaterialView.objects.filter(material__course=course)
        .values_list("material_id")
        .annotate(opened=Count("id"), done=Count("id", filter=Q(completed_at__isnull=False)))
    )
    return {pk: (opened, done) for pk, opened, done in rows}


@dataclass
class DueReminder:
    session_id: int
    trainee_id: int
    user_id: int | None
    name: str
    email: str
    rule: str


def reminders_due(today: datetime.date) -> list[DueReminder]:
    """Who should be reminded today and by which rule, minus who already was: a few queries
    per course or session due, none per trainee."""
    from django.db.models import Exists, OuterRef

    from courses.models import Delivery
    from enrollments.models import Completion, Enrollment, Status

    def pending(enrollments: QuerySet, rule: str) -> list[DueReminder]:
        already = Delivery.objects.filter(
            kind=Delivery.Kind.REMINDER, order__isnull=True, session=OuterRef("session"),
            trainee=OuterRef("trainee"), rule=rule,
        )  # fmt: skip
        rows = enrollments.filter(status=Status.CONFIRMED).exclude(Exists(already))
        fields = (
            "session_id", "trainee_id", "trainee__user_id", "trainee__name", "trainee__email",
        )  # fmt: skip
        return [DueReminder(*row, rule=rule) for row in rows.values_list(*fields)]

    due: list[DueReminder] = []
    # Before a session: from N days before its first day until the day before.
    sessions = (
        Session.objects.filter(course__remind_days_before_session__isnull=False)
        .annotate(first_day=Min("days__date"))
        .filter(first_day__gt=today)
        .select_related("course")
    )
    for session in sessions:
        days = session.course.remind_days_before_session
        if session.first_day - datetime.timedelta(days=days) <= today:
            due += pending(Enrollment.objects.filter(session=session), f"session:{days}")
    # Before the completion deadline: to those who have not met the requirements yet.
    courses = Course.objects.filter(
        completion_deadline__gte=today, remind_days_before_deadline__isnull=False
    )
    for course in courses:
        days = course.remind_days_before_deadline
        if course.completion_deadline - datetime.timedelta(days=days) > today:
            continue
        behind = Enrollment.objects.filter(course=course).exclude(completion=Completion.COMPLETED)
        due += pending(behind, f"deadline:{days}")
    return due


def target_member_ids(
    course: Course, *, organisation_id: int | None = None, staff_numbers: list[str] | None = None
) -> tuple[list[int], list[str]]:
    """(trainee ids on the course's target list narrowed as asked, staff numbers asked for
    that are not on the list)."""
    from trainees.selectors import organisation_descendants

    members = TargetMember.objects.filter(course=course, excluded=False)
    if organisation_id is not None:
        members = members.filter(
            trainee__organisation_id__in=organisation_descendants([organisation_id])
        )
    if staff_numbers:
        members = members.filter(trainee__staff_number__in=staff_numbers)
    rows = list(members.values_list("trainee_id", "trainee__staff_number"))
    found = {number for _pk, number in rows}
    missing = [n for n in staff_numbers or [] if n not in found]
    return [pk for pk, _number in rows], missing


def completed_trainee_ids(code: str, first_year: int, last_year: int) -> QuerySet:
    """A subquery of the trainees who completed (修了) the course with this code in one of
    these fiscal years, from the enrolment records."""
    from enrollments.models import Completion, Enrollment

    return Enrollment.objects.filter(
        course__code=code,
        course__fiscal_year__range=(first_year, last_year),
        completion=Completion.COMPLETED,
    ).values("trainee_id")
