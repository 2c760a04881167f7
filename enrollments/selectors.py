"""Reads for enrolments: the trainee's dashboard and catalogue, the coordinator's view, HR's
session page. Each runs a fixed number of queries, whatever the number of trainees."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    FilteredRelation,
    Min,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.expressions import CombinedExpression
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from courses.models import (
    Course,
    CourseKind,
    Session,
    SessionDay,
    TargetRule,
    current_fiscal_year,
    requirement_labels,
)
from courses.selectors import target_rule_summary, trainee_eligible
from enrollments.models import (
    ACTIVE,
    APPROVAL_WAITING,
    AbsenceNotice,
    Approval,
    Attendance,
    AttendanceMark,
    ChangeRequest,
    CheckInCode,
    Completion,
    Enrollment,
    EnrollmentEvent,
    OrganisationQuota,
    Status,
)
from learning.selectors import material_titles
from lib.japanese import fold, list_join
from lib.pages import by_code
from notices.models import NoticeKind
from notices.selectors import notified_pairs
from trainees.models import Organisation, SupervisorPost, Trainee, TraineeStatus, User
from trainees.selectors import (
    coordinators_by_organisation,
    organisation_descendants,
    organisation_ids_in_scope,
    supervisors_for,
)


def _waitlist_position() -> CombinedExpression:
    """How many wait ahead of this enrolment, plus one."""
    ahead = (
        Enrollment.objects.filter(
            session=OuterRef("session"),
            status=Status.WAITLISTED,
            waitlist_rank__lt=OuterRef("waitlist_rank"),
        )
        .order_by()
        .values("session")
        .annotate(n=Count("id"))
        .values("n")
    )
    return Coalesce(Subquery(ahead), 0) + 1


def waitlist_position(enrollment: Enrollment) -> int:
    """The enrolment's place in its session's waiting list (1 = next to move up)."""
    return (
        Enrollment.objects.filter(pk=enrollment.pk)
        .annotate(position=_waitlist_position())
        .values_list("position", flat=True)
        .get()
    )


def trainee_enrollments(trainee: Trainee, *, fiscal_year: int | None = None) -> list[Enrollment]:
    """The trainee's enrolments of this fiscal year (and later), with their sessions' days,
    places, absence notices and pending change requests: four queries."""
    fiscal_year = fiscal_year or current_fiscal_year()
    return list(
        Enrollment.objects.filter(trainee=trainee, course__fiscal_year__gte=fiscal_year)
        .select_related("session__course", "session__room__venue", "approval")
        .prefetch_related(
            Prefetch("session__days", queryset=SessionDay.objects.order_by("date", "starts_at")),
            "absences",
            Prefetch(
                "change_requests",
                queryset=ChangeRequest.objects.filter(
                    state=ChangeRequest.State.PENDING
                ).select_related("to_session"),
                to_attr="pending_changes",
            ),
        )
        .annotate(position=_waitlist_position())
        .order_by("-requested_at")
    )


@dataclass
class Dashboard:
    needs_action: list[Enrollment] = field(default_factory=list)
    upcoming: list[tuple[SessionDay, Enrollment]] = field(default_factory=list)
    todos: list[Enrollment] = field(default_factory=list)
    history: list[Enrollment] = field(default_factory=list)


def dashboard(trainee: Trainee, today: datetime.date | None = None) -> Dashboard:
    """マイページ: what needs the trainee's attention, the days ahead, what is left to do."""
    today = today or timezone.localdate()
    board = Dashboard()
    for enrollment in trainee_enrollments(trainee):
        days = list(enrollment.session.days.all())
        pending_changes = getattr(enrollment, "pending_changes", [])  # prefetched above
        if enrollment.status in (Status.REQUESTED, Status.WAITLISTED) or pending_changes:
            board.needs_action.append(enrollment)
        elif (enrollment.status == Status.CANCELLED and enrollment.session.cancelled_at
              and days and days[-1].date >= today):  # fmt: skip
            board.needs_action.append(enrollment)  # 中止: the reason, and a replacement if any
        if enrollment.status == Status.CONFIRMED:
            absent = {a.day_id for a in enrollment.absences.all()}
            board.upcoming += [
                (d, enrollment) for d in days if d.date >= today and d.id not in absent
            ]
            if enrollment.completion_missing:
                board.todos.append(enrollment)
        if enrollment.status not in ACTIVE or enrollment.completion == "completed":
            board.history.append(enrollment)
    board.upcoming.sort(key=lambda pair: (pair[0].date, pair[0].starts_at))
    return board


