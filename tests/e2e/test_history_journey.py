"""History, dashboards and certificates in a real browser: HR opens the compliance dashboard,
drills into a department, exports the chase list and reminds them; records a training taken
outside the portal for a trainee; the trainee finds it in My history, downloads their
certificate and opens the verification link printed on it. axe-core on every page."""

from __future__ import annotations

import csv
import datetime
import io
import re

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from tests.conftest import totp_code
from tests.e2e.conftest import assert_accessible, log_in
from tests.enrollments.factories import completed
from tests.trainees.factories import UserFactory
from trainees.roles import Role

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_compliance_outside_training_and_a_verified_certificate(
    page, browser, live_server, eager_celery, settings
):
    from courses.models import TargetMember
    from notices.models import Notice
    from tests.courses.factories import SessionFactory
    from tests.enrollments.factories import enrol
    from tests.trainees.factories import OrganisationFactory, TraineeFactory

    settings.PORTAL_BASE_URL = live_server.url
    general = OrganisationFactory(code="110000", name="総務部")
    section = OrganisationFactory(code="110100", name="総務課", parent=general)
    welfare = OrganisationFactory(code="140000", name="福祉部")
    session = SessionFactory(course__code="S01", course__title="情報セキュリティ研修",
                             days=[datetime.date(2026, 6, 1)])  # fmt: skip
    course = session.course
    user = UserFactory(username="300001", full_name="区民 花子", roles=[Role.TRAINEE])
    hanako = TraineeFactory(name="区民 花子", organisation=section, user=user)
    done = enrol(hanako, session)
    completed(done)
    late = [
        TraineeFactory(name="未修 一郎", organisation=section,
                       user=UserFactory(username="300011", roles=[Role.TRAINEE])),
        TraineeFactory(name="未修 二郎", organisation=welfare,
                       user=UserFactory(username="300012", roles=[Role.TRAINEE])),
    ]  # fmt: skip
    for trainee in [hanako, *late]:
        TargetMember.objects.create(course=course, trainee=trainee, source="rule")
    hr = UserFactory(username="100005", roles=[Role.HR_ADMIN], totp=True)

    log_in(page, "100005")
    page.get_by_label(re.compile(r"^コード")).fill(totp_code(hr.totp_secret))
    page.get_by_role("button", name="ログイン").click()
    page.goto("/dashboards/")
    assert_accessible(page)
    page.get_by_role("link", name="必須研修の受講状況").click()
    expect(page.get_by_role("heading", name=re.compile("必須研修の受講状況"))).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="情報セキュリティ研修").click()
    assert_accessible(page)
    page.get_by_role("link", name="総務部（1）").click()
    expect(page.get_by_role("cell", name="未修 一郎")).to_be_visible()
    expect(page.get_by_role("cell", name="未修 二郎")).to_have_count(0)
    assert_accessible(page)
    with page.expect_download() as download:
        page.get_by_role("link", name="CSV", exact=True).click()
    rows = list(csv.reader(io.StringIO(download.value.path().read_text(encoding="utf-8-sig"))))
    assert [row[1] for row in rows[1:]] == ["未修 一郎"]
    page.get_by_role("button", name="督促を送る").click()
    expect(page.get_by_text("1人に督促を送りました。")).to_be_visible()
    assert list(Notice.objects.filter(kind="reminder").values_list("user__username", flat=True)) == ["300011"]  # fmt: skip

    # An outside training (派遣研修) for 区民 花子, from her registry page.
    page.goto(f"/trainees/{hanako.pk}/")
    page.get_by_role("link", name="受講履歴").click()
    assert_accessible(page)
    page.get_by_role("link", name="ポータル外の研修を受講履歴に追加").click()
    assert_accessible(page)
    page.get_by_label("研修名").fill("政策法務研修")
    page.get_by_label("実施機関").fill("市町村アカデミー")
    page.get_by_label("初日").fill("2025-10-06")
    page.get_by_label("最終日").fill("2025-10-10")
    page.get_by_label("時間数").fill("30")
    page.get_by_label("年度").fill("2025")
    page.get_by_role("button", name="受講履歴に追加").click()
    expect(page.get_by_text("このフィールドは必須です。")).to_be_visible()  # the reason
    page.get_by_label("登録・訂正の理由").fill("修了証書の写しを確認")
    page.get_by_role("button", name="受講履歴に追加").click()
    expect(page.get_by_text("受講履歴に追加しました。")).to_be_visible()
    expect(page.get_by_text("修了証書の写しを確認")).to_be_visible()
    page.get_by_role("button", name="ログアウト").click()

    # 区民 花子 sees it, downloads her certificate and opens its verification link.
    log_in(page, "300001")
    page.goto("/me/history/")
    expect(page.get_by_text("政策法務研修")).to_be_visible()
    assert_accessible(page)
    with page.expect_download() as download:
        page.get_by_role("link", name=re.compile("修了証（PDF）")).click()
    text = "".join(p.extract_text() for p in PdfReader(download.value.path()).pages)
    assert "区民 花子" in text and "情報セキュリティ研修" in text
    url = re.search(r"http://\S+/verify/\S+/", text.replace("\n", "")).group(0)
    page.goto(url)
    expect(page.get_by_text("この修了証は本物で有効です。")).to_be_visible()
    assert_accessible(page)
    page.goto(url.replace("/verify/20", "/verify/21"))
    expect(page.get_by_text(re.compile("本物の修了証番号ではありません"))).to_be_visible()
