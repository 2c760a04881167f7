"""The dashboards' figures kept until what they count changes (reports.freshness): PostgreSQL's
triggers note each committed change, whoever makes it; a figure is taken from the cache only
under the change number it was counted at; and every table a kept figure reads notes its
changes (read off the figures' own SQL)."""

from __future__ import annotations

import datetime
import importlib
import re
import threading
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from courses.models import Course, SessionDay, TargetMember
from enrollments.models import Completion, Enrollment, Status
from enrollments.services import attendance_all_present, completion_store
from lib.bulk import insert_rows
from reports import dashboards, freshness
from reports.freshness import data_changes_compact
from reports.models import DataChange, HistoryRecord
from reports.services import history_record_add
from reports.tasks import compact_data_changes, warm_dashboard_figures
from tests.courses.factories import SessionFactory
from tests.enrollments.factories import completed, enrol
from tests.reports.factories import RECORD
from tests.trainees.factories import OrganisationFactory, TraineeFactory
from trainees.models import EmploymentType, Organisation, Trainee

pytestmark = pytest.mark.django_db(transaction=True)
MIGRATION = importlib.import_module("reports.migrations.0007_data_change_triggers")
DAY = datetime.date(2026, 5, 12)


def number(*models) -> int:
    value = freshness.change_number(freshness.tables_of(models))
    assert value is not None  # PostgreSQL: the triggers are installed
    return value


def test_each_table_notes_a_committed_change_once_per_transaction():
    organisation = OrganisationFactory()
    session = SessionFactory(days=[DAY])
    trainee = TraineeFactory(organisation=organisation)
    writes = {
        Organisation: lambda: Organisation.objects.filter(pk=organisation.pk).update(name="改称課"),
        Trainee: lambda: Trainee.objects.filter(pk=trainee.pk).update(
            employment_type=EmploymentType.FISCAL_YEAR
        ),
        Course: lambda: Course.objects.filter(pk=session.course_id).update(title="改題"),
        SessionDay: lambda: SessionDay.objects.filter(session=session).update(
            ends_at=datetime.time(16, 0)
        ),
        TargetMember: lambda: TargetMember.objects.update_or_create(
            course=session.course, trainee=trainee, defaults={"excluded": False}
        ),
    }
    for model, write in writes.items():
        before = number(model)
        with transaction.atomic():  # three statements, one transaction: one note
            for _ in range(3):
                write()
        assert number(model) == before + 1, model
    # A history record through its service, and a COPY (the roster's and generator's writer).
    before = number(HistoryRecord)
    history_record_add(trainee=trainee, data={**RECORD, "fiscal_year": 2026}, reason="派遣",
                       actor=None)  # fmt: skip
    assert number(HistoryRecord) == before + 1
    before = number(Organisation)
    insert_rows(Organisation, ["code", "name", "is_external", "is_active"],
                [["990001", "複写課", False, True]])  # fmt: skip
    assert number(Organisation) == before + 1
    # A transaction rolled back leaves the number as it was.
    before = number(Organisation)
    with pytest.raises(RuntimeError), transaction.atomic():
        Organisation.objects.filter(pk=organisation.pk).update(name="幻")
        raise RuntimeError
    assert number(Organisation) == before


def test_a_place_is_noted_only_when_a_counted_place_changes():
    session = SessionFactory(days=[DAY])
    person = TraineeFactory()
    start = number(Enrollment)
    # An application and its cancellation: nothing the dashboards count.
    applied = enrol(person, session, status=Status.REQUESTED)
    Enrollment.objects.filter(pk=applied.pk).update(status=Status.CANCELLED)
    assert number(Enrollment) == start
    # A held place: noted when made, and when its verdict moves; then only what is still
    # missing moves (not counted): no note.
    place = enrol(TraineeFactory(), session)
    assert number(Enrollment) == start + 1
    completion_store({place.pk: (Completion.INCOMPLETE, ["attendance", "survey"])})
    held = number(Enrollment)
    assert held == start + 2
    completion_store({place.pk: (Completion.INCOMPLETE, ["survey"])})
    assert Enrollment.objects.get(pk=place.pk).completion_missing == ["survey"]
    assert number(Enrollment) == held
    # Completed: noted. Deleted: noted.
    completion_store({place.pk: (Completion.COMPLETED, [])})
    assert number(Enrollment) == held + 1
    Enrollment.objects.filter(pk=place.pk).delete()
    assert number(Enrollment) == held + 2
    # The cancelled application removed: it was never counted.
    Enrollment.objects.filter(pk=applied.pk).delete()
    assert number(Enrollment) == held + 2