def own_enrollment(trainee: Trainee, pk: int) -> Enrollment:
    """The trainee's own enrolment, or Enrollment.DoesNotExist (a 404)."""
    return (
        Enrollment.objects.select_related("session__course", "session__room__venue", "approval")
        .prefetch_related(
            Prefetch("session__days", queryset=SessionDay.objects.order_by("date", "starts_at")),
            "absences__day",
            Prefetch("events", queryset=EnrollmentEvent.objects.select_related("actor", "session")),
        )
        .annotate(position=_waitlist_position())
        .get(pk=pk, trainee=trainee)
    )


def other_sessions(enrollment: Enrollment) -> list[Session]:
    """Sessions the trainee could move to, with seats left (their numbers and seats only: the
    page shows no other session's days, and a city's course has a hundred sessions)."""
    return list(
        Session.objects.filter(course_id=enrollment.course_id, cancelled_at__isnull=True)
        .exclude(pk=enrollment.session_id)
        .annotate(seats_left=F("capacity") - F("confirmed_count"))
        .order_by("number")
    )


# A course shows its first sessions in the catalogue; the rest on its own page (a city runs a
# hundred sessions of one course: one long page for everybody, every day).
CATALOGUE_SESSIONS = 10


def catalogue(trainee: Trainee, *, category: str = "", course: int | None = None) -> list[Course]:
    """応募研修 the trainee may apply to now: open courses with a session taking applications,
    seats left and deadline, and whether the trainee already holds a place. Each course keeps
    its first CATALOGUE_SESSIONS sessions (``more_sessions``: how many are left out), unless
    it is the one `course` asked for. Two queries, plus one per course that has target
    conditions (to check them)."""
    now = timezone.now()
    taking = Session.objects.filter(
        Q(application_opens_at__isnull=True) | Q(application_opens_at__lte=now),
        Q(application_closes_at__isnull=True) | Q(application_closes_at__gte=now),
    )
    listed = (
        taking.annotate(seats_left=F("capacity") - F("confirmed_count"))
        .select_related("room__venue")
        .prefetch_related(
            # As a list (to_attr): without it Django builds a queryset for each session to
            # hold its days.
            Prefetch("days", queryset=SessionDay.objects.order_by("date"), to_attr="day_list")
        )
        .order_by("number")
    )
    if course is None:
        # Only the sessions shown (a window in the same query): a city's open courses have
        # a hundred sessions each, and reading them all with their days cost 60–90 ms a page.
        listed = listed[:CATALOGUE_SESSIONS]
    open_count = (
        taking.filter(course=OuterRef("pk")).values("course").annotate(n=Count("pk")).values("n")
    )
    courses = (
        Course.objects.filter(kind=CourseKind.OPEN, fiscal_year__gte=current_fiscal_year())
        .filter(Exists(taking.filter(course=OuterRef("pk"))))
        .annotate(
            has_rule=Exists(TargetRule.objects.filter(course=OuterRef("pk"))),
            held=Exists(
                Enrollment.objects.filter(course=OuterRef("pk"), trainee=trainee, status__in=ACTIVE)
            ),
            open_count=Subquery(open_count),
        )
        .prefetch_related(
            Prefetch("sessions", queryset=listed, to_attr="open_sessions"),
            Prefetch(
                "target_rule__organisations",
                queryset=Organisation.objects.order_by("code"),
            ),
        )
        .select_related("target_rule")
        .order_by("category", "code")
    )
    if category:
        courses = courses.filter(category=category)
    if course is not None:
        courses = courses.filter(pk=course)
    if trainee.is_external:
        courses = courses.filter(external_allowed=True)
    shown: list[Course] = [
        c
        for c in courses
        if not c.has_rule or trainee_eligible(c, trainee, completed=completed_trainee_ids)
    ]
    # What to read before: the materials' titles (one query for all the courses).
    titles = material_titles({c.pk for c in shown})
    for each in shown:  # for the template
        each.reading = titles.get(each.pk, [])  # type: ignore[attr-defined]
        each.audience = target_rule_summary(getattr(each, "target_rule", None))  # type: ignore[attr-defined]
        each.more_sessions = 0 if course else max(0, each.open_count - CATALOGUE_SESSIONS)  # type: ignore[attr-defined]
    return shown


