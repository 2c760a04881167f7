"""The dashboards' numbers (集計), aggregated in the database: a handful of grouped queries per
page whatever the number of places, rolled up to departments (部) in memory over the
organisation tree (a ward has a few hundred units).

Counting rules (shown on the pages, see COUNTING_RULES):
- a place counts where its trainee belonged on the session's first day (Enrollment.organisation,
  stamped that morning); a place whose session has not begun counts where the trainee is now
  (both kept on the place as Enrollment.counted_in, see enrollments.services.history);
- a department (部) counts the places of all its sections and units; an external
  organisation counts as its own department;
- completion rate = places completed ÷ places held (confirmed or absent on every day); a place
  given up (cancelled) or never given (applied, waitlisted, not selected) does not count;
- a place is completed when its course's requirements are met (progress.completion): every
  session day attended, or a course's share of the hours (Course.attendance_share);
- the chase list names the target-list members (not removed by HR) without a completed place
  in the course, under the organisation they belong to now (the one a reminder reaches);
- hours are those of the session days of completed places, plus completed records kept by HR
  (training outside the portal), in the fiscal year.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import (
    Avg,
    Count,
    Exists,
    F,
    FloatField,
    OuterRef,
    Q,
    QuerySet,
    Sum,
)
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from assessments.models import Attempt, SurveyAnswer, SurveyQuestion, Test
from assessments.selectors import BREAKDOWN_MINIMUM, FINAL, SCALES
from courses.models import Course, SessionDay, TargetMember, fiscal_year_of
from courses.selectors import fiscal_years
from enrollments.models import AbsenceNotice, AbsenceReason, Completion, Enrollment, Status
from reports.freshness import keeping, kept, tables_of
from reports.models import HistoryRecord, Outcome
from trainees.models import EmploymentType, Organisation, Trainee, TraineeStatus, User
from trainees.selectors import organisation_ids_in_scope

HELD = (Status.CONFIRMED, Status.ABSENT)
# Where a place counts: the organisation at the time once stamped, the trainee's now until
# then — kept on the place (Enrollment.counted_in) so no count joins the staff table.
PLACE_ORGANISATION = F("counted_in_id")

COUNTING_RULES = [
    _(
        "A place counts where its trainee belonged on the session's first day; a session not "
        "yet begun counts where the trainee is now. A trainee who moved mid-year counts in each "
        "department for the sessions they attended there."
    ),
    _(
        "A department counts all its sections and units; an external organisation counts as "
        "its own."
    ),
    _(
        "Completion rate = places completed ÷ places held (confirmed, or absent every day). "
        "Cancelled places and applications never confirmed are not counted."
    ),
    _(
        "A place is completed when its course's requirements are met. Attendance means every "
        "session day attended (arriving late or leaving early still counts), or, where the "
        "course sets a share of the hours, at least that share: an absent day's hours and the "
        "minutes of a late arrival or an early leave are missed."
    ),
    _(
        "Where a course's completions expire (有効期限, e.g. every year), a target-list member "
        "counts as completed with a completion of the same course code, in any fiscal year, "
        "still valid today (for a past fiscal year: on its last day, 31 March); an expired one "
        "does not count."
    ),
    _(
        "The chase list names the target-list members without a completed place in the course, "
        "under the organisation they belong to now."
    ),
    _(
        "Hours are those of the session days of completed places, plus completed training "
        "recorded by HR outside the portal, in the fiscal year, under the trainee's employment "
        "type today. Test results are the mean of every submitted post-test attempt."
    ),
    _(
        "A mean (test results, satisfaction, hours per person) is shown only where at least 5 "
        "people contributed to it — trainees who took the test, answered the survey or "
        "completed training — so that no one person's answer or score can be read from it."
    ),
]
# Below this many contributors a mean is not shown (the survey pages' rule, for every mean here).
MINIMUM_CONTRIBUTORS = BREAKDOWN_MINIMUM


def shown(mean: float | Decimal | None, contributors: int) -> float | Decimal | None:
    """The mean where enough people contributed to it (or nobody: it then says nothing about
    anyone), else None (the page says why)."""
    return mean if contributors == 0 or contributors >= MINIMUM_CONTRIBUTORS else None


# --- organisations ------------------------------------------------------------------------


@dataclass
class Tree:
    """The organisation tree in memory: each unit's department (its top-level ancestor)."""

    by_id: dict[int, Organisation]
    department_of: dict[int, int]

    def descendants(self, department_id: int) -> list[int]:
        return [pk for pk, top in self.department_of.items() if top == department_id]


