"""An ordinary month in a real browser (issue 22): HR cancels a session after a typhoon warning
naming the replacement, and the trainee moves to it with one click from a phone; HR uploads the
filled-in sign-in sheet of yesterday's session, checks the preview and records it. axe-core on
every page."""

from __future__ import annotations

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from courses.models import CourseKind
from enrollments.models import Attendance, Enrollment, Status
from tests.conftest import totp_code
from tests.courses.factories import CourseFactory, SessionFactory
from tests.e2e.conftest import assert_accessible, log_in
from tests.enrollments.factories import enrol
from tests.trainees.factories import OrganisationFactory, TraineeFactory, UserFactory
from trainees.roles import Role

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _hr(page):
    hr = UserFactory(username="100005", roles=[Role.HR_ADMIN], totp=True)
    log_in(page, "100005")
    page.get_by_label(re.compile(r"^コード")).fill(totp_code(hr.totp_secret))
    page.get_by_role("button", name="ログイン").click()
    return hr


def test_typhoon_cancellation_and_the_one_click_move(page, phone_page, eager_celery):
    section = OrganisationFactory(name="区民部 戸籍住民課")
    course = CourseFactory(title="接遇研修", kind=CourseKind.OPEN)
    ahead = timezone.localdate() + datetime.timedelta(days=20)
    session = SessionFactory(course=course, number=1, capacity=5, days=[ahead])
    replacement = SessionFactory(course=course, number=2, capacity=5,
                                 days=[ahead + datetime.timedelta(days=14)])  # fmt: skip
    user = UserFactory(username="400001", roles=[Role.TRAINEE])
    hanako = TraineeFactory(name="区民 花子", organisation=section, user=user)
    place = enrol(hanako, session, Status.CONFIRMED, "applied")

    _hr(page)
    page.goto(f"/hr/sessions/{session.pk}/")
    page.get_by_role("link", name="この回を中止する…").click()
    assert_accessible(page)
    page.get_by_label(re.compile("理由")).fill("台風接近のため")
    page.get_by_label(re.compile("代わりの回")).select_option(str(replacement.pk))
    page.once("dialog", lambda dialog: dialog.accept())  # "This cannot be undone."
    page.get_by_role("button", name="中止して全員に通知する").click()
    expect(page.get_by_text(re.compile("日程を中止し"))).to_be_visible()
    expect(page.get_by_text("台風接近のため").first).to_be_visible()
    assert_accessible(page)

    log_in(phone_page, "400001")
    phone_page.goto(f"/me/enrollments/{place.pk}/")
    expect(phone_page.get_by_text("中止").first).to_be_visible()
    assert_accessible(phone_page)
    phone_page.get_by_role("button", name="代わりの回に移る").click()
    assert_accessible(phone_page)
    place.refresh_from_db()
    assert (place.session_id, place.status) == (replacement.pk, Status.CONFIRMED)


def test_hr_uploads_the_filled_sign_in_sheet(page, tmp_path):
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    session = SessionFactory(course__title="係長級マネジメント研修", days=[yesterday])
    present, late = TraineeFactory(staff_number="001001"), TraineeFactory(staff_number="001002")
    places = {t.staff_number: enrol(t, session) for t in (present, late)}
    sheet = tmp_path / "出欠表.csv"
    day = yesterday.strftime("%Y/%m/%d")
    sheet.write_bytes(
        (
            "職員番号,氏名,所属,職名,日付,出欠,遅刻・早退（分）\r\n"
            f"００１００１,{present.name},,,{day},○,\r\n"
            f"001002,{late.name},,,{day},遅刻,３０\r\n"
        ).encode("cp932")
    )

    _hr(page)
    page.goto(f"/hr/sessions/{session.pk}/")
    page.get_by_role("link", name="出欠表ファイルから一括取込").click()
    assert_accessible(page)
    page.get_by_label(re.compile("記入済みの出欠表|出欠表")).first.set_input_files(str(sheet))
    page.get_by_role("button", name="ファイルを確認する").click()
    expect(page.get_by_role("button", name="出欠を記録する")).to_be_enabled()
    assert_accessible(page)
    assert not Attendance.objects.exists()  # the preview writes nothing
    page.get_by_role("button", name="出欠を記録する").click()
    expect(page.get_by_text("出欠を記録しました（2件変更）。")).to_be_visible()
    marks = dict(Attendance.objects.values_list("enrollment__trainee__staff_number", "mark"))
    assert marks == {"001001": "present", "001002": "late"}
    minutes = Attendance.objects.get(enrollment=places["001002"]).minutes_missed
    assert minutes == 30
    assert Enrollment.objects.filter(session=session).count() == 2