# --- Coordinators -------------------------------------------------------------------------------


def nominable_sessions(find: str = "") -> QuerySet[Session]:
    """Sessions open for nomination now; ``find`` narrows them to courses whose code or title
    holds every word typed (full-width letters and digits as typed with the IME)."""
    now = timezone.now()
    sessions = (
        Session.objects.filter(
            course__kind=CourseKind.OPEN, course__fiscal_year__gte=current_fiscal_year()
        )
        .filter(cancelled_at__isnull=True)  # 中止: takes no nomination
        .filter(Q(application_opens_at__isnull=True) | Q(application_opens_at__lte=now))
        .filter(Q(application_closes_at__isnull=True) | Q(application_closes_at__gte=now))
        .select_related("course")
        .order_by("course__code", "number")
    )
    for word in find.split():  # str.split() also splits at the full-width space
        typed = Q()
        for variant in {word, fold(word)}:  # a title may hold full-width digits as typed
            typed |= Q(course__code__icontains=variant) | Q(course__title__icontains=variant)
        sessions = sessions.filter(typed)
    return sessions


@dataclass
class NominationRow:
    session: Session
    # (organisation, places held by its staff on the course, the quota) for the coordinator's
    # organisations that have one.
    quotas: list[tuple[Organisation, int, int]] = field(default_factory=list)


def nomination_overview(coordinator: User, sessions: Iterable[Session]) -> list[NominationRow]:
    """The sessions open for nomination with their deadlines, and for the coordinator's own
    organisations the quota and how many places their staff already hold — a fixed number of
    queries (the quotas, then one count per organisation with a quota)."""
    rows = [NominationRow(session) for session in sessions]
    organisations = list(coordinator.coordinated_organisations.all())
    quotas = OrganisationQuota.objects.filter(
        course__in={row.session.course_id for row in rows}, organisation__in=organisations
    ).select_related("organisation")
    by_course: dict[int, list[OrganisationQuota]] = {}
    for quota in quotas:
        by_course.setdefault(quota.course_id, []).append(quota)
    held: dict[tuple[int, int], int] = {}
    for organisation in {q.organisation for q in quotas}:
        counts = (
            Enrollment.objects.filter(
                status__in=ACTIVE,
                course__in=[q.course_id for q in quotas if q.organisation_id == organisation.pk],
                trainee__organisation_id__in=organisation_descendants([organisation.pk]),
            )
            .values_list("course_id")
            .annotate(n=Count("id"))
        )
        for course_id, n in counts:
            held[(course_id, organisation.pk)] = n
    for row in rows:
        row.quotas = [
            (q.organisation, held.get((q.course_id, q.organisation_id), 0), q.limit)
            for q in by_course.get(row.session.course_id, [])
        ]
    return rows


def department_enrollment_rows() -> QuerySet[Enrollment]:
    """Places with what the staff × courses table shows of each: read by their keys, the
    rows of a page of ``department_enrollments`` (``page_of(…, rows_from=…)``)."""
    return Enrollment.objects.select_related(
        "trainee__organisation", "session__course", "nominated_by"
    )


def department_enrollments(scope: Q) -> QuerySet[Enrollment]:
    """Staff × courses: every place this fiscal year of the staff in ``scope`` (a condition on
    the place's trainee: ``CountedScope.on("trainee")``), by organisation code, staff number and
    course; each place once, so that ``page_of(…, counted_with_keys=True)`` counts it with the
    page's keys (``by_code``: why not in an index's order).

    The scope is a condition on the joined trainee's own row (``staff``), which the sort needs
    anyway: PostgreSQL then reads the scope's staff once with their numbers and hashes them
    against the year's places. Asked as "the place's trainee is in the scope" (IN, a subquery)
    it matched the places against the scope and looked up each place's person by key for the
    sort: 5,000 lookups for a 部 at 100,000 staff, the keys 39–52 → 23–30 ms."""
    return (
        department_enrollment_rows()
        .annotate(
            staff=FilteredRelation("trainee", condition=scope),
            # The staff's organisation joined as a relation of its own: reached as
            # staff__organisation, Django reused the join it had made (and left unused) for the
            # scope's condition, which it writes before the staff it comes through.
            unit=FilteredRelation("staff__organisation"),
        )
        .filter(staff__isnull=False, course__fiscal_year__gte=current_fiscal_year())
        .order_by(by_code("unit__code"), "staff__staff_number", "course__code", "pk")
    )


