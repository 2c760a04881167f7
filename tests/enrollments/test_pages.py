"""The enrolment pages: what each party sees and does, refusals, forged ids, query budgets."""

from __future__ import annotations

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from courses.models import CourseKind, Selection
from enrollments.attendance_import import attendance_import_preview
from enrollments.models import Attendance, CheckInCode, Enrollment, Lottery, Source, Status
from enrollments.services import (
    announcement_send,
    enrollment_apply,
    enrollment_nominate,
    lottery_draw,
)
from jobs.models import Job
from tests.courses.factories import SAMPLE_PDF, CourseFactory, SessionFactory
from tests.enrollments.factories import enrol
from tests.trainees.factories import OrganisationFactory, TraineeFactory, UserFactory
from trainees.roles import Role

pytestmark = pytest.mark.django_db
NOW = timezone.now()


def open_session(**kwargs):
    course = kwargs.pop("course", None) or CourseFactory(
        kind=CourseKind.OPEN, selection=kwargs.pop("selection", Selection.HR_DECISION)
    )
    kwargs.setdefault("application_opens_at", NOW - datetime.timedelta(days=1))
    kwargs.setdefault("application_closes_at", NOW + datetime.timedelta(days=1))
    return SessionFactory(course=course, **kwargs)


def learner(**kwargs):
    user = UserFactory(roles=[Role.TRAINEE])
    trainee = TraineeFactory(user=user, **kwargs)
    return user, trainee


def test_apply_from_the_catalogue_and_a_double_submit_makes_one_record(client):
    session = open_session(capacity=1, selection=Selection.FIRST_COME)
    user, trainee = learner()
    client.force_login(user)
    page = client.get(reverse("catalogue")).content.decode()
    assert session.course.title in page
    response = client.post(reverse("apply", args=[session.pk]), follow=True)
    assert (
        "受講が決まりました" in response.content.decode()
        or "You have a place" in response.content.decode()
    )
    again = client.post(reverse("apply", args=[session.pk]), follow=True)
    assert Enrollment.objects.filter(trainee=trainee).count() == 1
    assert "既に" in again.content.decode() or "already" in again.content.decode()
    # The next applicant finds the session full and is told they are waitlisted, not refused.
    other_user, _ = learner()
    client.force_login(other_user)
    response = client.post(reverse("apply", args=[session.pk]), follow=True)
    text = response.content.decode()
    assert "補欠" in text or "waiting list" in text
    assert Enrollment.objects.filter(status=Status.WAITLISTED).count() == 1


def test_forged_ids_get_404_an_audit_event_and_change_nothing(client):
    session = open_session()
    _owner_user, owner = learner()
    enrollment = enrol(owner, session)
    intruder, _ = learner()
    client.force_login(intruder)
    for name in ("enrollment_cancel", "enrollment_change", "enrollment_absence"):
        assert client.post(reverse(name, args=[enrollment.pk])).status_code == 404
    assert client.get(reverse("enrollment_detail", args=[enrollment.pk])).status_code == 404
    enrollment.refresh_from_db()
    assert enrollment.status == Status.CONFIRMED
    assert AuditEvent.objects.filter(kind="enrollment.forged_request").count() == 4
    # Applying "as" someone else by adding their id to the form.
    response = client.post(reverse("apply", args=[session.pk]), {"trainee": owner.pk})
    assert response.status_code == 404
    assert AuditEvent.objects.filter(kind="enrollment.forged_request").count() == 5
    assert Enrollment.objects.count() == 1


def test_the_trainee_cancels_changes_and_reports_absence(client):
    course = CourseFactory(kind=CourseKind.OPEN)
    soon = timezone.localdate() + datetime.timedelta(days=10)
    first = open_session(
        course=course, cancellation_deadline=NOW + datetime.timedelta(days=5), days=[soon]
    )
    second = open_session(course=course, days=[soon + datetime.timedelta(days=7)])
    user, trainee = learner()
    enrollment = enrol(trainee, first, source=Source.APPLIED)
    client.force_login(user)
    page = client.get(reverse("enrollment_detail", args=[enrollment.pk])).content.decode()
    assert "日程変更" in page or "Change session" in page
    client.post(reverse("enrollment_change", args=[enrollment.pk]), {"to_session": second.pk})
    enrollment.refresh_from_db()
    assert enrollment.session_id == second.pk
    day = second.days.get()
    response = client.post(
        reverse("enrollment_absence", args=[enrollment.pk]),
        {"day": day.pk, "reason": "other", "detail": ""},
        follow=True,
    )
    assert not enrollment.absences.exists()  # "other" needs a word of explanation
    client.post(
        reverse("enrollment_absence", args=[enrollment.pk]),
        {"day": day.pk, "reason": "illness", "detail": "発熱のため"},
    )
    assert enrollment.absences.get().detail == "発熱のため"
    assert response.status_code == 200
    ics = client.get(reverse("enrollment_calendar", args=[enrollment.pk]))
    assert ics["Content-Type"].startswith("text/calendar")
    body = ics.content.decode()
    assert "BEGIN:VEVENT" in body and course.title in body and "DTSTART;TZID=Asia/Tokyo" in body


