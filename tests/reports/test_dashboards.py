"""Dashboards on a hand-built data set: every number checked, a trainee who moved mid-year, an
external trainee, coordinators limited to their departments, exports read back, query budgets."""

from __future__ import annotations

import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from assessments import services as assessment_services
from audit.models import AuditEvent
from courses.models import TargetMember
from enrollments.models import AbsenceNotice, Status
from enrollments.services import enrollments_stamp_organisation
from jobs.models import Job
from notices.models import Delivery, Notice
from reports import dashboards
from reports.services import history_record_add
from tests.assessments.factories import answers, make_survey, make_test, release_held_answers
from tests.courses.factories import CourseFactory, SessionFactory
from tests.enrollments.factories import completed, enrol
from tests.reports.factories import RECORD
from tests.trainees.factories import OrganisationFactory, TraineeFactory, UserFactory
from trainees.models import EmploymentType, Trainee
from trainees.roles import Role

pytestmark = pytest.mark.django_db
DAY = datetime.date(2026, 5, 12)


@pytest.fixture
def ward():
    """総務部 > 総務課, 福祉部 > 福祉課, and 社会福祉協議会 (external); two courses of 2026."""
    general = OrganisationFactory(code="100000", name="総務部")
    general_section = OrganisationFactory(code="101000", name="総務課", parent=general)
    welfare = OrganisationFactory(code="200000", name="福祉部")
    welfare_section = OrganisationFactory(code="201000", name="福祉課", parent=welfare)
    council = OrganisationFactory(code="900000", name="社会福祉協議会", is_external=True)
    security = SessionFactory(course__code="S01", course__title="情報セキュリティ研修",
                              days=[DAY])  # fmt: skip
    ethics = SessionFactory(course__code="S02", course__title="=SUM(1)", days=[DAY])
    people = {
        "t1": TraineeFactory(staff_number="000101", name="総務 一郎", organisation=general_section),
        "t2": TraineeFactory(name="総務 二郎", organisation=general_section),
        # On the session day in 福祉課; moved to 総務課 in June.
        "t3": TraineeFactory(name="異動 三郎", organisation=welfare_section),
        "t4": TraineeFactory(
            name="社協 四郎",
            organisation=council,
            is_external=True,
            employment_type=EmploymentType.EXTERNAL,
        ),
        "t5": TraineeFactory(name="取消 五郎", organisation=welfare_section),
        "t6": TraineeFactory(
            name="未申込 六子",
            organisation=welfare_section,
            employment_type=EmploymentType.FISCAL_YEAR,
        ),
        "t7": TraineeFactory(name="除外 七子", organisation=welfare_section),
    }
    p = people
    places = {
        "t1": enrol(p["t1"], security),
        "t2": enrol(p["t2"], security),
        "t3": enrol(p["t3"], security),
        "t4": enrol(p["t4"], ethics),
        "t5": enrol(p["t5"], security, status=Status.CANCELLED),
    }
    for key in ("t1", "t3", "t4"):
        completed(places[key])
    AbsenceNotice.objects.create(enrollment=places["t2"], day=security.days.get(),
                                 reason="illness")  # fmt: skip
    enrollments_stamp_organisation(today=DAY)
    # Raw: a move between departments is the roster's doing.
    Trainee.objects.filter(pk=p["t3"].pk).update(organisation=general_section)
    for key in ("t1", "t2", "t3", "t6", "t7"):
        TargetMember.objects.create(course=security.course, trainee=p[key], source="rule",
                                    excluded=key == "t7")  # fmt: skip
    history_record_add(trainee=p["t1"], data={**RECORD, "fiscal_year": 2026, "hours":
                                              Decimal("10.0")}, reason="派遣", actor=None)  # fmt: skip
    return {
        "general": general,
        "welfare": welfare,
        "council": council,
        "security": security,
        "ethics": ethics,
        "people": people,
        "places": places,
    }