# --- HR -------------------------------------------------------------------------------------------


def session_overview(session_pk: int) -> Session:
    """The session with its course, days (and each day's attendance counts)."""
    attended = Attendance.objects.filter(day=OuterRef("pk")).order_by().values("day")
    return (
        Session.objects.select_related("course", "room__venue", "replacement")
        .prefetch_related(
            Prefetch(
                "days",
                queryset=SessionDay.objects.order_by("date").annotate(
                    marked=Coalesce(Subquery(attended.annotate(n=Count("id")).values("n")), 0)
                ),
            )
        )
        .get(pk=session_pk)
    )


def session_counts(session: Session) -> dict[str, int]:
    """Count per status and per completion state, in one query."""
    row = Enrollment.objects.filter(session=session).aggregate(
        **{value: Count("id", filter=Q(status=value)) for value in Status.values},
        completed=Count("id", filter=Q(status=Status.CONFIRMED, completion="completed")),
        incomplete=Count("id", filter=Q(status=Status.CONFIRMED, completion="incomplete")),
        nominated=Count("id", filter=Q(source="nominated", status__in=ACTIVE)),
        applied=Count("id", filter=Q(source="applied", status__in=ACTIVE)),
        # Applications still waiting for (or returned by) the supervisor: not HR's to decide.
        awaiting_approval=Count("id", filter=Q(
            status=Status.REQUESTED,
            approval__state__in=[*APPROVAL_WAITING, Approval.State.RETURNED],
        )),
    )  # fmt: skip
    row["decidable"] = row[Status.REQUESTED] - row["awaiting_approval"]
    return row


def session_enrollments(session: Session) -> QuerySet[Enrollment]:
    return (
        Enrollment.objects.filter(session=session)
        .select_related(
            "trainee__organisation", "nominated_by", "substitute_for__trainee", "approval"
        )
        # Whether an absence notice was filed, asked of each place: counted through a join, the
        # page's query was grouped by every column of the place, person, organisation and
        # account it reads (9 ms for a session of 60 at 100,000 staff; 2 ms asked).
        .annotate(
            has_absence=Exists(AbsenceNotice.objects.filter(enrollment=OuterRef("pk"))),
            position=_waitlist_position(),
        )
        .annotate(
            # Awaiting a decision first, then the waiting list in order, the confirmed, the rest.
            group=Case(
                When(status=Status.REQUESTED, then=Value(0)),
                When(status=Status.WAITLISTED, then=Value(1)),
                When(status=Status.CONFIRMED, then=Value(2)),
                default=Value(3),
            ),
            # Department nominees before self-applicants, by the department's priority.
            nominee=Case(When(source="nominated", then=Value(0)), default=Value(1)),
        )
        .order_by("group", "waitlist_rank", "nominee", "nomination_priority", "requested_at", "id")
    )


def pending_change_requests(session: Session) -> list[ChangeRequest]:
    return list(
        ChangeRequest.objects.filter(
            Q(to_session=session) | Q(enrollment__session=session),
            state=ChangeRequest.State.PENDING,
        ).select_related("enrollment__trainee", "enrollment__session", "to_session")
    )


def day_roster(day: SessionDay) -> list[Enrollment]:
    """出欠簿 for a day: confirmed trainees with today's mark and absence notice (3 queries)."""
    return list(
        Enrollment.objects.filter(session_id=day.session_id, status=Status.CONFIRMED)
        .select_related("trainee__organisation")
        .prefetch_related(
            Prefetch("attendance", queryset=Attendance.objects.filter(day=day), to_attr="today"),
            Prefetch("absences", queryset=AbsenceNotice.objects.filter(day=day), to_attr="notice"),
        )
        .order_by("trainee__organisation__code", "trainee__staff_number")
    )