def organisation_tree() -> Tree:
    everything = {o.pk: o for o in Organisation.objects.only("id", "code", "name", "parent_id")}
    department_of: dict[int, int] = {}
    for pk, organisation in everything.items():
        node, seen = organisation, {pk}
        while node.parent_id and node.parent_id in everything and node.parent_id not in seen:
            node = everything[node.parent_id]
            seen.add(node.pk)
        department_of[pk] = node.pk
    return Tree(everything, department_of)


def scope_ids(user: User) -> set[int] | None:
    """The organisations whose numbers the person may see: None for HR (everything), their
    organisations with sub-units for a coordinator."""
    if user.has_perm("trainees.use_hr_console"):
        return None
    return organisation_ids_in_scope(user)


def _places(
    fiscal_year: int, scope: set[int] | None, *, by_organisation: bool = False
) -> QuerySet[Enrollment]:
    """The places held in the fiscal year (within ``scope``), annotated with the organisation
    they count in (``place_org``) where that is asked for or the scope needs it."""
    places = Enrollment.objects.filter(course__fiscal_year=fiscal_year, status__in=HELD)
    if by_organisation or scope is not None:
        places = places.annotate(place_org=PLACE_ORGANISATION)
    if scope is not None:
        places = places.filter(place_org__in=scope)  # type: ignore[misc] # annotated above
    return places


# The tables each kept figure reads (a session only as the way from a place to its days, by its
# id, which never changes): tests/reports/test_freshness.py reads the figures' SQL to check.
COMPLETION_TABLES = tables_of([Enrollment, Course, Organisation])
HOURS_TABLES = tables_of([Enrollment, Course, SessionDay, Trainee, HistoryRecord])
COMPLIANCE_TABLES = tables_of([Enrollment, Course, TargetMember, Trainee])


def scope_key(scope: set[int] | None) -> tuple[int, ...] | None:
    """The scope as part of a kept figure's key (None: everything)."""
    return None if scope is None else tuple(sorted(scope))


def rate(done: int, total: int) -> float | None:
    return round(done * 100 / total, 1) if total else None


# --- completion by course × department -------------------------------------------------------


@dataclass
class Cell:
    held: int = 0
    completed: int = 0

    @property
    def rate(self) -> float | None:
        return rate(self.completed, self.held)

    def add(self, held: int, completed: int) -> None:
        self.held += held
        self.completed += completed


@dataclass
class CompletionMatrix:
    courses: list[Course]
    departments: list[Organisation]
    cells: dict[tuple[int, int], Cell]
    by_course: dict[int, Cell]
    by_department: dict[int, Cell]
    total: Cell = field(default_factory=Cell)

    def department_totals(self) -> list[tuple[Organisation, Cell]]:
        return [(d, self.by_department[d.pk]) for d in self.departments]

    def rows(self) -> list[tuple[Course, list[tuple[Organisation, Cell | None]], Cell]]:
        return [
            (
                course,
                [(d, self.cells.get((course.pk, d.pk))) for d in self.departments],
                self.by_course[course.pk],
            )
            for course in self.courses
        ]


def completion_matrix(fiscal_year: int, scope: set[int] | None) -> CompletionMatrix:
    """Places held and completed per course and department, kept until a place, a course or
    the organisation tree changes (reports.freshness)."""
    return kept("completion", (fiscal_year, scope_key(scope)), COMPLETION_TABLES,
                lambda: _completion_matrix(fiscal_year, scope))  # fmt: skip