def _ward_of_six():
    """Six regular staff on a one-day course (7.5 h) they are all on the target list of; five
    completed, one confirmed."""
    organisation = OrganisationFactory(code="100000", name="総務部")
    session = SessionFactory(course__code="S01", course__fiscal_year=2026, days=[DAY])
    places = []
    for n in range(6):
        person = TraineeFactory(name=f"職員 {n}", organisation=organisation)
        TargetMember.objects.create(course=session.course, trainee=person)
        places.append(enrol(person, session))
    for place in places[:5]:
        completed(place)
    return session, places


def _regular(rows):
    return {row["employment_type"]: row for row in rows}[EmploymentType.REGULAR]


def test_the_hours_are_kept_until_a_place_is_completed(django_assert_num_queries):
    session, places = _ward_of_six()
    regular = _regular(dashboards.hours_by_employment_type(2026, None))
    assert regular["trained"] == 5 and regular["hours"] == Decimal("37.5")
    # Kept: only the change number is read (before and after would be 2 + the 3 counts).
    with django_assert_num_queries(1):
        assert _regular(dashboards.hours_by_employment_type(2026, None)) == regular
    # The sixth completes through the attendance of the day (progress decides it): the next
    # reading counts again. (Taken from the cache, it would still say five and 37.5 h.)
    attendance_all_present(day=session.days.get(), actor=None)
    assert Enrollment.objects.get(pk=places[5].pk).completion == Completion.COMPLETED
    regular = _regular(dashboards.hours_by_employment_type(2026, None))
    assert regular["trained"] == 6 and regular["hours"] == Decimal("45.0")
    # A member of staff's employment type corrected: counted again.
    Trainee.objects.filter(pk=places[0].trainee_id).update(
        employment_type=EmploymentType.FISCAL_YEAR
    )
    assert _regular(dashboards.hours_by_employment_type(2026, None))["trained"] == 5


def test_the_whole_wards_figures_are_counted_after_a_change_before_anyone_asks(
    django_assert_num_queries,
):
    import time_machine

    with time_machine.travel(datetime.datetime(2026, 12, 4, 9, 0), tick=False):  # FY 2026
        _session, places = _ward_of_six()
        assert warm_dashboard_figures.apply().get() is True
        completion_store({places[5].pk: (Completion.COMPLETED, [])})
        warm_dashboard_figures.apply()
        # What HR's pages ask for next was counted after the change, by the task: each is
        # taken from the cache (only its change number read), and shows the sixth completed.
        with django_assert_num_queries(1):
            assert _regular(dashboards.hours_by_employment_type(2026, None))["trained"] == 6
        with django_assert_num_queries(1):
            assert dashboards.completion_matrix(2026, None).total.completed == 6
        with django_assert_num_queries(1):
            assert [row["missing"] for row in dashboards.compliance_summary(2026, None)] == [0]
        # Nothing changed since: the task counts nothing (it reads the three numbers).
        with django_assert_num_queries(3):
            warm_dashboard_figures.apply()