def test_hr_decides_in_bulk_and_draws_lots_from_the_session_page(client, hr_admin):
    session = open_session(capacity=2)
    people = [learner()[1] for _ in range(5)]
    enrollments = [enrollment_apply(session=session, trainee=t, actor=None) for t in people]
    client.force_login(hr_admin)
    page = client.get(reverse("session_page", args=[session.pk])).content.decode()
    assert all(t.name in page for t in people)
    client.post(
        reverse("session_decide", args=[session.pk]),
        {"decision": "confirmed", "enrollments": [enrollments[0].pk]},
    )
    response = client.post(
        reverse("session_lottery", args=[session.pk]),
        {"seed": "抽選2026", "before_close": "on"},  # applications are still open
        follow=True,
    )
    assert "抽選2026" in response.content.decode()
    statuses = sorted(Enrollment.objects.values_list("status", flat=True))
    assert statuses == ["confirmed", "confirmed", "waitlisted", "waitlisted", "waitlisted"]
    # Each enrolment's history is there for HR: applied, then the lottery's decision.
    history = client.get(reverse("hr_enrollment", args=[enrollments[1].pk])).content.decode()
    assert people[1].name in history and "抽選2026" not in history
    assert history.count("<li><time") == 2


@pytest.mark.usefixtures("eager_celery")
def test_a_lottery_among_many_is_drawn_by_a_job(
    client, hr_admin, settings, django_capture_on_commit_callbacks
):
    settings.LOTTERY_BACKGROUND_ENTRANTS = 3
    session = open_session(capacity=2)
    for _ in range(4):
        enrollment_apply(session=session, trainee=learner()[1], actor=None)
    client.force_login(hr_admin)
    url = reverse("session_lottery", args=[session.pk])
    # Refused at once, on the session's page, while applications are open: no job.
    page = client.post(url, {"seed": "抽選2027"}, follow=True).content.decode()
    assert "まで受付中です" in page and not Job.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"seed": "抽選2027", "before_close": "on"})
    job = Job.objects.get(kind="lottery")
    assert response["Location"] == reverse("job_detail", args=[job.pk])
    assert (job.state, job.total, job.link) == (
        "done",
        4,
        reverse("session_page", args=[session.pk]),
    )
    assert "抽選2027" in job.summary and "2 人を決定" in job.summary
    statuses = sorted(Enrollment.objects.values_list("status", flat=True))
    assert statuses == ["confirmed", "confirmed", "waitlisted", "waitlisted"]
    # The same draw as in the request: the seed decides, wherever it runs.
    assert Lottery.objects.get().drawn == lottery_draw(Lottery.objects.get().entrants, "抽選2027")


def test_attendance_roster_all_present_and_the_sign_in_sheet(client, hr_admin):
    session = SessionFactory(days=[timezone.localdate() + datetime.timedelta(days=1)])
    day = session.days.get()
    present, notified = learner()[1], learner()[1]
    first = enrol(present, session)
    second = enrol(notified, session)
    from enrollments.services import absence_notify

    absence_notify(enrollment=second, day=day, reason="work", detail="", actor=None)
    # The session page marks the place with a notice, and only that one.
    client.force_login(hr_admin)
    rows = client.get(reverse("session_page", args=[session.pk])).content.decode().split("<tr")
    [with_notice] = [row for row in rows if notified.name in row]
    [without] = [row for row in rows if present.name in row]
    assert "欠席連絡" in with_notice and "欠席連絡" not in without
    # The day comes (attendance is refused for days ahead).
    type(day).objects.filter(pk=day.pk).update(date=timezone.localdate())
    client.force_login(hr_admin)
    url = reverse("attendance", args=[session.pk, day.pk])
    assert present.name in client.get(url).content.decode()
    client.post(reverse("attendance_all_present", args=[session.pk, day.pk]))
    marks = dict(Attendance.objects.values_list("enrollment_id", "mark"))
    assert marks == {first.pk: "present", second.pk: "absent"}
    client.post(url, {f"mark_{first.pk}": "late"})
    assert Attendance.objects.get(enrollment=first).mark == "late"
    pdf = client.get(reverse("sign_in_sheet", args=[session.pk, day.pk]))
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    assert b"IPAexGothic" in pdf.content or b"HeiseiKakuGo" in pdf.content
    code_url = reverse("check_in_display", args=[session.pk, day.pk])
    # Opening the page writes nothing (a GET is safe); HR makes the code with a POST.
    assert "<svg" not in client.get(code_url).content.decode()
    assert not CheckInCode.objects.filter(day=day).exists()
    client.post(code_url)
    display = client.get(code_url).content.decode()
    assert "<svg" in display