def test_completion_by_course_and_department(ward, client, hr_admin):
    matrix = dashboards.completion_matrix(2026, None)
    security, ethics = ward["security"].course, ward["ethics"].course
    cell = {(c, d): (x.completed, x.held) for (c, d), x in matrix.cells.items()}
    assert cell == {
        (security.pk, ward["general"].pk): (1, 2),  # t1 completed, t2 not; t5 cancelled
        (security.pk, ward["welfare"].pk): (1, 1),  # t3, counted where he was on the day
        (ethics.pk, ward["council"].pk): (1, 1),  # the external trainee
    }
    assert matrix.by_course[security.pk].rate == pytest.approx(66.7)
    assert (matrix.total.completed, matrix.total.held) == (3, 4)
    assert [d.name for d in matrix.departments] == ["総務部", "福祉部", "社会福祉協議会"]
    places = dashboards.completion_cell(security, ward["welfare"].pk, None)
    assert [p.trainee.name for p in places] == ["異動 三郎"]
    # The page: each cell links to its people, says what it counts, and shows the rate.
    client.force_login(hr_admin)
    page = client.get(reverse("dashboard_completion") + "?year=2026").content.decode()
    general = reverse("dashboard_cell", args=[security.pk, ward["general"].pk])
    cell = page[page.index(f'href="{general}"') :].split("</td>")[0]
    assert "情報セキュリティ研修、総務部：2人中1人修了" in cell
    assert ">1/2</a>" in cell and "50.0%" in cell
    assert "66.7%" in page and "3/4" in page and "75.0%" in page


def test_a_coordinator_sees_only_their_departments(client, ward):
    coordinator = UserFactory(username="200050", roles=[Role.COORDINATOR])
    coordinator.coordinated_organisations.add(ward["general"])
    scope = dashboards.scope_ids(coordinator)
    matrix = dashboards.completion_matrix(2026, scope)
    assert [d.name for d in matrix.departments] == ["総務部"]
    lines = dashboards.chase_list(ward["security"].course, scope)
    assert [line.trainee.name for line in lines] == ["総務 二郎"]
    # The list's members now in 総務部: t1 and t3 (moved in June) completed, t2 not.
    (summary,) = dashboards.compliance_summary(2026, scope)
    assert (summary["members"], summary["completed"], summary["missing"]) == (3, 2, 1)
    # Hours: t3's place counts in 福祉部, where he was on the day; so only t1 trained here,
    # of three regular staff now in post.
    hours = {r["employment_type"]: r for r in dashboards.hours_by_employment_type(2026, scope)}
    assert (hours[EmploymentType.REGULAR]["in_post"], hours[EmploymentType.REGULAR]["trained"]
            ) == (3, 1)  # fmt: skip
    client.force_login(coordinator)
    security = ward["security"].course
    assert client.get(reverse("dashboard_cell", args=[security.pk, ward["welfare"].pk])
                      ).status_code == 404  # fmt: skip
    page = client.get(reverse("dashboard_cell", args=[security.pk, ward["general"].pk]))
    assert "総務 一郎" in page.content.decode()
    chase = client.get(reverse("dashboard_chase", args=[security.pk])).content.decode()
    assert "総務 二郎" in chase and "未申込 六子" not in chase
    assert reverse("dashboard_chase_remind", args=[security.pk]) not in chase  # HR reminds


def test_compliance_and_the_chase_list(ward):
    (summary,) = dashboards.compliance_summary(2026, None)
    assert (summary["members"], summary["completed"], summary["missing"]) == (4, 2, 2)
    lines = dashboards.chase_list(ward["security"].course, None)
    assert [(line.trainee.name, line.place_status) for line in lines] == [
        ("総務 二郎", "受講決定"),
        ("未申込 六子", ""),
    ]
    by_department = dashboards.chase_by_department(ward["security"].course, None)
    assert [(o.name, n) for o, n in by_department] == [("総務部", 1), ("福祉部", 1)]
    only_welfare = dashboards.chase_list(ward["security"].course, None, ward["welfare"].pk)
    assert [line.trainee.name for line in only_welfare] == ["未申込 六子"]


def test_the_chase_pages_count_is_the_sum_by_department(client, hr_admin, ward):
    """The page counts its list from the numbers by department: the whole list, one
    department's part, and nothing for an id that is not a department (the list is empty)."""
    client.force_login(hr_admin)
    course = ward["security"].course
    url = reverse("dashboard_chase", args=[course.pk])
    remind = reverse("dashboard_chase_remind", args=[course.pk])

    def said(query: str) -> tuple[int, int, bool]:
        """(the count, the rows shown, whether the reminder form is offered)"""
        response = client.get(url + query)
        page = response.context["page"]
        return page.paginator.count, len(page.object_list), remind in response.content.decode()

    assert said("") == (2, 2, True)
    assert said(f"?department={ward['welfare'].pk}") == (1, 1, True)
    section = ward["general"].children.get()  # a section, not a department
    assert said(f"?department={section.pk}") == (0, 0, False)


def test_attendance_and_absence_reasons(ward):
    rows = {row["course__code"]: row for row in dashboards.attendance_summary(2026, None)}
    security = rows["S01"]
    assert (security["confirmed"], security["absent"], security["cancelled"]) == (3, 0, 1)
    assert security["reasons"]["illness"] == 1 and security["reasons"]["work"] == 0