def test_the_pages_show_a_change_at_once(client, hr_admin):
    session, places = _ward_of_six()
    client.force_login(hr_admin)
    url = reverse("dashboard_completion") + "?year=2026"
    assert "5/6" in client.get(url).content.decode()
    assert "5/6" in client.get(url).content.decode()  # kept
    # The target list's numbers, as the compliance page and the coordinator's home count them.
    assert [row["missing"] for row in dashboards.compliance_summary(2026, None)] == [1]
    assert [row["missing"] for row in dashboards.compliance_summary(2026, None)] == [1]  # kept
    completion_store({places[5].pk: (Completion.COMPLETED, [])})
    assert "6/6" in client.get(url).content.decode()
    assert [row["missing"] for row in dashboards.compliance_summary(2026, None)] == [0]
    hours = client.get(reverse("dashboard_hours") + "?year=2026").content.decode()
    assert "45.0" in hours
    # The day's end corrected: the hours follow.
    SessionDay.objects.filter(session=session).update(ends_at=datetime.time(12, 30))
    hours = client.get(reverse("dashboard_hours") + "?year=2026").content.decode()
    assert "45.0" not in hours and "18.0" in hours  # 6 × 3 h (9:30–12:30)


def test_the_rendered_matrix_is_kept_per_language(client, hr_admin):
    _ward_of_six()
    client.force_login(hr_admin)
    url = reverse("dashboard_completion") + "?year=2026"
    for language, heading in (("ja", "部別の修了率"), ("en", "Completion rate by department"),
                              ("ja", "部別の修了率")):  # fmt: skip
        hr_admin.language = language
        hr_admin.save(update_fields=["language"])
        page = client.get(url).content.decode()
        assert heading in page and "5/6" in page, language


def test_a_figure_is_kept_only_when_the_number_held_while_counting():
    """Counted while the number moved, a figure is not kept under the number read before: from
    a replica that fell behind the primary mid-way, it would be old figures under the new
    number (here a commit moves it)."""
    tables = freshness.tables_of([Organisation])
    before = freshness.change_number(tables)

    def count_while_someone_writes():
        OrganisationFactory()  # committed while counting (autocommit)
        return "counted while the number moved"

    assert freshness.kept("probe", (), tables, count_while_someone_writes) == (
        "counted while the number moved"
    )
    assert before is not None and cache.get(freshness._key("probe", (), before)) is None
    # Counted under a number that held: kept, and taken the next time.
    assert freshness.kept("probe", (), tables, lambda: "counted") == "counted"
    assert freshness.kept("probe", (), tables, lambda: "not asked") == "counted"
    # Another part of the key (another year, another coordinator's scope) is its own figure.
    assert freshness.kept("probe", (2025,), tables, lambda: "2025") == "2025"


def test_inside_a_transaction_nothing_is_kept_or_taken():
    tables = freshness.tables_of([Organisation])
    assert freshness.kept("probe", (), tables, lambda: "outside") == "outside"
    with transaction.atomic():
        # This transaction's own changes are not in the number yet (and may be rolled back).
        OrganisationFactory()
        assert freshness.kept("probe", (), tables, lambda: "inside") == "inside"
    assert freshness.kept("probe", (), tables, lambda: "after") == "after"


def test_compaction_and_a_restore():
    for n in range(3):
        OrganisationFactory(code=f"98000{n}")
    TraineeFactory()
    numbers = (number(Organisation), number(Trainee), number(Organisation, Trainee, Enrollment))
    rows = DataChange.objects.count()
    removed = compact_data_changes.apply().get()
    assert removed > 0 and DataChange.objects.count() == rows - removed
    tables = list(DataChange.objects.values_list("table", flat=True))
    assert len(tables) == len(set(tables))  # one row per table
    assert DataChange.objects.filter(table="trainees_organisation").count() == 1
    assert (number(Organisation), number(Trainee),
            number(Organisation, Trainee, Enrollment)) == numbers  # fmt: skip
    freshness.data_restored()
    assert number(Organisation) > numbers[0] and number(Trainee) > numbers[1]