def enrollment_for_hr() -> QuerySet[Enrollment]:
    return Enrollment.objects.select_related(
        "trainee__organisation", "session__course", "nominated_by", "substitute_for__trainee"
    ).prefetch_related(
        "absences__day",
        Prefetch("events", queryset=EnrollmentEvent.objects.select_related("actor", "session")),
    )


def learning_course_ids(trainee: Trainee) -> QuerySet:
    """The courses whose materials a trainee may open: those they hold a confirmed place on
    (registered with learning at start-up: enrollments/apps.py, learning/selectors.py)."""
    return Enrollment.objects.filter(trainee=trainee, status=Status.CONFIRMED).values("course_id")


def completed_trainee_ids(
    code: str, first_year: int = 0, last_year: int = 0, *,
    valid_beyond: datetime.date | None = None,
) -> QuerySet:  # fmt: skip
    """A subquery of the trainees who completed (修了) the course with this code in one of
    these fiscal years — or, with ``valid_beyond``, whose completion of it (any year) is still
    valid after that day (有効期限) — from the enrolment records."""
    places = Enrollment.objects.filter(course__code=code, completion=Completion.COMPLETED)
    if valid_beyond is not None:
        return places.filter(valid_until__gt=valid_beyond).values("trainee_id")
    return places.filter(course__fiscal_year__range=(first_year, last_year)).values("trainee_id")


@dataclass
class DueReminder:
    session_id: int
    trainee_id: int
    user_id: int | None
    name: str
    email: str
    # "reminder:<session id>:session:<days>", "…:deadline:<days>", or for a completion about to
    # expire (kind EXPIRY) "expiry:<enrolment id>:<days>"
    rule: str
    kind: str = NoticeKind.REMINDER
    valid_until: datetime.date | None = None


def reminders_due(today: datetime.date) -> list[DueReminder]:
    """Who should be reminded today and by which rule, minus who already was: a few queries
    per course or session due, none per trainee."""

    def pending(enrollments: QuerySet, rule: str) -> list[DueReminder]:
        fields = (
            "session_id", "trainee_id", "trainee__user_id", "trainee__name", "trainee__email",
        )  # fmt: skip
        rows = enrollments.filter(status=Status.CONFIRMED).values_list(*fields)
        items = [
            DueReminder(
                session_id, trainee_id, user_id, name, email, f"reminder:{session_id}:{rule}"
            )
            for session_id, trainee_id, user_id, name, email in rows
        ]
        sent = notified_pairs(kind=NoticeKind.REMINDER, rules={i.rule for i in items})
        return [i for i in items if (i.trainee_id, i.rule) not in sent]

    due: list[DueReminder] = []
    # Before a session: from N days before its first day until the day before.
    sessions = (
        Session.objects.filter(course__remind_days_before_session__isnull=False)
        .annotate(first_day=Min("days__date"))
        .filter(first_day__gt=today)
        .select_related("course")
    )
    for session in sessions:
        days = session.course.remind_days_before_session or 0  # not null: filtered above
        if session.first_day - datetime.timedelta(days=days) <= today:
            due += pending(Enrollment.objects.filter(session=session), f"session:{days}")
    # Before the completion deadline: to those who have not met the requirements yet.
    courses = Course.objects.filter(
        completion_deadline__gte=today, remind_days_before_deadline__isnull=False
    )
    for course in courses:
        days = course.remind_days_before_deadline or 0  # not null: filtered above
        deadline = course.completion_deadline
        if deadline is None or deadline - datetime.timedelta(days=days) > today:
            continue
        behind = Enrollment.objects.filter(course=course).exclude(completion=Completion.COMPLETED)
        due += pending(behind, f"deadline:{days}")
    return due + expiring(today)


# A course reminds at most this many days before a completion expires (its setting's maximum).
MAX_EXPIRY_NOTICE_DAYS = 365


