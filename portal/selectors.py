"""The HR home's and the coordinator home's work queues: what is waiting for each across the
apps, each item a link. A fixed number of queries, whatever the number of courses, people or
deliveries."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import connection
from django.db.models import Count, Exists, F, Max, Min, OuterRef, Q, QuerySet
from django.utils import timezone

from assessments.models import CompletionReport
from assessments.selectors import reports_to_review, reports_without_reviewer
from courses.models import (
    Course,
    CourseKind,
    Session,
    SessionDay,
    TargetMember,
    current_fiscal_year,
)
from enrollments.models import (
    ACTIVE,
    APPROVAL_WAITING,
    DECIDABLE,
    Approval,
    Attendance,
    ChangeRequest,
    Enrollment,
    Status,
    TrainingOrder,
)
from enrollments.selectors import (
    NominationRow,
    approvals_waiting_for,
    nominable_sessions,
    nomination_overview,
)
from notices.selectors import undelivered_by_rule
from reports.dashboards import compliance_summary
from trainees.models import RosterImport, Trainee, User


@dataclass
class WorkQueue:
    decisions: Sequence[Session]  # sessions with people awaiting a decision (annotated .waiting)
    upcoming: Sequence[Session]  # sessions with a day in the next two weeks (.first_day)
    unmarked: list[SessionDay]  # past days of the last two weeks with attendance not recorded
    failed_orders: list[tuple[TrainingOrder, int]]  # orders whose e-mails did not all go out
    imports: list[RosterImport]  # roster previews not yet confirmed
    changes: int  # change-of-session requests waiting
    to_order: Sequence[Session]  # ordered courses' sessions whose target lists are not all ordered
    # per course, reports waiting for a department review no coordinator can give: HR reviews
    unreviewed: list[tuple[Course, int]]

    @property
    def empty(self) -> bool:
        return not any((self.decisions, self.upcoming, self.unmarked, self.failed_orders,
                        self.imports, self.changes, self.to_order, self.unreviewed))  # fmt: skip


def _by_course(reports: list[tuple[int, int]]) -> list[tuple[Course, int]]:
    """(course, how many) for (report id, course id) pairs, in the order the courses first
    appear (the oldest report first)."""
    counts: dict[int, int] = {}
    for _report, course_id in reports:
        counts[course_id] = counts.get(course_id, 0) + 1
    shown = list(counts)[:20]
    courses = Course.objects.in_bulk(shown)
    return [(courses[pk], counts[pk]) for pk in shown]


def _lists_not_all_placed(course_ids: set[int]) -> set[int]:
    """Of these courses, those whose target list has someone without a place (a member not
    excluded with no active place on the course). Both sides come from indexes alone: the
    listed members (``target_member_listed``) and the active places (``enrollment_one_active_
    per_course``).

    Each course is asked on its own, named, for its first unplaced member (LIMIT 1), the
    questions joined in one query (UNION ALL). Named, the planner reads that course's own list
    size from its statistics and stops at the first member found: 0.2 ms for a list of 97,000
    with 93,000 unplaced. Asked for all the courses at once (``course_id IN …``, DISTINCT) it
    has one guess for every course and anti-joined every member of every list, 17–20 ms at
    that size; as a correlated EXISTS per course, 117 ms. A database that cannot limit the parts
    of a UNION (SQLite) is asked the all-at-once way."""
    if not course_ids:
        return set()

    placed = Enrollment.objects.filter(
        course=OuterRef("course"), trainee=OuterRef("trainee"), status__in=ACTIVE
    )
    unplaced = (
        TargetMember.objects.filter(excluded=False)
        .exclude(Exists(placed))
        .values_list("course_id", flat=True)
        .order_by()
    )
    if not connection.features.supports_slicing_ordering_in_compound:
        return set(unplaced.filter(course_id__in=course_ids).distinct())
    first, *rest = [unplaced.filter(course_id=pk)[:1] for pk in sorted(course_ids)]
    return set(first.union(*rest, all=True)) if rest else set(first)


def _sessions() -> QuerySet[Session]:
    return Session.objects.select_related("course")


def hr_work_queue(today: datetime.date | None = None) -> WorkQueue:
    today = today or timezone.localdate()
    fortnight = datetime.timedelta(days=14)
    # The applications waiting, counted by session from their own index (``enrollment_requested``:
    # the session and the place, to join its approval), then the twenty sessions closing first
    # read by their keys. Grouping the places joined to their sessions and courses read every
    # waiting place's row and carried each session's and course's columns through the grouping
    # (18,700 applications on 482 sessions at 100,000 staff: 45 ms, now 5–6 and 2–4).
    counts = {
        row["session_id"]: row
        for row in Enrollment.objects.filter(status=Status.REQUESTED)
        .values("session_id")
        # Only what HR may decide: applications still waiting for 所属長承認 are counted apart.
        .annotate(
            waiting=Count("pk", filter=DECIDABLE),
            awaiting_approval=Count("pk", filter=Q(approval__state__in=APPROVAL_WAITING)),
        )
        .filter(Q(waiting__gt=0) | Q(awaiting_approval__gt=0))
        .order_by()
    }
    decisions = list(
        _sessions().filter(pk__in=counts).order_by("application_closes_at", "pk")[:20]
        if counts
        else []
    )
    for session in decisions:
        session.waiting = counts[session.pk]["waiting"]  # type: ignore[attr-defined]
        session.awaiting_approval = counts[session.pk]["awaiting_approval"]  # type: ignore[attr-defined]
    soon = SessionDay.objects.filter(session=OuterRef("pk"),
                                     date__range=(today, today + fortnight))  # fmt: skip
    upcoming = list(
        _sessions()
        # Only sessions with a day in the fortnight, before their first day is worked out (not
        # every session ever held: 50 ms at a city's ten years, now a few).
        .filter(Exists(soon))
        .annotate(first_day=Min("days__date"))
        .filter(first_day__range=(today, today + fortnight))
        .order_by("first_day", "pk")[:20]
    )
    # Days that have passed (in the last two weeks) with people confirmed and no attendance
    # recorded at all.
    confirmed = Enrollment.objects.filter(session=OuterRef("session"), status=Status.CONFIRMED)
    unmarked = list(
        SessionDay.objects.filter(date__range=(today - fortnight, today))
        .filter(Exists(confirmed))
        .exclude(Exists(Attendance.objects.filter(day=OuterRef("pk"))))
        .select_related("session__course")
        .order_by("date", "pk")[:20]
    )
    failed = undelivered_by_rule(prefix="order:")
    orders = TrainingOrder.objects.select_related("course", "session").in_bulk(
        [int(rule.removeprefix("order:")) for rule in failed]
    )
    failed_orders = [(orders[int(rule.removeprefix("order:"))], n) for rule, n in failed.items()
                     if int(rule.removeprefix("order:")) in orders]  # fmt: skip
    ongoing = (
        _sessions()
        .filter(course__kind=CourseKind.ORDERED, course__fiscal_year__gte=today.year - 1)
        .annotate(last_day=Max("days__date"))
        .filter(last_day__gte=today)
    )
    # The ordered courses with a day to come, asked of each course (EXISTS from the index on
    # (session, date)) rather than as every session's last day, which grouped a city's 2,500
    # sessions of two years with their 25,000 days: 8 → 2 ms.
    with_a_day_to_come = Course.objects.filter(
        kind=CourseKind.ORDERED, fiscal_year__gte=today.year - 1
    ).filter(Exists(SessionDay.objects.filter(session__course=OuterRef("pk"), date__gte=today)))
    not_all_placed = _lists_not_all_placed(set(with_a_day_to_come.values_list("pk", flat=True)))
    to_order = list(ongoing.filter(course_id__in=not_all_placed).order_by("last_day", "pk")[:20])
    return WorkQueue(
        decisions=decisions,
        upcoming=upcoming,
        unmarked=unmarked,
        failed_orders=failed_orders,
        imports=list(
            RosterImport.objects.filter(status=RosterImport.Status.PREVIEWED).order_by(
                "-uploaded_at"
            )[:10]
        ),
        changes=ChangeRequest.objects.filter(state=ChangeRequest.State.PENDING).count(),
        to_order=to_order,
        unreviewed=_by_course(reports_without_reviewer()),
    )


# --- The coordinator's home as a work queue --------------------------------------------------


@dataclass
class StaffSession:
    session: Session  # annotated .first_day (the first of its days in the fortnight)
    staff: list[Trainee]


@dataclass
class CoordinatorQueue:
    nominations: list[NominationRow]  # sessions open for nomination, nearest deadline first
    reports_waiting: int  # completion reports of their staff submitted and not yet reviewed
    oldest_reports: list[CompletionReport]
    missing: list[dict]  # mandatory courses (target lists) with staff not yet completed
    upcoming: list[StaffSession]  # sessions in the next two weeks with their staff on them
    approvals: list[Approval]  # applications waiting for their approval (所属長承認)

    @property
    def empty(self) -> bool:
        return not any((self.nominations, self.reports_waiting, self.missing, self.upcoming,
                        self.approvals))  # fmt: skip


def coordinator_work_queue(
    user: User, scope: set[int], today: datetime.date | None = None
) -> CoordinatorQueue:
    """What is waiting for a coordinator, for the organisations in ``scope`` (their own and
    sub-units): a fixed number of queries whatever the number of staff or courses (one more
    per organisation of theirs with a quota, as on the nominations page)."""
    today = today or timezone.localdate()
    sessions = nominable_sessions().order_by(
        F("application_closes_at").asc(nulls_last=True), "course__code", "number"
    )[:10]
    staff = Trainee.objects.filter(organisation_id__in=scope).exclude(user=user).values("pk")
    waiting = reports_to_review(staff).filter(state=CompletionReport.State.SUBMITTED)
    fortnight = (today, today + datetime.timedelta(days=14))
    # The confirmed places of the scope's staff on the fortnight's sessions, as (session,
    # trainee) pairs. Asked per session (EXISTS) PostgreSQL looked up the trainee of every
    # confirmed place on every session of the fortnight by its key to read the organisation
    # (2,850 lookups at 100,000 staff: 11 ms). Asked as one set, it hashes the scope's staff from
    # their organisation index and reads the places from ``enrollment_session_cover``
    # alone (5 ms); the sessions and the people follow by their keys.
    pairs = list(
        Enrollment.objects.filter(
            status=Status.CONFIRMED,
            trainee__organisation_id__in=scope,
            session_id__in=SessionDay.objects.filter(date__range=fortnight).values("session_id"),
        ).values_list("session_id", "trainee_id")
    )
    soon: list[Session] = []
    on_them: dict[int, list[Trainee]] = {}
    if pairs:
        soon = list(
            Session.objects.filter(pk__in={session for session, _trainee in pairs},
                                   days__date__range=fortnight)
            .annotate(first_day=Min("days__date"))
            .select_related("course")
            .order_by("first_day", "pk")[:20]
        )  # fmt: skip
        shown = {session.pk for session in soon}
        people = Trainee.objects.in_bulk(
            {trainee for session, trainee in pairs if session in shown}
        )
        for session, trainee in sorted(
            ((s, people[t]) for s, t in pairs if s in shown),
            key=lambda pair: (pair[1].staff_number, pair[1].pk),
        ):
            on_them.setdefault(session, []).append(trainee)
    # The waiting reports' ids, oldest first, in one query (how many, and which five to show),
    # then only those five with what the page shows: at 100,000 staff the count and the page
    # with its joins took 240 ms, now about 15 (with the report's own trainee, 0005). The five
    # are read by their keys alone, with the three things the page shows: asked again with the
    # scope's conditions and every column of six tables, Django built and PostgreSQL planned a
    # seven-table join for five rows (9 ms, now 3).
    waiting_ids = list(waiting.order_by("submitted_at", "pk").values_list("pk", flat=True))
    oldest = waiting_ids[:5]
    oldest_reports = list(
        CompletionReport.objects.filter(pk__in=oldest)
        .select_related("form__course", "trainee")
        .only("submitted_at", "form__course__title", "trainee__name")
        .order_by("submitted_at", "pk")
    ) if oldest else []  # fmt: skip
    return CoordinatorQueue(
        nominations=nomination_overview(user, sessions),
        reports_waiting=len(waiting_ids),
        oldest_reports=oldest_reports,
        missing=[r for r in compliance_summary(current_fiscal_year(), scope) if r["missing"]],
        upcoming=[StaffSession(s, on_them.get(s.pk, [])) for s in soon],
        approvals=approvals_waiting_for(user, today=today, coordinated=scope),
    )