def test_the_coordinator_nominates_only_their_staff(client, coordinator, organisation):
    session = open_session()
    mine = TraineeFactory(organisation=organisation, staff_number="140001")
    stranger = TraineeFactory(
        organisation=OrganisationFactory(code="990000"), staff_number="990001"
    )
    client.force_login(coordinator)
    url = reverse("nominations")
    client.post(
        url,
        {"session": session.pk, "staff_number": "１４０００１", "priority": 1, "comment": "適任"},
    )
    assert Enrollment.objects.get().trainee == mine
    response = client.post(url, {"session": session.pk, "staff_number": stranger.staff_number})
    assert response.status_code == 200 and Enrollment.objects.count() == 1
    page = client.get(url).content.decode()
    assert mine.name in page and "適任" not in page  # comments are for HR
    # Someone else's enrolment cannot be withdrawn from here.
    other = enrol(stranger, session)
    assert client.post(reverse("nomination_withdraw", args=[other.pk])).status_code == 404


def test_a_city_s_open_sessions_are_listed_fifty_at_a_time(client, coordinator, organisation):
    """The table of sessions open for nomination pages by fifty (a city's year has over a
    thousand) and the drop-down offers that page's sessions, not a thousand options; a row's
    「選ぶ」 picks its session from any page; a session on another page is still accepted when
    posted; the staff table keeps its own page."""
    TraineeFactory(organisation=organisation, staff_number="140001")
    course = CourseFactory(kind=CourseKind.OPEN, code="E01", title="接遇研修")
    sessions = [open_session(course=course, number=n) for n in range(1, 56)]
    client.force_login(coordinator)
    url = reverse("nominations")

    def table_and_drop_down(page):
        table = page.split('id="open-heading"')[1].split("</section>")[0]
        return table, page.split('<select name="session"')[1].split("</select>")[0]

    table, drop_down = table_and_drop_down(client.get(url).content.decode())
    assert table.count("<tr><td>E01 接遇研修") == 50 and "1 / 2" in table
    assert 'href="?sessions=2"' in table
    assert all(f'<option value="{s.pk}">' in drop_down for s in sessions[:50])
    assert f'value="{sessions[50].pk}"' not in drop_down and drop_down.count("<option") == 51
    table, drop_down = table_and_drop_down(client.get(url, {"sessions": 2}).content.decode())
    assert table.count("<tr><td>E01 接遇研修") == 5 and "2 / 2" in table
    assert drop_down.count("<option") == 6 and f'value="{sessions[54].pk}"' in drop_down
    # 「選ぶ」 on the second page's last row: the link keeps the page and picks the session,
    # which is offered (and chosen) even when the table is turned back to its first page.
    assert f'href="?sessions=2&amp;session={sessions[54].pk}#nominate-heading"' in table
    _, drop_down = table_and_drop_down(
        client.get(url, {"session": sessions[54].pk}).content.decode()
    )
    assert f'<option value="{sessions[54].pk}" selected>E01 接遇研修 第55回' in drop_down
    # Posted from a page whose drop-down did not hold it: any open session is accepted.
    client.post(url, {"session": sessions[52].pk, "staff_number": "140001"})
    assert Enrollment.objects.get().session == sessions[52]
    # After a nomination the page comes back as it was (its search and page) with the same
    # session chosen: people are nominated one by one, often several for one session.
    TraineeFactory(organisation=organisation, staff_number="140002")
    response = client.post(f"{url}?course=E01&sessions=2",
                           {"session": sessions[53].pk, "staff_number": "140002"})  # fmt: skip
    assert response.status_code == 302
    assert response.url == f"{url}?course=E01&sessions=2&session={sessions[53].pk}"
    _, drop_down = table_and_drop_down(client.get(response.url).content.decode())
    assert f'<option value="{sessions[53].pk}" selected>' in drop_down