def _completion_matrix(fiscal_year: int, scope: set[int] | None) -> CompletionMatrix:
    """Places held and completed per course and department (one grouped query)."""
    tree = organisation_tree()
    grouped = (
        _places(fiscal_year, scope, by_organisation=True)
        .values("course_id", "place_org")  # type: ignore[misc] # annotated by _places
        .annotate(
            held=Count("id"),
            completed=Count("id", filter=Q(completion=Completion.COMPLETED)),
        )
        .order_by()
        .values_list("course_id", "place_org", "held", "completed")
    )
    # Summed per (course, department) first: a city has ~12,000 (course, unit) rows, and four
    # Cell additions per row cost more than reading it.
    sums: dict[tuple[int, int], list[int]] = defaultdict(lambda: [0, 0])
    department_of = tree.department_of
    for course_id, place_org, held, completed in grouped:
        pair = sums[(course_id, department_of.get(place_org, place_org))]
        pair[0] += held
        pair[1] += completed
    cells: dict[tuple[int, int], Cell] = {}
    by_course: dict[int, Cell] = defaultdict(Cell)
    by_department: dict[int, Cell] = defaultdict(Cell)
    total = Cell()
    for (course_id, department), (held, completed) in sums.items():
        cells[(course_id, department)] = Cell(held, completed)
        for cell in (by_course[course_id], by_department[department], total):
            cell.add(held, completed)
    courses = list(Course.objects.filter(pk__in=by_course).order_by("code"))
    departments = sorted((tree.by_id[pk] for pk in by_department), key=lambda o: o.code)
    return CompletionMatrix(courses, departments, cells, by_course, by_department, total)


def completion_matrix_table(matrix: CompletionMatrix) -> tuple[list[str], list[list[object]]]:
    header = ["研修コード", "研修名"]
    for department in matrix.departments:
        header += [f"{department.name} 対象", f"{department.name} 修了"]
    header += ["合計 対象", "合計 修了", "修了率(%)"]
    rows: list[list[object]] = []
    for course, cells, total in matrix.rows():
        line: list[object] = [course.code, course.title]
        for _department, cell in cells:
            line += [cell.held, cell.completed] if cell else [0, 0]
        line += [total.held, total.completed, "" if total.rate is None else total.rate]
        rows.append(line)
    return header, rows


def completion_cell(course: Course, department_id: int, scope: set[int] | None) -> list[Enrollment]:
    """The places behind one cell: the course's places held in the department."""
    tree = organisation_tree()
    units = set(tree.descendants(department_id))
    if scope is not None:
        units &= scope
    return list(
        _places(course.fiscal_year, None, by_organisation=True)
        .filter(course=course, place_org__in=units)  # type: ignore[misc] # annotated by _places
        .select_related("trainee__organisation", "session", "organisation")
        .order_by("trainee__staff_number")
    )


# --- compliance: who in a target list has not completed ---------------------------------------


def validity_date(fiscal_year: int) -> datetime.date:
    """The day on which an expiring completion must still be valid to count for a fiscal
    year's target list: today while the year runs, its last day (31 March) once it is over."""
    return min(timezone.localdate(), datetime.date(fiscal_year + 1, 3, 31))


def _counting_completions(fiscal_year: int, course: Course | None = None) -> tuple[Exists, Exists]:
    """The two ways a target-list member's completion counts for the member's course (or for
    ``course``): (a) a completed place on the course; (b) where completions expire (有効期限),
    a completed place of the same course code in any fiscal year still valid on
    ``validity_date``. Kept as two EXISTS and never OR'd inside one query: PostgreSQL turns
    an EXISTS standing alone in the WHERE into a (anti-)join and can then start from the few
    completed places, where an OR of the two leaves it a subplan probed once for each of the
    97,000 members of a city's list (the chase list's count by department 145 → 70 ms)."""
    today = validity_date(fiscal_year)
    course_id = course.pk if course else OuterRef("course_id")
    code = course.code if course else OuterRef("course__code")
    completed = Enrollment.objects.filter(
        trainee_id=OuterRef("trainee_id"), completion=Completion.COMPLETED
    )
    return (
        Exists(completed.filter(Q(course_id=course_id), valid_until__isnull=True)),
        Exists(completed.filter(course__code=code, valid_until__gte=today)),
    )