def test_hours_by_employment_type(ward):
    rows = {row["employment_type"]: row for row in dashboards.hours_by_employment_type(2026, None)}
    regular = rows[EmploymentType.REGULAR]
    # t1 and t3 completed 7.5 h each; t1's 派遣研修 of 10 h; five regular staff in post. Two
    # people contributed: the total and the mean would be theirs, so neither is shown.
    assert regular["trained"] == 2 and regular["in_post"] == 5
    assert regular["hours"] is None and regular["mean"] is None
    assert rows[EmploymentType.FISCAL_YEAR]["hours"] == Decimal("0.0")  # nobody: nothing to hide
    assert rows[EmploymentType.EXTERNAL]["hours"] is None  # one person
    # Three more regular staff complete the course: five contributed, the figures appear.
    for n in range(3):
        completed(enrol(TraineeFactory(name=f"追加 {n}", organisation=ward["general"]),
                        ward["security"]))  # fmt: skip
    rows = {row["employment_type"]: row for row in dashboards.hours_by_employment_type(2026, None)}
    regular = rows[EmploymentType.REGULAR]
    assert regular["trained"] == 5 and regular["in_post"] == 8
    assert regular["hours"] == Decimal("47.5") and regular["mean"] == Decimal("5.9")
    # Someone with only a record (no place) contributed too: counted once, and alone their
    # hours are hidden. (Counting only those with a place would show 0 people and 6 h.)
    history_record_add(trainee=ward["people"]["t6"], data={**RECORD, "fiscal_year": 2026,
                       "hours": Decimal("6.0")}, reason="派遣", actor=None)  # fmt: skip
    history_record_add(trainee=ward["people"]["t1"], data={**RECORD, "fiscal_year": 2026,
                       "title": "二つ目", "hours": Decimal("2.0")}, reason="派遣",
                       actor=None)  # fmt: skip
    rows = {row["employment_type"]: row for row in dashboards.hours_by_employment_type(2026, None)}
    assert rows[EmploymentType.FISCAL_YEAR]["trained"] == 1
    assert rows[EmploymentType.FISCAL_YEAR]["hours"] is None
    assert rows[EmploymentType.REGULAR]["trained"] == 5  # t1: a place and two records, once
    assert rows[EmploymentType.REGULAR]["hours"] == Decimal("49.5")


def test_hours_add_every_day_of_a_session_and_count_each_person_once(ward):
    """A session's hours are all its days (7.5 h and a 4.5 h afternoon); someone who completed
    two sessions, one of them of two days, contributed once. Counting a person per place or per
    day, or one day per session, gives other figures."""
    from courses.models import SessionDay

    two_days = SessionFactory(course__code="S03", course__title="政策形成研修",
                              days=[DAY + datetime.timedelta(days=7),
                                    DAY + datetime.timedelta(days=8)])  # fmt: skip
    SessionDay.objects.filter(session=two_days, date=DAY + datetime.timedelta(days=8)).update(
        starts_at=datetime.time(13, 0), ends_at=datetime.time(17, 30)
    )
    for n in range(6):
        person = TraineeFactory(name=f"二日 {n}", organisation=ward["general"])
        completed(enrol(person, ward["security"]))
        completed(enrol(person, two_days))
    regular = {row["employment_type"]: row
               for row in dashboards.hours_by_employment_type(2026, None)}[EmploymentType.REGULAR]  # fmt: skip
    # t1 and t3: 7.5 h each; t1's record 10 h; six people × (7.5 + 7.5 + 4.5) h.
    assert regular["trained"] == 8 and regular["in_post"] == 11
    assert regular["hours"] == Decimal("142.0") and regular["mean"] == Decimal("12.9")


def _take(session, test, person, scores, satisfaction=None, survey=None):
    place = enrol(person, session)
    for score in scores:
        attempt = assessment_services.attempt_start(test=test, enrollment=place, actor=None)
        assessment_services.attempt_submit(attempt=attempt, actor=None)
        assessment_services.attempt_adjust(attempt=attempt, score=Decimal(score), reason="採点",
                                           actor=None)  # fmt: skip
    if survey is not None:
        assessment_services.survey_answer(survey=survey, enrollment=place,
                                          answers=answers(survey, satisfaction=satisfaction),
                                          actor=None)  # fmt: skip
    return place