def expiring(today: datetime.date) -> list[DueReminder]:
    """Completions about to expire (有効期限, from the course's days before until the day),
    not yet renewed by a later completion of the same course code, minus who was told — two
    queries."""
    later = Enrollment.objects.filter(
        trainee_id=OuterRef("trainee_id"), course__code=OuterRef("course__code"),
        completion=Completion.COMPLETED, valid_until__gt=OuterRef("valid_until"),
    )  # fmt: skip
    rows = (
        Enrollment.objects.filter(
            completion=Completion.COMPLETED,
            valid_until__range=(today, today + datetime.timedelta(days=MAX_EXPIRY_NOTICE_DAYS)),
            course__remind_days_before_expiry__isnull=False,
            trainee__status=TraineeStatus.ACTIVE,
        )
        .exclude(Exists(later))
        .values_list("pk", "session_id", "trainee_id", "trainee__user_id", "trainee__name",
                     "trainee__email", "valid_until", "course__remind_days_before_expiry")
    )  # fmt: skip
    items = [
        DueReminder(session_id, trainee_id, user_id, name, email, f"expiry:{pk}:{days}",
                    NoticeKind.EXPIRY, until)
        for pk, session_id, trainee_id, user_id, name, email, until, days in rows
        if until is not None and days is not None  # both filtered above
        and until - datetime.timedelta(days=days) <= today
    ]  # fmt: skip
    sent = notified_pairs(kind=NoticeKind.EXPIRY, rules={i.rule for i in items})
    return [i for i in items if (i.trainee_id, i.rule) not in sent]


def check_in_code(day: SessionDay) -> CheckInCode | None:
    """The day's self check-in code, if HR has made one."""
    return CheckInCode.objects.filter(day=day).first()


# What HR can take away from a session page as a file (CSV or XLSX): the list's name in files.
SESSION_LISTS = {
    "participants": _("participants"),
    "attendance": _("attendance"),
    "sheet": _("sign-in sheet to fill in and upload"),
    "completion": _("completion"),
}
# The sign-in sheet (出欠の一括取込, enrollments.attendance_import reads it back): one line per
# confirmed person and day, marks in the words the clerk writes.
SHEET_HEADER = ["職員番号", "氏名", "所属", "職名", "日付", "出欠", "遅刻・早退（分）"]
MARK_WORDS = {
    AttendanceMark.PRESENT: "出席",
    AttendanceMark.ABSENT: "欠席",
    AttendanceMark.LATE: "遅刻",
    AttendanceMark.LEFT_EARLY: "早退",
}


def session_list_subjects(session: Session, what: str) -> QuerySet[Enrollment, int]:
    """The registry ids of the people in one of the session's lists (閲覧記録 of its export)."""
    places = Enrollment.objects.filter(session=session)
    if what != "participants":
        places = places.filter(status=Status.CONFIRMED)
    return places.values_list("trainee_id", flat=True)


def session_list(session: Session, what: str) -> tuple[list[str], Iterator[list[str]]]:
    """(header, rows) of one of the session's lists, for the export writer. A fixed number of
    queries whatever the number of people."""
    people = ["職員番号", "氏名", "所属", "職名"]
    if what == "participants":
        header = [*people, "区分", "状態", "補欠順位", "申込日", "決定日", "代理元"]
        enrollments = session_enrollments(session)

        def participants() -> Iterator[list[str]]:
            for e in enrollments:
                yield [
                    *_person(e), e.get_source_display(), e.get_status_display(),
                    str(getattr(e, "position", "")) if e.status == Status.WAITLISTED else "",
                    _day(e.requested_at), _day(e.decided_at),
                    e.substitute_for.trainee.name if e.substitute_for else "",
                ]  # fmt: skip

        return header, participants()
    days = list(session.days.order_by("date", "starts_at"))
    confirmed = (
        Enrollment.objects.filter(session=session, status=Status.CONFIRMED)
        .select_related("trainee__organisation")
        .order_by("trainee__organisation__code", "trainee__staff_number")
    )
    if what == "attendance":
        marks = {
            (a.enrollment_id, a.day_id): a.get_mark_display()
            for a in Attendance.objects.filter(enrollment__in=confirmed)
        }
        notified = set(
            AbsenceNotice.objects.filter(enrollment__in=confirmed).values_list(
                "enrollment_id", "day_id"
            )
        )
        header = [*people, *(f"{d.date:%Y/%m/%d}" for d in days)]

        def attendance() -> Iterator[list[str]]:
            for e in confirmed:
                yield [*_person(e), *(
                    marks.get((e.pk, d.pk)) or ("欠席連絡" if (e.pk, d.pk) in notified else "")
                    for d in days
                )]  # fmt: skip

        return header, attendance()
    if what == "sheet":
        recorded = {
            (a.enrollment_id, a.day_id): a
            for a in Attendance.objects.filter(enrollment__in=confirmed)
        }

        def sheet() -> Iterator[list[str]]:
            for e in confirmed:
                for d in days:
                    mark = recorded.get((e.pk, d.pk))
                    word = MARK_WORDS.get(AttendanceMark(mark.mark), "") if mark else ""
                    minutes = str(mark.minutes_missed) if mark and mark.minutes_missed else ""
                    yield [*_person(e), f"{d.date:%Y/%m/%d}", word, minutes]

        return SHEET_HEADER, sheet()
    header = [*people, "修了状況", "未完了の項目", "修了日"]

    def completion() -> Iterator[list[str]]:
        for e in confirmed:
            yield [*_person(e), e.get_completion_display(),
                   requirement_labels(e.completion_missing), _day(e.completed_at)]  # fmt: skip

    return header, completion()