def _members(scope: set[int] | None) -> QuerySet[TargetMember]:
    members = TargetMember.objects.filter(excluded=False)
    if scope is not None:
        members = members.filter(trainee__organisation_id__in=scope)
    return members


def compliance_summary(fiscal_year: int, scope: set[int] | None) -> list[dict]:
    """Per course with a target list: members, completed, not completed — kept until a target
    list, a place, a course or a member of staff changes, or the day (validity) does
    (reports.freshness; the coordinator's home shows it on every visit)."""
    return kept("compliance", (fiscal_year, scope_key(scope), validity_date(fiscal_year)),
                COMPLIANCE_TABLES, lambda: _compliance_summary(fiscal_year, scope))  # fmt: skip


def _compliance_summary(fiscal_year: int, scope: set[int] | None) -> list[dict]:
    """Per course with a target list: members, completed, not completed.

    Two ways to count, by the size of what is counted:
    - a coordinator's scope (a few thousand members at a city's size): one grouped query over
      the scope's members, asking each member both ways a completion counts (two index
      probes each: the coordinator's home 57 → 38 ms at 100,000 staff);
    - the whole ward (HR): three grouped queries, because probing each of the 97,000 members
      of a city's list is slow: the members; the members with a completed place on the
      course, counted from those places (a course's completed places are far fewer than its
      list's members: 124 → 13 ms for a list of 97,000); and, where completions expire, the
      members without such a place whose completion of the same code is still valid.
    """
    members = (
        _members(scope)
        .filter(course__fiscal_year=fiscal_year)
        .values("course_id", "course__code", "course__title")
        .order_by("course__code")
    )
    if scope is not None:
        on_course, still_valid = _counting_completions(fiscal_year)
        rows = list(
            members.annotate(
                members=Count("id"), completed=Count("id", filter=Q(on_course) | Q(still_valid))
            )
        )
    else:
        rows = list(members.annotate(members=Count("id")))
        completed = _completed_members(fiscal_year, [row["course_id"] for row in rows])
        for row in rows:
            row["completed"] = completed.get(row["course_id"], 0)
    for row in rows:
        row["missing"] = row["members"] - row["completed"]
        row["rate"] = rate(row["completed"], row["members"])
    return rows


def _completed_members(fiscal_year: int, course_ids: list[int]) -> dict[int, int]:
    """The whole ward's members of the courses' target lists with a completion that counts,
    per course, counted from the completed places (see compliance_summary)."""
    listed = _members(None).filter(course_id=OuterRef("course_id"))
    on_course, still_valid = _counting_completions(fiscal_year)
    completed: dict[int, int] = defaultdict(int)
    for course_id, n in (
        Enrollment.objects.filter(
            course_id__in=course_ids, completion=Completion.COMPLETED, valid_until__isnull=True
        )
        .filter(Exists(listed.filter(trainee_id=OuterRef("trainee_id"))))
        .values("course_id")
        .annotate(n=Count("trainee_id", distinct=True))
        .order_by()
        .values_list("course_id", "n")
    ):
        completed[course_id] += n
    for course_id, n in (
        _members(None)
        .filter(course_id__in=course_ids)
        .filter(still_valid)
        .exclude(on_course)
        .values("course_id")
        .annotate(n=Count("trainee_id", distinct=True))
        .order_by()
        .values_list("course_id", "n")
    ):
        completed[course_id] += n
    return completed


@dataclass
class ChaseLine:
    trainee: Trainee
    place_status: str  # the latest place's status label, or "" (none)


def chase_members(
    course: Course, scope: set[int] | None, department_id: int | None = None
) -> QuerySet[TargetMember]:
    """The members of the course's target list who have not completed it, by organisation and
    staff number (two anti-joins, one for each way a completion counts; the page shows them
    a page at a time)."""
    on_course, still_valid = _counting_completions(course.fiscal_year, course)
    members = (
        _members(scope)
        .filter(course=course)
        .exclude(on_course)
        .exclude(still_valid)
        .select_related("trainee__organisation", "trainee__user")
        .order_by("trainee__organisation__code", "trainee__staff_number", "id")
    )
    if department_id is not None:
        members = members.filter(trainee__organisation_id__in=organisation_tree().descendants(
            department_id))  # fmt: skip
    return members