def test_compaction_keeps_the_note_of_a_transaction_still_open():
    """A writer's note not yet committed when the hour's compaction runs (in another
    connection) is neither summed nor lost: it counts once, when the writer commits."""
    organisation = OrganisationFactory()
    OrganisationFactory()  # two committed notes: something to compact
    before = number(Organisation)
    noted, release = threading.Event(), threading.Event()
    outcome: list[str] = []

    def writer() -> None:
        try:
            with transaction.atomic():
                Organisation.objects.filter(pk=organisation.pk).update(name="改称課")
                noted.set()
                release.wait(timeout=30)
            outcome.append("committed")
        finally:
            connection.close()

    thread = threading.Thread(target=writer)
    thread.start()
    assert noted.wait(timeout=30)
    removed = data_changes_compact()  # this connection; the writer's note is not visible
    assert removed >= 1 and number(Organisation) == before
    release.set()
    thread.join(timeout=30)
    assert outcome == ["committed"]
    assert number(Organisation) == before + 1


# --- every table a kept figure reads notes its changes -----------------------------------------

TABLE = re.compile(r'(?:FROM|JOIN)\s+"(\w+)"(?:\s+(?:AS\s+)?("?\w+"?))?')
COLUMN = re.compile(r'"?(\w+)"?\."(\w+)"')


def _columns_read(sql: str) -> dict[str, set[str]]:
    """{table: columns} of one statement; a column of an alias (U0.…) counts for every table
    that alias stands for in the statement."""
    aliases: dict[str, set[str]] = {}
    read: dict[str, set[str]] = {}
    for table, alias in TABLE.findall(sql):
        read.setdefault(table, set())
        aliases.setdefault(table, set()).add(table)
        if alias and alias.strip('"') not in {"ON", "WHERE", "GROUP", "INNER", "LEFT", "ORDER"}:
            aliases.setdefault(alias.strip('"'), set()).add(table)
    for owner, column in COLUMN.findall(sql):
        for table in aliases.get(owner, ()):
            read[table].add(column)
    return read


FIGURES = [
    ("hours", dashboards.HOURS_TABLES, lambda scope: dashboards._hours_by_employment_type(2026, scope)),
    ("completion", dashboards.COMPLETION_TABLES,
     lambda scope: dashboards._completion_matrix(2026, scope)),
    ("compliance", dashboards.COMPLIANCE_TABLES,
     lambda scope: dashboards._compliance_summary(2026, scope)),
]  # fmt: skip


@pytest.mark.parametrize(("name", "tables", "count"), FIGURES, ids=[f[0] for f in FIGURES])
def test_a_kept_figure_reads_only_tables_that_note_their_changes(name, tables, count):
    _session, places = _ward_of_six()
    watched = set(MIGRATION.OTHER_TABLES) | {"enrollments_enrollment"}
    with connection.cursor() as cursor:
        cursor.execute("SELECT DISTINCT tgrelid::regclass::text FROM pg_trigger "
                       "WHERE tgname LIKE 'reports_note_%%'")  # fmt: skip
        assert {row[0] for row in cursor.fetchall()} == watched
    assert set(tables) <= watched
    for scope in (None, {places[0].trainee.organisation_id}):
        with CaptureQueriesContext(connection) as queries:
            count(scope)
        read: dict[str, set[str]] = {}
        for query in queries.captured_queries:
            for table, columns in _columns_read(query["sql"]).items():
                read.setdefault(table, set()).update(columns)
        for table, columns in read.items():
            if table in tables:
                continue
            # A table read only by its id (the way from a place to its session's days): an id
            # never changes, and a row's coming and going shows in the table that refers to it.
            assert columns <= {"id"}, f"{name} reads {table}.{columns - {'id'}} unnoticed"
        # The places' columns the trigger compares are all those the figure reads.
        assert read["enrollments_enrollment"] <= {*MIGRATION.COLUMNS, "id"}


def test_the_trigger_counts_the_places_the_dashboards_count():
    assert set(MIGRATION.HELD) == {str(status) for status in dashboards.HELD}
    assert MIGRATION.COMPLETED == Completion.COMPLETED