def test_withdrawing_or_naming_a_substitute_brings_the_page_back_as_it_was(
    client, coordinator, organisation
):
    """A row's withdraw and substitute buttons post with the page's searches and pages (and
    nothing else of its query), and the page comes back as the coordinator left it."""
    session = open_session()
    first = TraineeFactory(organisation=organisation, staff_number="140001")
    TraineeFactory(organisation=organisation, staff_number="140002")
    client.force_login(coordinator)
    url = reverse("nominations")
    client.post(url, {"session": session.pk, "staff_number": first.staff_number})
    place = Enrollment.objects.get()
    page = client.get(url, {"course": "研修", "page": 1, "other": "x"}).content.decode()
    back = "course=%E7%A0%94%E4%BF%AE&amp;page=1"
    withdraw = reverse("nomination_withdraw", args=[place.pk])
    substitute = reverse("nomination_substitute", args=[place.pk])
    assert f'action="{withdraw}?{back}"' in page and f'action="{substitute}?{back}"' in page
    response = client.post(f"{substitute}?course=研修&page=1", {"staff_number": "140002"})
    assert response.url == f"{url}?course=%E7%A0%94%E4%BF%AE&page=1"
    assert Enrollment.objects.get(pk=place.pk).status == Status.WITHDRAWN
    replacement = Enrollment.objects.get(trainee__staff_number="140002")
    withdraw = reverse("nomination_withdraw", args=[replacement.pk])
    response = client.post(f"{withdraw}?page=1")
    assert response.url == f"{url}?page=1"
    assert Enrollment.objects.get(pk=replacement.pk).status == Status.WITHDRAWN
    response = client.post(withdraw)  # refused now (already withdrawn): back to the page
    assert response.url == url


def test_open_sessions_are_found_by_course_code_or_title_as_typed(
    client, coordinator, organisation
):
    """「研修を探す」 narrows the table, and so the drop-down, to the courses whose code or title
    holds every word, typed with full-width letters and digits or a full-width space."""
    fire = CourseFactory(kind=CourseKind.OPEN, code="B12", title="防災研修 初級")
    manners = CourseFactory(kind=CourseKind.OPEN, code="E01", title="接遇研修")
    drill = open_session(course=fire, number=1)
    polite = open_session(course=manners, number=1)
    client.force_login(coordinator)
    url = reverse("nominations")
    for typed in ("Ｂ１２", "防災", "研修　初級", "b12"):
        page = client.get(url, {"course": typed}).content.decode()
        drop_down = page.split('<select name="session"')[1].split("</select>")[0]
        assert f'value="{drill.pk}"' in drop_down, typed
        assert f'value="{polite.pk}"' not in drop_down and "接遇研修" not in page, typed
        assert "1回が見つかりました" in page and 'value="' + typed + '"' in page
    page = client.get(url, {"course": "会計"}).content.decode()
    assert "検索に合う受付中の回はありません" in page
    assert 'name="session"' in page and f'value="{drill.pk}"' not in page


def test_the_session_drop_down_names_course_and_session_and_offers_only_open_ones(
    client, coordinator, organisation
):
    """The nominations drop-down is read as rows (not model instances): each option is the
    session's id labelled with the course's code, title and session number, sessions not open
    for nomination are not offered, and a session not offered is refused when posted."""
    TraineeFactory(organisation=organisation, staff_number="140001")
    course = CourseFactory(kind=CourseKind.OPEN, code="E07", title="接遇研修")
    offered = open_session(course=course, number=3)
    closed = open_session(course=course, number=4,
                          application_opens_at=NOW - datetime.timedelta(days=9),
                          application_closes_at=NOW - datetime.timedelta(days=1))  # fmt: skip
    client.force_login(coordinator)
    url = reverse("nominations")
    page = client.get(url).content.decode()
    drop_down = page.split('<select name="session"')[1].split("</select>")[0]
    assert f'<option value="{offered.pk}">E07 接遇研修 第3回</option>' in drop_down
    assert f'value="{closed.pk}"' not in drop_down and "第4回" not in drop_down
    response = client.post(url, {"session": closed.pk, "staff_number": "140001"})
    assert response.status_code == 200 and not Enrollment.objects.exists()
    assert "正しく選択してください" in response.content.decode()
    client.post(url, {"session": offered.pk, "staff_number": "140001"})
    assert Enrollment.objects.get().session == offered