def test_results_and_satisfaction_over_the_years(ward):
    """Means only where at least five people contributed — counted as people, not attempts."""
    this_year = ward["security"]
    last_year = SessionFactory(course__code="S01", course__fiscal_year=2025,
                               course__title="情報セキュリティ研修", days=[DAY.replace(year=2025)])  # fmt: skip
    # This year: five people, one of whom took the test twice (4, then 0 of 7 points).
    survey = make_survey(this_year.course)
    test = make_test(this_year.course, attempts_allowed=2, counting="best")
    for n in range(5):
        _take(this_year, test, TraineeFactory(), [4, 0] if n == 0 else [4], 0, survey)
    # Last year: four people with two attempts each — eight attempts, four people.
    survey = make_survey(last_year.course)
    test = make_test(last_year.course, attempts_allowed=2, counting="best")
    for _n in range(4):
        _take(last_year, test, TraineeFactory(), [2, 2], 2, survey)
    release_held_answers()
    years, lines = dashboards.results_over_years(None)
    assert years == [2025, 2026]
    (line,) = lines
    assert line["code"] == "S01"
    last, this = line["cells"]
    # make_test's questions are worth 7 points: the mean of the six attempts, 20/6 of 7.
    assert this["test"] == (47.6, 5) and this["satisfaction"] == (5.0, 5)
    assert last["test"] == (None, 4) and last["satisfaction"] == (None, 4)


def test_a_coordinator_of_a_one_person_organisation_sees_no_mean(client, ward):
    """Issue 18, item 9: the only coordinator of a one-person organisation used to read that
    person's score and satisfaction answer in the results dashboard and its CSV."""
    tiny = OrganisationFactory(code="300000", name="監査事務局")
    person = TraineeFactory(name="一人 職員", organisation=tiny)
    survey = make_survey(ward["security"].course)
    test = make_test(ward["security"].course)
    _take(ward["security"], test, person, [6], 1, survey)
    for _n in range(5):  # enough people elsewhere for HR's overall figures
        _take(ward["security"], test, TraineeFactory(organisation=ward["general"]), [3], 2, survey)
    release_held_answers()
    coordinator = UserFactory(username="200077", roles=[Role.COORDINATOR])
    coordinator.coordinated_organisations.add(tiny)
    client.force_login(coordinator)
    page = client.get(reverse("dashboard_results")).content.decode()
    assert "85.7" not in page and "n=1" in page and "5人未満" in page
    export = client.get(reverse("dashboard_results"), {"format": "csv"}).content.decode("utf-8-sig")
    assert "85.7" not in export and "4.0" not in export
    assert "5人未満（1人）" in export
    _years, lines = dashboards.results_over_years({tiny.pk})
    assert lines[0]["cells"][-1] == {"test": (None, 1), "satisfaction": (None, 1)}


def test_exports_read_back(client, hr_admin, ward):
    client.force_login(hr_admin)
    response = client.get(reverse("dashboard_completion") + "?year=2026&format=csv-cp932")
    rows = list(csv.reader(io.StringIO(response.content.decode("cp932"))))
    assert rows[0][:2] == ["研修コード", "研修名"]
    assert rows[2][:2] == ["S02", "'=SUM(1)"]  # the formula neutralised
    response = client.get(
        reverse("dashboard_chase", args=[ward["security"].course.pk]) + "?format=xlsx"
    )
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert values[0][:2] == ["職員番号", "氏名"] and values[2][6] == "未申込"
    event = AuditEvent.objects.filter(kind="dashboard.exported").latest("id")
    assert event.detail["rows"] == 2 and event.detail["dashboard"] == "chase"


