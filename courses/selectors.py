"""Reads for courses and sessions."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Count, Exists, Min, OuterRef, Prefetch, Q, QuerySet
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from courses.models import Course, Session, SessionDay, TargetMember, TargetRule
from trainees.models import Trainee, TraineeStatus
from trainees.selectors import organisation_descendants


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
    """A course with its sessions, their days (``day_list``) and rooms: three queries. The days
    are a list on each session (to_attr): as ``days.all`` Django made a queryset for each of a
    city course's hundred sessions to hold them."""
    sessions = Session.objects.select_related("room__venue").prefetch_related(
        Prefetch(
            "days", queryset=SessionDay.objects.order_by("date", "starts_at"), to_attr="day_list"
        )
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
    "duty": _("duty"),
    "age": _("age on 1 April"),
    "not_completed": _("not completed yet"),
    "renewal_due": _("completion expired or expiring soon"),
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


# Who completed the course with a code — completed(code, first year, last year): in a span of
# fiscal years; completed(code, valid_beyond=day): with a completion still valid after that day
# (有効期限) — as a subquery of trainee ids. Completion lives in the enrolment records, an app
# above this one, so whoever asks for a target list hands it in
# (enrollments.selectors.completed_trainee_ids).
CompletedTrainees = Callable[..., QuerySet]


def target_matches(
    course: Course, rule: TargetRule | None = None, *, completed: CompletedTrainees
) -> list[TargetMatch]:
    """Everyone the course's conditions select, with why — one query, whatever the registry's
    size (the conditions become one WHERE clause; the reasons are worked out in memory)."""
    if rule is None:
        rule = TargetRule.objects.filter(course=course).first()
    if rule is None or rule.pk is None:
        return []
    queryset, why = target_queryset(course, rule, completed=completed)
    rows = queryset.order_by("organisation__code", "staff_number").values_list(
        "id", "staff_number", "name", "organisation__name"
    )
    return [
        TargetMatch(pk, number, name, organisation, why) for pk, number, name, organisation in rows
    ]


def trainee_eligible(course: Course, trainee: Trainee, *, completed: CompletedTrainees) -> bool:
    """May this trainee apply (or be nominated)? In post, external staff only where the course
    admits them, and inside the course's target conditions when it has any."""
    if trainee.status != TraineeStatus.ACTIVE:
        return False
    if trainee.is_external and not course.external_allowed:
        return False
    rule = TargetRule.objects.filter(course=course).first()
    if rule is None:
        return True
    queryset, _why = target_queryset(course, rule, completed=completed)
    return queryset.filter(pk=trainee.pk).exists()


def target_queryset(
    course: Course, rule: TargetRule, *, completed: CompletedTrainees
) -> tuple[QuerySet[Trainee], list[str]]:
    """(the trainees the conditions select, as one queryset; the reason codes)."""

    queryset = Trainee.objects.filter(status=TraineeStatus.ACTIVE)
    reasons: list[str] = []
    if not rule.include_external:
        queryset = queryset.filter(is_external=False)
    org_ids = list(rule.organisations.values_list("id", flat=True))
    if org_ids:
        scope = (
            organisation_descendants(org_ids) if rule.include_sub_organisations else set(org_ids)
        )
        if rule.include_concurrent_posts:  # 兼務先 in the organisations count as being there
            posts = Trainee.concurrent_organisations.through.objects.filter(
                trainee_id=OuterRef("pk"), organisation_id__in=scope
            )
            queryset = queryset.filter(Q(organisation_id__in=scope) | Exists(posts))
        else:
            queryset = queryset.filter(organisation_id__in=scope)
        reasons.append("organisation")
    for field, values in (
        ("employment_type", rule.employment_types),
        ("job_title", rule.job_titles),
        ("job_category", rule.job_categories),
        ("duty", rule.duties),
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
    if rule.min_age is not None or rule.max_age is not None:
        queryset = queryset.filter(_aged(start, rule.min_age, rule.max_age))
        reasons.append("age")
    if rule.exclude_completed_years is not None:
        queryset = queryset.exclude(
            id__in=completed(
                course.code, course.fiscal_year - rule.exclude_completed_years, course.fiscal_year
            )
        )
        reasons.append("not_completed")
    if rule.renewal_within_days is not None:
        # 再受講: leave out whoever holds a completion of this code valid beyond the window.
        beyond = timezone.localdate() + datetime.timedelta(days=rule.renewal_within_days)
        queryset = queryset.exclude(id__in=completed(course.code, valid_beyond=beyond))
        reasons.append("renewal_due")
    return queryset, reasons or ["all"]


def _aged(on: datetime.date, low: int | None, high: int | None) -> Q:
    """People whose age on ``on`` is within [low, high]: by the birth date in SQL; those the
    roster gave only an age (年齢, with the day it was true) are worked out from it (one query
    over those few), so that nobody is dropped for lack of a birth date."""
    by_birth = Q(birth_date__isnull=False)
    if low is not None:
        by_birth &= Q(birth_date__lte=_years_before(on, low))
    if high is not None:
        by_birth &= Q(birth_date__gt=_years_before(on, high + 1))
    by_age = [
        pk
        for pk, age, as_of in Trainee.objects.filter(
            birth_date__isnull=True, age__isnull=False, age_as_of__isnull=False
        ).values_list("id", "age", "age_as_of")
        if _within(Trainee(age=age, age_as_of=as_of).age_on(on), low, high)
    ]
    return by_birth | Q(pk__in=by_age)


def _within(age: int | None, low: int | None, high: int | None) -> bool:
    return age is not None and (low is None or age >= low) and (high is None or age <= high)


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


def target_member_ids(
    course: Course, *, organisation_id: int | None = None, staff_numbers: list[str] | None = None
) -> tuple[list[int], list[str]]:
    """(trainee ids on the course's target list narrowed as asked, staff numbers asked for
    that are not on the list)."""
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


def session_notice_values(session: Session) -> dict[str, str]:
    """The placeholders of a notice about a session (see notices.models.TEMPLATE_PLACEHOLDERS);
    the session with its course, room and days already loaded."""
    days_list = list(session.days.all())
    days = "、".join(
        f"{formats.date_format(d.date)} {d.starts_at:%H:%M}–{d.ends_at:%H:%M}" for d in days_list
    )
    deadline = session.cancellation_deadline
    if deadline is None and days_list:
        # No deadline set (ordered sessions): cancellations and absence notices are due by 17:00
        # the day before the first day.
        first = days_list[0].date - datetime.timedelta(days=1)
        deadline = datetime.datetime.combine(
            first, datetime.time(17), tzinfo=timezone.get_current_timezone()
        )
    return {
        "course": session.course.title,
        "session": f"第{session.number}回",
        "dates": days,
        "venue": str(session.room) if session.room else session.online_url,
        "deadline": formats.date_format(timezone.localtime(deadline), "DATETIME_FORMAT")
        if deadline
        else "",
        "portal_link": f"{settings.PORTAL_BASE_URL}/inbox/",
    }


def target_rule_summary(rule: TargetRule | None) -> str:
    """Who a course is for, in words (its organisations prefetched): "" when it is for all."""
    if rule is None:
        return ""
    parts = []
    organisations = [o.name for o in rule.organisations.all()]
    if organisations:
        parts.append(
            "、".join(organisations)
            + (str(_(" (with 兼務 posts there)")) if rule.include_concurrent_posts else "")
        )
    for values in (rule.employment_types, rule.job_titles, rule.job_categories):
        if values:
            parts.append("、".join(values))
    if rule.hired_this_fiscal_year:
        parts.append(str(_("hired this fiscal year")))
    if rule.promoted_this_fiscal_year:
        parts.append(str(_("promoted this fiscal year")))
    low, high = rule.min_years_of_service, rule.max_years_of_service
    if low is not None or high is not None:
        parts.append(
            str(_("%(low)s–%(high)s years of service"))
            % {"low": low if low is not None else 0, "high": high if high is not None else ""}
        )
    return " / ".join(parts)