def test_the_coordinator_ticks_several_staff_all_or_nothing(client, coordinator, organisation):
    from enrollments.models import OrganisationQuota

    session = open_session()
    first = TraineeFactory(organisation=organisation, staff_number="140001", name="区民 一郎")
    second = TraineeFactory(organisation=organisation, staff_number="140002", name="区民 二郎")
    third = TraineeFactory(organisation=organisation, staff_number="140003", name="区民 三郎")
    OrganisationQuota.objects.create(course=session.course, organisation=organisation, limit=2)
    client.force_login(coordinator)
    url = reverse("nominations")
    page = client.get(url).content.decode()
    # The open session with its deadline and the quota in use; every member of staff listed.
    assert session.course.title in page and f"{organisation.name}: 0 / 2" in page
    assert all(t.name in page for t in (first, second, third))
    # Three ticked but the quota is two: nobody is nominated, and the page says why.
    response = client.post(url, {"session": session.pk, "people": [first.pk, second.pk, third.pk]})
    assert response.status_code == 200 and not Enrollment.objects.exists()
    # Nothing ticked and no number: a message, not a nomination.
    response = client.post(url, {"session": session.pk})
    assert response.status_code == 200 and "staff_number" in response.content.decode()
    assert not Enrollment.objects.exists()
    # A priority ranks one person: refused for two, nothing written.
    response = client.post(
        url, {"session": session.pk, "people": [first.pk, second.pk], "priority": 1}
    )
    assert response.status_code == 200 and not Enrollment.objects.exists()
    assert "一人ずつ" in response.content.decode()
    # Two ticked: both nominated in one go, with one message naming them.
    response = client.post(
        url, {"session": session.pk, "people": [first.pk, second.pk]}, follow=True
    )
    assert Enrollment.objects.filter(source=Source.NOMINATED).count() == 2
    page = response.content.decode()
    assert "区民 一郎、区民 二郎" in page and f"{organisation.name}: 2 / 2" in page
    # Someone outside the coordinator's departments cannot be ticked.
    stranger = TraineeFactory(organisation=OrganisationFactory(code="990000"))
    response = client.post(url, {"session": open_session().pk, "people": [stranger.pk]})
    assert response.status_code == 200
    assert not Enrollment.objects.filter(trainee=stranger).exists()


def test_the_dashboard_shows_the_next_steps(client):
    session = open_session()
    user, trainee = learner()
    client.force_login(user)
    enrollment_apply(session=session, trainee=trainee, actor=user)
    page = client.get(reverse("trainee_home")).content.decode()
    assert session.course.title in page and (
        "人材育成センターが決定" in page or "HR decides" in page
    )


def _budget_setup(count: int, session, organisation):
    for _ in range(count):
        trainee = TraineeFactory(organisation=organisation)
        enrollment_apply(session=session, trainee=trainee, actor=None)


def test_pages_have_fixed_query_budgets(client, hr_admin, coordinator, organisation, page_queries):
    session = open_session(capacity=100)
    user, trainee = learner(organisation=organisation)
    enrollment_apply(session=session, trainee=trainee, actor=None)
    enrollment_nominate(
        session=open_session(), trainee=TraineeFactory(organisation=organisation), actor=coordinator
    )
    _budget_setup(3, session, organisation)
    announcement = announcement_send(course=session.course, session=None,
                                     audience=["confirmed", "requested"], subject="s", body="b",
                                     actor=hr_admin)  # fmt: skip
    past = SessionFactory(days=[datetime.date(2026, 5, 12), datetime.date(2026, 5, 13)])
    for number in ("000901", "000902"):
        enrol(TraineeFactory(staff_number=number), past)
    sheet = attendance_import_preview(
        session=past, file_name="sheet.csv", uploaded_by=hr_admin,
        data="職員番号,日付,出欠\r\n000901,2026/05/12,出席\r\n000902,2026/05/13,欠席\r\n".encode(),
    )  # fmt: skip
    assert sheet.status == "previewed", sheet.errors
    # Each: the page frame (tests/conftest.py: PAGE_FRAME) plus the page's own reads, exactly.
    pages = [
        (user, reverse("trainee_home"), True,
         ["trainee", "is a 所属長 today", "enrolments", "their days", "absence notices",
          "change requests"]),
        (user, reverse("catalogue"), False,
         ["trainee", "open courses (target rules matched in SQL)", "their open sessions with "
          "rooms", "those sessions' days", "the materials' titles"]),
        (coordinator, reverse("nominations"), False,
         ["organisations in scope (ids)", "who holds a 兼務 post there",
          "organisations for the form", "how many staff (to list "
          "them all or search; the 兼務 holders from elsewhere apart, when there are any)",
          "the coordinator's organisations", "their quotas",
          "open sessions count (their pager)",
          "the page of open sessions (the table and the drop-down)",
          "the staff checklist", "the page of staff × courses: its keys, counted",
          "the page of staff × courses"]),
        (hr_admin, reverse("session_page", args=[session.pk]), True,
         ["session with course and room", "days with attendance counts", "the page's count",
          "counts by status", "change requests", "last lottery", "the page's rows"]),
        (hr_admin, reverse("course_announce", args=[session.course_id]), True,
         ["the course", "its sessions (the form)", "what was sent"]),
        (hr_admin, reverse("announcement_detail", args=[announcement.pk]), True,
         ["the announcement", "its e-mails by state", "its recipients"]),
        (hr_admin, reverse("session_cancel", args=[session.pk]), True,
         ["session with course", "counts by status", "the other sessions (replacement)"]),
        (hr_admin, reverse("attendance", args=[session.pk, session.days.get().pk]), True,
         ["day with its session", "the roster with marks and absence notices"]),
        (hr_admin, reverse("attendance_imports", args=[past.pk]), True,
         ["session with course", "its imports with who uploaded them"]),
        (hr_admin, reverse("attendance_import_detail", args=[sheet.pk]), True,
         ["the import with its session and people", "the places in the preview",
          "the days in the preview"]),
    ]  # fmt: skip
    for who, url, mfa, own in pages:
        client.force_login(who)
        client.get(url)
        with page_queries(*own, mfa=mfa):
            assert client.get(url).status_code == 200
    _budget_setup(25, session, organisation)  # more places cost no more queries
    for who, url, mfa, own in pages:
        client.force_login(who)
        client.get(url)  # the first page after signing in starts the session
        with page_queries(*own, mfa=mfa):
            assert client.get(url).status_code == 200