def _person(e: Enrollment) -> list[str]:
    t = e.trainee
    return [t.staff_number, t.name, t.organisation.name, t.job_title]


def _day(moment: datetime.datetime | None) -> str:
    return timezone.localtime(moment).strftime("%Y/%m/%d") if moment else ""


# --- What completion (progress/) reads of the enrolments -----------------------------------------

# Marks that count as attending the day (late and leaving early too).
ATTENDED = (AttendanceMark.PRESENT, AttendanceMark.LATE, AttendanceMark.LEFT_EARLY)


def places_for_completion(enrollment_ids: list[int]) -> list[Enrollment]:
    return list(
        Enrollment.objects.filter(pk__in=enrollment_ids).select_related("course", "session")
    )


def session_days_of(session_ids: set[int]) -> dict[int, list[SessionDay]]:
    """{session id: its days in order}, one query."""
    days: dict[int, list[SessionDay]] = {}
    for day in SessionDay.objects.filter(session_id__in=session_ids).order_by("date"):
        days.setdefault(day.session_id, []).append(day)
    return days


def attendance_of(
    enrollments: list[Enrollment],
) -> dict[int, list[tuple[int, str, int]]]:
    """{enrolment id: [(day id, mark, minutes missed), …]} for every mark recorded — one query."""
    marks: dict[int, list[tuple[int, str, int]]] = {}
    rows = Attendance.objects.filter(enrollment__in=enrollments).values_list(
        "enrollment_id", "day_id", "mark", "minutes_missed"
    )
    for enrollment_id, day_id, mark, minutes in rows:
        marks.setdefault(enrollment_id, []).append((day_id, mark, minutes))
    return marks


def confirmed_place_ids(*, course_id: int, trainee_id: int | None = None) -> list[int]:
    """The confirmed places on a course (one trainee's, when given)."""
    places = Enrollment.objects.filter(course_id=course_id, status=Status.CONFIRMED)
    if trainee_id is not None:
        places = places.filter(trainee_id=trainee_id)
    return list(places.order_by("id").values_list("id", flat=True))


def not_completed_place_ids() -> list[int]:
    """Confirmed places not (yet) complete: what the nightly completion run looks at."""
    return list(
        Enrollment.objects.filter(status=Status.CONFIRMED)
        .exclude(completion=Completion.COMPLETED)
        .values_list("id", flat=True)
    )


def clashing_places(trainee_ids: list[int], session: Session) -> dict[int, list[Enrollment]]:
    """重複チェック: {trainee id: their other confirmed places whose days overlap this
    session's} — what applying, nominating or ordering them here would double-book. One
    query for the session's days, one for the overlaps."""
    days = list(session.days.all())
    if not days or not trainee_ids:
        return {}
    overlap = Q(pk__in=[])
    for day in days:
        overlap |= Q(date=day.date, starts_at__lt=day.ends_at, ends_at__gt=day.starts_at)
    clashing_days = SessionDay.objects.filter(overlap).exclude(session=session)
    found: dict[int, list[Enrollment]] = {}
    for place in (
        Enrollment.objects.filter(trainee_id__in=trainee_ids, status=Status.CONFIRMED,
                                  session__in=clashing_days.values("session_id"),
                                  session__cancelled_at__isnull=True)
        .select_related("session__course", "trainee")
        .order_by("trainee_id", "session_id")
    ):  # fmt: skip
        found.setdefault(place.trainee_id, []).append(place)
    return found


