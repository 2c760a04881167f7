"""所属長承認 in a real browser (issue 22): a trainee applies with a reason, the 所属長 approves on
a phone from the queue (seeing the reason and the applicant's recent training), and HR decides
the approved application. axe-core on every page."""

from __future__ import annotations

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from courses.models import ApprovalRoute, CourseKind
from enrollments.models import Approval, Enrollment, Status
from tests.conftest import totp_code
from tests.courses.factories import CourseFactory, SessionFactory
from tests.e2e.conftest import assert_accessible, log_in
from tests.trainees.factories import OrganisationFactory, TraineeFactory, UserFactory
from trainees.roles import Role
from trainees.supervisors import supervisor_appoint

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_apply_the_supervisor_approves_on_a_phone_and_hr_decides(page, phone_page, browser,
                                                                 live_server, eager_celery):  # fmt: skip
    section = OrganisationFactory(name="福祉部 地域福祉課")
    now = timezone.now()
    course = CourseFactory(title="コーチング研修", kind=CourseKind.OPEN,
                           approval=ApprovalRoute.SUPERVISOR)  # fmt: skip
    session = SessionFactory(
        course=course, number=1, capacity=5,
        days=[timezone.localdate() + datetime.timedelta(days=30)],
        application_opens_at=now - datetime.timedelta(days=1),
        application_closes_at=now + datetime.timedelta(days=10),
    )  # fmt: skip
    chief = TraineeFactory(name="地域 課長", organisation=section,
                           user=UserFactory(username="400002", roles=[Role.TRAINEE]))  # fmt: skip
    TraineeFactory(name="遠藤 裕子", organisation=section,
                   user=UserFactory(username="400003", roles=[Role.TRAINEE]))  # fmt: skip
    supervisor_appoint(organisation=section, holder=chief, deputy=None,
                       starts_on=datetime.date(2026, 4, 1), ends_on=None, note="", actor=None)  # fmt: skip

    # The trainee applies from the catalogue with a reason.
    log_in(page, "400003")
    page.goto("/catalogue/")
    expect(page.get_by_text("所属長の承認が必要です")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("申込理由").fill("係内の若手育成のため")
    page.get_by_role("button", name=re.compile("コーチング研修")).click()
    expect(page.get_by_text(re.compile("所属長に承認を依頼しました"))).to_be_visible()
    assert_accessible(page)
    place = Enrollment.objects.get(session=session)

    # The 所属長, on a phone: the home page says so; the queue shows the reason; approve.
    log_in(phone_page, "400002")
    phone_page.goto("/me/")
    phone_page.get_by_role("link", name=re.compile("承認を待っています")).click()
    expect(phone_page.get_by_text("係内の若手育成のため")).to_be_visible()
    assert_accessible(phone_page)
    phone_page.get_by_role("checkbox", name="遠藤 裕子").check()
    phone_page.get_by_role("button", name="回答する").click()
    expect(phone_page.get_by_text(re.compile("回答しました"))).to_be_visible()
    assert_accessible(phone_page)
    assert Approval.objects.get(enrollment=place).state == Approval.State.APPROVED

    # HR decides it: the approved application can be ticked now.
    hr_context = browser.new_context(locale="ja-JP", timezone_id="Asia/Tokyo",
                                     base_url=live_server.url)  # fmt: skip
    hr_page = hr_context.new_page()
    hr = UserFactory(username="100007", roles=[Role.HR_ADMIN], totp=True)
    log_in(hr_page, "100007")
    hr_page.get_by_label(re.compile(r"^コード")).fill(totp_code(hr.totp_secret))
    hr_page.get_by_role("button", name="ログイン").click()
    hr_page.goto(f"/hr/sessions/{session.pk}/")
    assert_accessible(hr_page)
    hr_page.get_by_role("checkbox", name="遠藤 裕子").check()
    hr_page.get_by_role("button", name="決定する").click()
    place.refresh_from_db()
    assert place.status == Status.CONFIRMED
    hr_context.close()