def test_the_nightly_refresh_marks_past_sessions_not_completed():
    from progress.tasks import refresh_completion

    session = SessionFactory(days=[datetime.date(2026, 5, 12)])
    enrollment = enrol(learner()[1], session)
    refresh_completion()
    enrollment.refresh_from_db()
    assert enrollment.completion == "incomplete" and enrollment.completion_missing == ["attendance"]


def test_the_catalogue_says_what_a_course_is(client):
    from courses.models import Room, TargetRule, Venue
    from tests.courses.factories import add_material

    venue = Venue.objects.create(name="区役所本庁舎", address="東京都新宿区歌舞伎町1-4-1")
    session = open_session(
        room=Room.objects.create(venue=venue, name="5階 研修室A"),
        instructor="外部講師 山田",
        notes="筆記用具",
    )
    rule = TargetRule.objects.create(course=session.course, employment_types=["正規"])
    rule.organisations.add(OrganisationFactory(code="130000", name="区民部"))
    add_material(session.course, name="guide.pdf", content=SAMPLE_PDF, title="事前資料")
    user, _trainee = learner(organisation=rule.organisations.get(), employment_type="正規")
    client.force_login(user)
    page = client.get(reverse("catalogue")).content.decode()
    for text in (
        "東京都新宿区歌舞伎町1-4-1",
        "外部講師 山田",
        "筆記用具",
        "区民部",
        "正規",
        "事前資料",
    ):
        assert text in page, text


def test_a_department_too_large_to_list_is_searched(client, coordinator, organisation, monkeypatch):
    """Above NOMINATION_LIST_MAX people the checklist shows those found (number, name, kana);
    anyone in the coordinator's care may still be nominated, and nobody outside it."""
    monkeypatch.setattr("enrollments.views.NOMINATION_LIST_MAX", 2)
    session = open_session()
    staff = [
        TraineeFactory(organisation=organisation, staff_number=f"14000{n}", name=name,
                       name_kana=kana)
        for n, (name, kana) in enumerate([("区民 一郎", "クミン イチロウ"),
                                          ("区民 二郎", "クミン ジロウ"),
                                          ("福祉 花子", "フクシ ハナコ")], start=1)
    ]  # fmt: skip
    client.force_login(coordinator)
    url = reverse("nominations")
    page = client.get(url).content.decode()
    assert 'name="find"' in page and "3人" in page
    assert 'name="people"' not in page  # nobody listed until searched
    found = client.get(url, {"find": "ふくし"}).content.decode()  # kana typed in hiragana
    assert found.count('name="people"') == 1 and f'value="{staff[2].pk}"' in found
    # Someone in their care but not in the list shown can still be ticked (or typed).
    client.post(url, {"session": session.pk, "people": [staff[0].pk, staff[1].pk]})
    assert set(Enrollment.objects.values_list("trainee_id", flat=True)) == {
        staff[0].pk, staff[1].pk}  # fmt: skip
    stranger = TraineeFactory(organisation=OrganisationFactory(code="990000"))
    response = client.post(url, {"session": session.pk, "people": [stranger.pk]})
    assert response.status_code == 200 and Enrollment.objects.count() == 2