def chase_lines(members: Iterable[TargetMember], course: Course) -> list[ChaseLine]:
    """These members with where their place stands (none, confirmed, absent, cancelled)."""
    members = list(members)
    statuses = dict(Status.choices)
    latest: dict[int, str] = {}
    for trainee_id, status in (
        Enrollment.objects.filter(course=course, trainee_id__in=[m.trainee_id for m in members])
        .order_by("requested_at")
        .values_list("trainee_id", "status")
    ):
        latest[trainee_id] = str(statuses.get(status, status))
    return [ChaseLine(m.trainee, latest.get(m.trainee_id, "")) for m in members]


def chase_list(
    course: Course, scope: set[int] | None, department_id: int | None = None
) -> list[ChaseLine]:
    """The whole chase list (for the reminder and the tests)."""
    return chase_lines(chase_members(course, scope, department_id), course)


def chase_by_department(course: Course, scope: set[int] | None) -> list[tuple[Organisation, int]]:
    """How many are on the chase list per department (one grouped query)."""
    tree = organisation_tree()
    counts: dict[int, int] = defaultdict(int)
    for organisation_id, n in (
        chase_members(course, scope)
        .order_by()
        .values("trainee__organisation_id")
        .annotate(n=Count("id"))
        .values_list("trainee__organisation_id", "n")
    ):
        counts[tree.department_of.get(organisation_id, organisation_id)] += n
    return sorted(((tree.by_id[pk], n) for pk, n in counts.items()), key=lambda item: item[0].code)


def chase_rows(members: QuerySet[TargetMember], course: Course) -> Iterator[list[object]]:
    """The chase list's rows for an export, read 2,000 at a time (never all in memory)."""
    chunk: list[TargetMember] = []
    for member in members.iterator(chunk_size=2000):
        chunk.append(member)
        if len(chunk) == 2000:
            yield from chase_table(chase_lines(chunk, course))[1]
            chunk = []
    if chunk:
        yield from chase_table(chase_lines(chunk, course))[1]


CHASE_HEADER = ["職員番号", "氏名", "所属", "職名", "雇用区分", "メール", "申込状況"]


def chase_table(lines: list[ChaseLine]) -> tuple[list[str], list[list[object]]]:
    return CHASE_HEADER, [
        [
            line.trainee.staff_number,
            line.trainee.name,
            line.trainee.organisation.name,
            line.trainee.job_title,
            line.trainee.employment_type,
            line.trainee.email,
            line.place_status or "未申込",
        ]
        for line in lines
    ]


# --- attendance and absence reasons ---------------------------------------------------------


def attendance_summary(fiscal_year: int, scope: set[int] | None) -> list[dict]:
    """Per course: places confirmed, absent every day, cancelled, and absence notices by
    reason (two grouped queries)."""
    places = Enrollment.objects.filter(course__fiscal_year=fiscal_year)
    if scope is not None:
        places = places.annotate(place_org=PLACE_ORGANISATION).filter(place_org__in=scope)
    by_course = {
        row["course_id"]: row
        for row in places.values("course_id", "course__code", "course__title")
        .annotate(
            confirmed=Count("id", filter=Q(status=Status.CONFIRMED)),
            absent=Count("id", filter=Q(status=Status.ABSENT)),
            cancelled=Count("id", filter=Q(status=Status.CANCELLED)),
        )
        .order_by("course__code")
        if row["confirmed"] or row["absent"] or row["cancelled"]
    }
    notices = AbsenceNotice.objects.filter(enrollment__in=places.values("id"))
    for row in by_course.values():
        row["reasons"] = {reason: 0 for reason in AbsenceReason.values}
    for row in notices.values("enrollment__course_id", "reason").annotate(n=Count("id")).order_by():
        course_row = by_course.get(row["enrollment__course_id"])
        if course_row is not None:
            course_row["reasons"][row["reason"]] = row["n"]
    result = sorted(by_course.values(), key=lambda r: r["course__code"])
    for row in result:
        row["held"] = row["confirmed"] + row["absent"]
        row["total"] = row["held"] + row["cancelled"]
    return result


