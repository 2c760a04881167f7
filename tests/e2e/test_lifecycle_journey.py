"""Issue 21, in a real browser with axe on every page: HR downloads the registry as a
password-protected Excel file (the password asked again first, the file's password shown once
and opening it), erases one person on request, and the auditor finds the erasure in the
deletion reports and reads the report's PDF."""

from __future__ import annotations

import io
import re

import msoffcrypto
import openpyxl
import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from tests.conftest import totp_code
from tests.e2e.conftest import assert_accessible, log_in
from tests.trainees.factories import PASSWORD, OrganisationFactory, TraineeFactory, UserFactory
from trainees.models import Trainee
from trainees.roles import Role

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _sign_in(page, user) -> None:
    log_in(page, user.username)
    page.get_by_label(re.compile(r"^コード")).fill(totp_code(user.totp_secret))
    page.get_by_role("button", name="ログイン").click()


def test_protected_export_erasure_and_the_deletion_report(page, browser, live_server, settings):
    settings.EXPORT_REAUTHENTICATION = True
    hr = UserFactory(username="100001", full_name="人材 育子", roles=[Role.HR_ADMIN], totp=True)
    auditor = UserFactory(username="auditor01", roles=[Role.AUDITOR], totp=True)
    organisation = OrganisationFactory(code="140000", name="福祉部")
    TraineeFactory(staff_number="000777", name="区民 花子", organisation=organisation)
    leaving = TraineeFactory(staff_number="000778", name="申出 太郎", organisation=organisation)

    _sign_in(page, hr)
    page.goto("/trainees/")
    page.get_by_role("link", name="Excel（パスワード付き）").click()
    # The password first (allauth's re-authentication), then back to the download.
    expect(page).to_have_url(re.compile(r"/accounts/reauthenticate/"))
    assert_accessible(page)
    page.get_by_label("パスワード").fill(PASSWORD)
    page.get_by_role("button", name="確認する").click()
    expect(page.get_by_role("heading", name="パスワード付きファイルのダウンロード")).to_be_visible()
    assert_accessible(page)
    password = page.locator(".one-time-password code").inner_text()
    with page.expect_download() as download:
        page.get_by_role("link", name="ファイルをダウンロード").click()
    office = msoffcrypto.OfficeFile(open(download.value.path(), "rb"))  # noqa: SIM115
    office.load_key(password=password)
    plain = io.BytesIO()
    office.decrypt(plain)
    rows = list(openpyxl.load_workbook(plain).active.iter_rows(values_only=True))
    assert any(row[0] == "000777" for row in rows)

    page.goto(f"/trainees/{leaving.pk}/")
    assert_accessible(page)
    page.get_by_label("消去の理由").fill("本人からの申出（12月1日受付）")
    page.get_by_role("button", name="個人情報を消去する").click()
    expect(page.get_by_text("職員の個人情報を消去しました")).to_be_visible()
    assert Trainee.objects.get(pk=leaving.pk).name == "（消去済み）"

    auditor_context = browser.new_context(locale="ja-JP", timezone_id="Asia/Tokyo",
                                          base_url=live_server.url)  # fmt: skip
    other = auditor_context.new_page()
    _sign_in(other, auditor)
    other.goto("/audit/deletion-reports/")
    assert_accessible(other)
    other.get_by_label("職員番号").fill("０００７７８")
    other.get_by_role("button", name="確認する").click()
    expect(other.get_by_role("status")).to_contain_text("消去されています")
    assert_accessible(other)
    with other.expect_download() as download:
        other.get_by_role("link", name=re.compile(r"^PDF")).first.click()
    text = "".join(p.extract_text() for p in PdfReader(download.value.path()).pages)
    assert "電子データの消去報告書" in text and "本人等からの申出による消去" in text
    assert "申出 太郎" not in text
    auditor_context.close()