def test_a_new_search_keeps_the_session_chosen_and_the_other_list_as_it_was(
    client, coordinator, organisation, monkeypatch
):
    """At a city's size a coordinator picks the session (「選ぶ」), then finds the person: the
    staff search keeps the session chosen and the table's search and pages, and the course
    search keeps the session and the staff search (its own table starts again at page 1)."""
    monkeypatch.setattr("enrollments.views.NOMINATION_LIST_MAX", 1)
    session = open_session()
    ichiro = TraineeFactory(organisation=organisation, staff_number="140001", name="区民 一郎")
    TraineeFactory(organisation=organisation, staff_number="140002", name="区民 二郎")
    client.force_login(coordinator)
    url = reverse("nominations")
    state = {"course": "研修", "sessions": "1", "session": str(session.pk), "find": "区民",
             "page": "1"}  # fmt: skip
    page = client.get(url, {**state, "other": "x"}).content.decode()

    def submitted(search_id: str, name: str, typed: str) -> dict[str, str]:
        """What the search form sends: its hidden fields and what was typed."""
        form = page.split(f'id="{search_id}"')[1].split("</form>")[0]
        hidden = re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', form)
        return {**dict(hidden), name: typed}

    staff_search = submitted("find-staff", "find", "一郎")
    assert staff_search == {**state, "find": "一郎"}
    course_search = submitted("find-course", "course", "接遇")
    assert course_search == {"session": str(session.pk), "find": "区民", "page": "1",
                             "course": "接遇"}  # fmt: skip
    # After the staff search the session is still chosen, and the person found is listed.
    found = client.get(url, staff_search).content.decode()
    drop_down = found.split('<select name="session"')[1].split("</select>")[0]
    assert f'<option value="{session.pk}" selected>' in drop_down
    assert found.count('name="people"') == 1 and f'value="{ichiro.pk}"' in found
    # 「すべての回を表示」 clears the course search only.
    assert f'href="{url}?session={session.pk}&amp;find=%E5%8C%BA%E6%B0%91&amp;page=1"' in page


def test_the_catalogue_shows_a_courses_first_sessions_then_all(client, monkeypatch):
    """A course with more sessions than CATALOGUE_SESSIONS shows the first ones and a link to
    all of them."""
    monkeypatch.setattr("enrollments.selectors.CATALOGUE_SESSIONS", 2)
    user = UserFactory(roles=[Role.TRAINEE])
    TraineeFactory(user=user)
    first = open_session()
    more = [SessionFactory(course=first.course, number=first.number + n,
                           application_opens_at=first.application_opens_at,
                           application_closes_at=first.application_closes_at,
                           days=[datetime.date(2027, 1, 10 + n)])
            for n in (2, 3)]  # fmt: skip
    client.force_login(user)
    page = client.get(reverse("catalogue")).content.decode()
    assert page.count("/apply/") == 2 and f"/catalogue/sessions/{more[1].pk}/apply/" not in page
    assert f'href="?course={first.course_id}"' in page and "（あと1回）" in page
    one = client.get(reverse("catalogue"), {"course": first.course_id}).content.decode()
    assert one.count("/apply/") == 3 and "すべての研修" in one
    assert client.get(reverse("catalogue"), {"course": "x' or 1=1"}).status_code == 200


def test_the_catalogue_shows_each_sessions_days_in_a_fixed_number_of_queries(client):
    """Every session shown has its days (in date order, as each page writes them), read with
    the sessions: more sessions and more days cost no more queries."""
    user = UserFactory(roles=[Role.TRAINEE])
    TraineeFactory(user=user)
    first = open_session(days=[datetime.date(2027, 2, 3), datetime.date(2027, 2, 1)])
    client.force_login(user)
    client.get(reverse("catalogue"))  # the session's first request does its own writes
    with CaptureQueriesContext(connection) as few:
        page = client.get(reverse("catalogue")).content.decode()
    row = page.split(f"/catalogue/sessions/{first.pk}/apply/")[0].rsplit("<tr>", 1)[1]
    assert re.findall(r"<div>(2027年2月\d+日（.）09:30–17:00)</div>", row) == [
        "2027年2月1日（月）09:30–17:00", "2027年2月3日（水）09:30–17:00"]  # fmt: skip
    for n in range(4):
        open_session(course=first.course, number=first.number + 1 + n,
                     days=[datetime.date(2027, 3, 1 + n), datetime.date(2027, 3, 10 + n)])  # fmt: skip
        open_session()  # and other courses
    with CaptureQueriesContext(connection) as more:
        page = client.get(reverse("catalogue")).content.decode()
    assert page.count("/apply/") == 9 and "2027年3月13日（土）09:30–17:00" in page
    assert len(more) == len(few)