# --- test results and satisfaction per course over the years ---------------------------------


def results_over_years(scope: set[int] | None, years: int = 5) -> tuple[list[int], list[dict]]:
    """Per course code, per fiscal year of the last `years`: the mean post-test result (%) of
    submitted attempts and the mean satisfaction (5 = best) on each survey's first scale
    question. Two grouped queries and one for the questions."""
    recent = fiscal_years()[:years]
    if not recent:
        return [], []
    percent = Cast(FINAL, FloatField()) * 100.0 / Cast(F("max_score"), FloatField())
    attempts = Attempt.objects.filter(
        test__kind=Test.Kind.POST,
        state=Attempt.State.SUBMITTED,
        max_score__gt=0,
        # Through the test's course (an attempt's place is on the test's course, which
        # attempt_start checks): reading the courses through the places scanned them all.
        test__course__fiscal_year__in=recent,
    )
    if scope is not None:
        attempts = attempts.filter(enrollment__counted_in_id__in=scope)
    table: dict[str, dict] = {}

    def line(code: str, title: str) -> dict:
        return table.setdefault(code, {"code": code, "title": title, "years": {}})

    for row in (
        attempts.values("test__course__code", "test__course__fiscal_year")
        .annotate(mean=Avg(percent), n=Count("enrollment_id", distinct=True))
        .order_by()
    ):
        # n counts trainees who took the test (not attempts): the respondents of the mean.
        code, year = row["test__course__code"], row["test__course__fiscal_year"]
        line(code, "")["years"].setdefault(year, {})["test"] = (
            shown(round(row["mean"], 1), row["n"]),
            row["n"],
        )
    first_scale: dict[int, int] = {}
    for survey_id, question_id in (
        SurveyQuestion.objects.filter(kind__in=list(SCALES), survey__course__fiscal_year__in=recent)
        .order_by("survey_id", "-position", "-id")
        .values_list("survey_id", "id")
    ):  # fmt: skip
        first_scale[survey_id] = question_id  # the last written is the first by position
    answers = SurveyAnswer.objects.filter(question_id__in=list(first_scale.values()))
    if scope is not None:
        answers = answers.filter(
            Q(response__organisation_id__in=scope)
        )  # anonymous responses keep the organisation, not the person
    for row in (
        answers.values("question__survey__course__code", "question__survey__course__fiscal_year")
        .annotate(mean=Avg(5 - F("choice"), output_field=FloatField()), n=Count("id"))
        .order_by()
    ):
        code = row["question__survey__course__code"]
        year = row["question__survey__course__fiscal_year"]
        line(code, "")["years"].setdefault(year, {})["satisfaction"] = (
            shown(round(row["mean"], 2), row["n"]),
            row["n"],
        )
    titles = dict(
        Course.objects.filter(code__in=list(table), fiscal_year__in=recent)
        .order_by("code", "fiscal_year")
        .values_list("code", "title")
    )
    for code, entry in table.items():
        entry["title"] = titles.get(code, code)
        entry["cells"] = [entry["years"].get(year, {}) for year in sorted(recent)]
    return sorted(recent), sorted(table.values(), key=lambda e: e["code"])


# --- hours per trainee by employment type ------------------------------------------------------


def whole_ward_figures_warm() -> bool:
    """The current fiscal year's whole-ward figures (the hours by employment type, the
    completion matrix, the compliance numbers) counted now if what they count has changed since
    they were kept, and nothing counted if not: run by beat every minute, so that the first HR
    page after a change takes them from the cache rather than counting them while HR waits
    (the hours 170–200 ms at 100,000 staff, more under load). False where nothing is kept
    (no change numbers: SQLite)."""
    if not keeping():
        return False
    year = fiscal_year_of(timezone.localdate())
    hours_by_employment_type(year, None)
    completion_matrix(year, None)
    compliance_summary(year, None)
    return True


