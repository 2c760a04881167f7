"""The organisation tree, 所属長 and lists of places in a real browser (issue 22): HR merges a
section into another from its page, appoints a 所属長 with a deputy, plans a transfer ahead, and
marks a session held outside as completed from a list — axe-core on every page, the phone
width included."""

from __future__ import annotations

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from enrollments.models import Completion
from tests.conftest import totp_code
from tests.courses.factories import CourseFactory, SessionFactory
from tests.e2e.conftest import assert_accessible, log_in
from tests.enrollments.factories import enrol
from tests.trainees.factories import OrganisationFactory, TraineeFactory, UserFactory
from trainees.models import Organisation, SupervisorPost
from trainees.roles import Role

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_hr_merges_appoints_plans_and_marks_completed(page, phone_page, live_server, tmp_path):
    department = OrganisationFactory(code="140000", name="福祉部")
    old = OrganisationFactory(code="140300", name="福祉部 高齢福祉課", parent=department)
    new = OrganisationFactory(code="140200", name="福祉部 地域福祉課", parent=department)
    moved = TraineeFactory(staff_number="001020", name="異動 一郎", organisation=old)
    chief = TraineeFactory(staff_number="001021", name="地域 課長", organisation=new,
                           user=UserFactory(roles=[Role.TRAINEE]))  # fmt: skip
    session = SessionFactory(course=CourseFactory(title="特別区研修所 政策形成研修"),
                             days=[timezone.localdate() - datetime.timedelta(days=3)])  # fmt: skip
    place = enrol(TraineeFactory(staff_number="001022", organisation=new), session)
    hr = UserFactory(username="100006", roles=[Role.HR_ADMIN], totp=True)
    log_in(page, "100006")
    page.get_by_label(re.compile(r"^コード")).fill(totp_code(hr.totp_secret))
    page.get_by_role("button", name="ログイン").click()

    # Merge 高齢福祉課 into 地域福祉課 from the 1st of this month.
    page.goto("/hr/organisations/")
    assert_accessible(page)
    page.get_by_role("link", name="福祉部 高齢福祉課").click()
    assert_accessible(page)
    merge = page.locator("form", has=page.locator("input[name=action][value=merge]"))
    merge.get_by_label("統合先").select_option(label="福祉部 地域福祉課")
    merge.get_by_label("発令日").fill(timezone.localdate().replace(day=1).strftime("%Y/%m/%d"))
    merge.get_by_label(re.compile("理由")).fill("組織改正")
    page.once("dialog", lambda dialog: dialog.accept())
    merge.get_by_role("button", name="統合する").click()
    expect(page.get_by_text(re.compile("統合しました"))).to_be_visible()
    assert_accessible(page)
    moved.refresh_from_db()
    assert moved.organisation == new and Organisation.objects.get(pk=old.pk).merged_into == new

    # Appoint the 所属長 of 地域福祉課, typing the number with the IME on.
    page.goto("/hr/supervisors/")
    page.locator("#id_organisation").select_option(label="福祉部 地域福祉課")
    page.get_by_label("所属長の職員番号").fill("００１０２１")
    page.get_by_label("開始日").fill("R8.4.1")
    page.get_by_role("button", name="登録する").click()
    expect(page.get_by_text(re.compile("所属長として登録しました"))).to_be_visible()
    assert_accessible(page)
    assert SupervisorPost.objects.get(organisation=new).holder == chief

    # Plan a transfer for next month.
    page.goto(f"/trainees/{moved.pk}/transfer/")
    page.locator("#id_organisation").select_option(label="福祉部")
    ahead = timezone.localdate() + datetime.timedelta(days=40)
    page.locator("#id_effective_on").fill(ahead.strftime("%Y/%m/%d"))
    page.locator("#id_reason").fill("翌月1日付の異動")
    page.get_by_role("button", name="異動").click()
    expect(page.get_by_text(re.compile("異動予定を登録しました"))).to_be_visible()
    assert_accessible(page)

    # Mark the outside session completed from a list (Shift_JIS, full-width digits).
    sheet = tmp_path / "修了者.csv"
    sheet.write_bytes(
        "職員番号,状態,理由\r\n００１０２２,修了,研修所の修了証を確認\r\n".encode("cp932")
    )
    page.goto(f"/hr/sessions/{session.pk}/status-imports/")
    assert_accessible(page)
    page.locator("input[type=file]").set_input_files(str(sheet))
    page.get_by_role("button", name="ファイルを確認する").click()
    expect(page.get_by_text("研修所の修了証を確認")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="変更を反映する").click()
    expect(page.get_by_text(re.compile("反映しました：1件"))).to_be_visible()
    place.refresh_from_db()
    assert place.completion == Completion.COMPLETED

    # The same pages at phone width.
    phone_page.context.add_cookies(page.context.cookies())
    for url in ("/hr/organisations/", f"/hr/organisations/{old.pk}/", "/hr/supervisors/"):
        phone_page.goto(url)
        assert_accessible(phone_page)