def test_a_place_offers_the_courses_other_sessions_with_their_seats_in_fixed_queries(client):
    """A trainee's place lists the sessions of its course they could move to, each with its
    seats left; a course of many sessions (a city's hundred) costs no more queries."""
    user, trainee = learner()
    session = open_session(capacity=30)
    place = enrol(trainee, session, source=Source.APPLIED)
    second = open_session(course=session.course, number=session.number + 1, capacity=2)
    enrol(TraineeFactory(), second)
    client.force_login(user)
    url = reverse("enrollment_detail", args=[place.pk])
    client.get(url)  # the session's first request does its own writes
    with CaptureQueriesContext(connection) as few:
        page = client.get(url).content.decode()
    assert f"第{second.number}回：残り 1 席" in page and f"第{session.number}回：残り" not in page
    for n in range(2, 6):
        open_session(course=session.course, number=session.number + n,
                     days=[datetime.date(2027, 3, n), datetime.date(2027, 3, 10 + n)])  # fmt: skip
    with CaptureQueriesContext(connection) as more:
        page = client.get(url).content.decode()
    assert f"第{session.number + 5}回：残り 30 席" in page
    assert len(more) == len(few)


def test_the_staff_and_their_courses_are_in_code_order_and_counted_with_the_page(
    client, coordinator, organisation
):
    """The list under the nominations form: every place this year of the coordinator's staff
    (sub-units and 兼務 holders included), by organisation code, staff number and course code
    (none of which is the order the rows were made in), fifty a page, counted in the query
    that picks the page (lib.pages.by_code: in code order, the page's keys cost grew with how
    far into the codes the coordinator's organisations lie)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from trainees.concurrent import concurrent_organisations_sync

    later = OrganisationFactory(code="140200", name="福祉部 介護保険課", parent=organisation)
    earlier = OrganisationFactory(code="140100", name="福祉部 福祉総務課", parent=organisation)
    outside = OrganisationFactory(code="130000", name="区民部")
    second_course = open_session(course=CourseFactory(kind=CourseKind.OPEN, code="B01"))
    first_course = open_session(course=CourseFactory(kind=CourseKind.OPEN, code="A01"))
    staff = [TraineeFactory(organisation=unit, staff_number=f"{900 - n:06d}")
             for n, unit in enumerate([later, earlier] * 13)]  # fmt: skip
    holder = TraineeFactory(organisation=outside, staff_number="999999",
                            concurrent_posts=[organisation.name])  # fmt: skip
    concurrent_organisations_sync([holder.pk])
    stranger = TraineeFactory(organisation=outside, staff_number="000001")
    for trainee in staff:
        enrol(trainee, second_course)
        enrol(trainee, first_course)
    enrol(holder, first_course)
    enrol(stranger, first_course)
    codes = {later.pk: later.code, earlier.pk: earlier.code, outside.pk: outside.code}
    expected = sorted(
        (codes[place.trainee.organisation_id], place.trainee.staff_number, place.course.code)
        for place in Enrollment.objects.exclude(trainee=stranger).select_related(
            "trainee", "course"
        )
    )
    assert len(expected) == 53 and expected[0][1] == "999999"  # the 兼務 holder's own unit first
    client.force_login(coordinator)
    shown = []
    for number in (1, 2):
        with CaptureQueriesContext(connection) as asked:
            page = client.get(reverse("nominations"), {"page": number}).context["page"]
        assert page.paginator.count == 53
        shown += [(p.trainee.organisation.code, p.trainee.staff_number, p.session.course.code)
                  for p in page]  # fmt: skip
        # Counted with the page's keys: the places are not counted apart.
        assert not [q for q in asked.captured_queries
                    if q["sql"].startswith('SELECT COUNT(*) AS "__count" FROM "enrollments_enrollment"')]  # fmt: skip
        # The scope is asked of the staff joined for the sort, as they are read (a condition on
        # their own row), not as a set each place is matched against before its person is
        # looked up by key (at 100,000 staff: 5,000 lookups, the keys 39–52 → 23–30 ms).
        (keys,) = [q["sql"] for q in asked.captured_queries if "OVER ()" in q["sql"]]
        assert 'JOIN "trainees_trainee" staff ON' in keys
        assert 'staff."organisation_id" IN' in keys and 'staff."id" IN' in keys
        assert '"trainee_id" IN (SELECT' not in keys
    assert shown == expected