def hours_by_employment_type(fiscal_year: int, scope: set[int] | None) -> list[dict]:
    """Hours by employment type, kept until a place, a course, a session's days, a member of
    staff or a history record changes (reports.freshness)."""
    return kept("hours", (fiscal_year, scope_key(scope)), HOURS_TABLES,
                lambda: _hours_by_employment_type(fiscal_year, scope))  # fmt: skip


def _hours_by_employment_type(fiscal_year: int, scope: set[int] | None) -> list[dict]:
    """Per employment type: staff in post, those who completed training, total and mean hours
    per person in post. Three grouped queries: the completed places with their sessions' days
    (the hours, and the people who completed, each once), the staff in post, and the records'
    hours with the people who have only a record. At 100,000 staff: 115 ms; counting the
    people with a place in the pass over the staff in post (a subplan there, 55 ms where the
    staff in post alone take 20) and reading the sessions' days apart took 140–170."""
    totals: dict[str, Decimal] = defaultdict(Decimal)
    trained: dict[str, int] = {}
    places = _places(fiscal_year, scope).filter(completion=Completion.COMPLETED)
    # A place's hours are its session's days, end − start each (whole seconds, added exactly
    # and divided once); a place on a session without days counts its person, not hours.
    length = F("session__days__ends_at") - F("session__days__starts_at")
    for employment, total, people in (
        places.values("trainee__employment_type")
        .annotate(total=Sum(length), people=Count("trainee_id", distinct=True))
        .order_by()
        .values_list("trainee__employment_type", "total", "people")
    ):
        seconds = (total or datetime.timedelta(0)) // datetime.timedelta(seconds=1)
        totals[employment] = Decimal(seconds) / 3600
        trained[employment] = people
    in_post_q = Q(status=TraineeStatus.ACTIVE)
    if scope is not None:
        in_post_q &= Q(organisation_id__in=scope)
    in_post = dict(
        Trainee.objects.filter(in_post_q)
        .values("employment_type")
        .annotate(n=Count("*"))  # COUNT(*): the index on (status, employment type) answers it
        .order_by()
        .values_list("employment_type", "n")
    )
    records = HistoryRecord.objects.filter(
        fiscal_year=fiscal_year, removed_at__isnull=True, outcome=Outcome.COMPLETED
    )
    if scope is not None:
        records = records.filter(trainee__organisation_id__in=scope)
    # Who contributed hours: a completed place or a completed record (each person once); those
    # with a place are counted above, then those with only a record (few: an OR of two EXISTS
    # over every member of staff cost 300 ms).
    only_record = ~Q(Exists(places.filter(trainee_id=OuterRef("trainee_id"))))
    for employment, hours, people in (
        records.values("trainee__employment_type")
        .annotate(h=Sum("hours"), n=Count("trainee_id", distinct=True, filter=only_record))
        .order_by()
        .values_list("trainee__employment_type", "h", "n")
    ):
        totals[employment] += hours or 0
        trained[employment] = trained.get(employment, 0) + people
    labels = dict(EmploymentType.choices)
    result = []
    for employment in [*EmploymentType.values, *sorted(set(totals) - set(EmploymentType.values))]:
        people = in_post.get(employment, 0)
        hours = totals.get(employment, Decimal(0)).quantize(Decimal("0.1"))
        if not people and not hours:
            continue
        # The hours are those of the people who completed training: fewer than the minimum,
        # and the total (and so the mean) would be one person's.
        contributors = trained.get(employment, 0)
        result.append(
            {
                "employment_type": employment,
                "label": labels.get(employment, employment or "—"),
                "in_post": people,
                "trained": contributors,
                "hours": shown(hours, contributors),
                "mean": shown((hours / people).quantize(Decimal("0.1")), contributors)
                if people
                else None,
            }
        )
    return result


def rows_of(items: Iterable[dict], keys: list[str]) -> list[list[object]]:
    return [[item.get(key, "") for key in keys] for item in items]