def clash_text(places: list[Enrollment]) -> str:
    return list_join(
        gettext("%(course)s (session %(number)s)")
        % {"course": p.session.course.title, "number": p.session.number}
        for p in places
    )


def approvals_waiting_for(
    user: User, *, today: datetime.date | None = None, coordinated: set[int] | None = None
) -> list[Approval]:
    """The applications this person answers now (所属長承認): as 所属長 or deputy of the
    applicant at the supervisor's step, as a coordinator of the applicant at the
    coordinator's — never their own. Soonest deadline first. Only the applications under the
    person's posts and coordinated organisations are read (a ward-wide season of approvals
    costs each approver their own share), then each is checked against the one answer to who
    approves (supervisors_for). ``coordinated``: the organisations the person coordinates,
    where the caller has them already. A fixed number of queries whatever the number."""
    today = today or timezone.localdate()
    posts = list(
        SupervisorPost.objects.filter(
            Q(holder__user=user) | Q(deputy__user=user),
            Q(ends_on__isnull=True) | Q(ends_on__gte=today),
            starts_on__lte=today,
        ).values_list("organisation_id", flat=True)
    )
    under_posts = organisation_descendants(posts) if posts else set()
    if coordinated is None:
        coordinated = (
            organisation_ids_in_scope(user)
            if user.has_perm("trainees.use_coordinator_pages") else set()
        )  # fmt: skip
    if not under_posts and not coordinated:
        return []
    waiting = list(
        Approval.objects.filter(
            Q(state=Approval.State.SUPERVISOR,
              enrollment__trainee__organisation_id__in=under_posts)
            | Q(state=Approval.State.COORDINATOR,
                enrollment__trainee__organisation_id__in=coordinated),
            enrollment__status=Status.REQUESTED,
        )
        .select_related(
            "enrollment__trainee__organisation", "enrollment__session", "enrollment__course"
        )
        .order_by("due_at", "id")
    )  # fmt: skip
    at_supervisor = [a for a in waiting if a.state == Approval.State.SUPERVISOR]
    at_coordinator = [a for a in waiting if a.state == Approval.State.COORDINATOR]
    supervisors = supervisors_for([a.enrollment.trainee for a in at_supervisor], today)
    coordinators = coordinators_by_organisation(
        {a.enrollment.trainee.organisation_id for a in at_coordinator}
    )
    mine = []
    for approval in waiting:
        trainee = approval.enrollment.trainee
        if trainee.user_id == user.pk:
            continue
        if approval.state == Approval.State.SUPERVISOR:
            if any(p.user_id == user.pk for p in supervisors.get(trainee.pk, [])):
                mine.append(approval)
        elif user.pk in coordinators.get(trainee.organisation_id, set()):
            mine.append(approval)
    return mine


def recent_training(
    trainee_ids: list[int], *, years: int = 2, per_person: int = 5
) -> dict[int, list[Enrollment]]:
    """Each person's places of this fiscal year and the ``years`` before (held or waiting,
    completed or not; not the applications still open), newest first, at most
    ``per_person`` each — what an approver looks at. One query."""
    since = current_fiscal_year() - years
    found: dict[int, list[Enrollment]] = {pk: [] for pk in trainee_ids}
    for place in (
        Enrollment.objects.filter(
            trainee_id__in=trainee_ids, course__fiscal_year__gte=since,
            status__in=[Status.CONFIRMED, Status.ABSENT, Status.WAITLISTED],
        )
        .select_related("course", "session")
        .order_by("trainee_id", "-course__fiscal_year", "-requested_at", "-id")
    ):  # fmt: skip
        if len(found[place.trainee_id]) < per_person:
            found[place.trainee_id].append(place)
    return found