@pytest.mark.usefixtures("eager_celery", "private_storage")
def test_a_long_chase_list_is_made_by_a_job_for_the_department_asked(
    client, hr_admin, ward, settings, django_capture_on_commit_callbacks
):
    settings.EXPORT_BACKGROUND_ROWS = 0  # every list is "long"
    client.force_login(hr_admin)
    course = ward["security"].course
    url = reverse("dashboard_chase", args=[course.pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.get(url, {"format": "xlsx", "department": ward["welfare"].pk})
    job = Job.objects.get(owner=hr_admin, kind="export")
    assert response.url == reverse("job_detail", args=[job.pk]) and job.state == "done"
    assert job.link == f"{url}?department={ward['welfare'].pk}"
    download = client.get(reverse("job_download", args=[job.pk]))
    sheet = load_workbook(io.BytesIO(b"".join(download.streaming_content))).active
    names = [row[1] for row in sheet.iter_rows(values_only=True)][1:]
    assert names == ["未申込 六子"]  # the department's one, not the course's two


def test_the_reminder_reaches_the_chase_list_once_a_day(client, hr_admin, ward):
    for key in ("t2", "t6"):
        trainee = ward["people"][key]
        trainee.user = UserFactory(username=f"3001{key[1]}0", roles=[Role.TRAINEE])
        trainee.save(update_fields=["user"])
    client.force_login(hr_admin)
    url = reverse("dashboard_chase_remind", args=[ward["security"].course.pk])
    client.post(url)
    assert set(Delivery.objects.filter(rule__startswith="chase:").values_list(
        "trainee__name", flat=True)) == {"総務 二郎", "未申込 六子"}  # fmt: skip
    assert Notice.objects.filter(kind="reminder").count() == 2
    client.post(url)  # again the same day: nothing twice
    assert Delivery.objects.filter(rule__startswith="chase:").count() == 2
    event = AuditEvent.objects.filter(kind="reminders.sent").latest("id")
    assert event.detail["chase"] is True and event.detail["count"] == 0


# Each dashboard's own queries (grouped in the database, so they do not grow with the ward).
OWN_QUERIES = {
    "dashboard_completion": ["fiscal years", "the year's courses", "organisations",
                             "places by organisation (grouped)", "courses for the filter"],
    "dashboard_compliance": ["fiscal years", "the year's courses", "target lists (grouped)",
                             "completed places on the course (grouped)",
                             "still-valid completions of the code (grouped)"],
    "dashboard_attendance": ["fiscal years", "the year's courses", "places by status (grouped)",
                             "absences by reason (grouped)"],
    "dashboard_results": ["fiscal years", "test results (grouped)", "survey means (grouped)"],
    "dashboard_hours": ["fiscal years", "the year's courses",
                        "completed places with their days (hours, people)", "staff in post",
                        "history records"],
    "dashboard_chase": ["the course", "the members' organisations (its sum: the count)",
                        "not yet applied: the page", "their places", "their organisations"],
    "dashboard_cell": ["the course", "the organisation", "its sections", "the cell's people"],
}  # fmt: skip
PAGES = [
    ("dashboard_completion", None),
    ("dashboard_compliance", None),
    ("dashboard_attendance", None),
    ("dashboard_results", None),
    ("dashboard_hours", None),
    ("dashboard_chase", "course"),
    ("dashboard_cell", "cell"),
]


@pytest.mark.parametrize(("name", "args"), PAGES)
def test_dashboard_queries_do_not_grow(client, hr_admin, ward, name, args, page_queries):
    course = ward["security"].course
    arguments = {None: [], "course": [course.pk], "cell": [course.pk, ward["general"].pk]}[args]
    url = reverse(name, args=arguments) + ("?year=2026" if not args else "")
    client.force_login(hr_admin)
    assert client.get(url).status_code == 200
    with page_queries(*OWN_QUERIES[name]):
        assert client.get(url).status_code == 200
    section = ward["general"].children.get()
    more = SessionFactory(course=course, days=[DAY])
    for _n in range(12):
        trainee = TraineeFactory(organisation=section)
        completed(enrol(trainee, more))
        TargetMember.objects.create(course=course, trainee=trainee, source="rule")
        enrol(TraineeFactory(organisation=OrganisationFactory(parent=ward["welfare"])),
              SessionFactory(course=CourseFactory(fiscal_year=2026), days=[DAY]))  # fmt: skip
    with page_queries(*OWN_QUERIES[name]):
        assert client.get(url).status_code == 200


@pytest.mark.parametrize("name", ["dashboard_completion", "dashboard_compliance",
                                  "dashboard_attendance", "dashboard_hours"])  # fmt: skip
def test_the_year_drop_down_shows_the_year_of_the_page(client, hr_admin, name):
    """A course copied to next year must not make the drop-down show next year while the page
    shows this one (pressing 表示 would switch silently)."""
    from courses.models import current_fiscal_year

    this_year = current_fiscal_year()
    CourseFactory(fiscal_year=this_year + 1)
    CourseFactory(fiscal_year=this_year - 1)
    client.force_login(hr_admin)
    page = client.get(reverse(name)).content.decode()
    assert f'<option value="{this_year}" selected>' in page
    assert f'<option value="{this_year + 1}">' in page
    assert f"{this_year}年度（令和{this_year - 2018}年度）" in page
    chosen = client.get(reverse(name), {"year": this_year - 1}).content.decode()
    assert f'<option value="{this_year - 1}" selected>' in chosen
    assert f'<option value="{this_year}">' in chosen
