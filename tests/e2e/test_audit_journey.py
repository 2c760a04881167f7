"""Issue 20, tried as the ward's auditor would, in a real browser with axe on every page: the
findings of the log analysis, one reviewed; who viewed a staff member's data; last month's
report downloaded and its PDF read back; the checklist and its PDF."""

from __future__ import annotations

import datetime
import io
import re

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from audit import analysis, monthly
from audit.models import AuditEvent, Finding
from tests.audit.factories import at, event
from tests.conftest import totp_code
from tests.e2e.conftest import assert_accessible, log_in
from tests.trainees.factories import TraineeFactory, UserFactory
from trainees.roles import Role

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _pdf_text(download) -> str:
    body = open(download.path(), "rb").read()  # noqa: SIM115 - Playwright's temp file
    return "".join(p.extract_text() for p in PdfReader(io.BytesIO(body)).pages)


def test_the_auditor_reviews_a_finding_looks_up_views_and_files_the_reports(page):
    auditor = UserFactory(username="auditor01", full_name="監査 一郎", roles=[Role.AUDITOR],
                          totp=True)  # fmt: skip
    hr = UserFactory(username="100001", full_name="人材 育子", roles=[Role.HR_ADMIN], totp=True)
    hanako = TraineeFactory(staff_number="000777", name="区民 花子")
    # Last month: someone guessed a password; HR looked at 花子's record.
    for minute in range(6):
        event("login.failed", at(13, minute), login_id="000777", ip="198.51.100.1")
    analysis.run(datetime.date(2026, 11, 11))
    from django.test import RequestFactory

    from audit.services import subject_views_record

    request = RequestFactory().get(f"/hr/trainees/{hanako.pk}/")
    request.user = hr
    subject_views_record(request=request, subjects=[hanako], what="record")

    log_in(page, "auditor01")
    page.get_by_label(re.compile(r"^コード")).fill(totp_code(auditor.totp_secret))
    page.get_by_role("button", name="ログイン").click()
    expect(page.get_by_role("heading", name="監査ログ")).to_be_visible()
    expect(page.get_by_text("未確認の指摘が1件あります。")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("link", name="指摘", exact=True).click()
    expect(page.get_by_role("heading", name="ログ分析の指摘")).to_be_visible()
    assert_accessible(page)
    row = page.locator("tbody tr", has_text="同一IDへのログイン失敗の集中")
    row.get_by_label("確認した結果").fill("本人の入力誤り。電話で確認済み。")
    row.get_by_role("button", name="確認済みにする").click()
    expect(page.get_by_text("指摘を確認済みにしました。")).to_be_visible()
    assert Finding.objects.get().review_comment == "本人の入力誤り。電話で確認済み。"
    assert AuditEvent.objects.filter(kind="audit.finding_reviewed", user_id=auditor.pk).exists()
    page.goto("/audit/findings/?state=all")
    page.get_by_role("link", name=re.compile("ログで見る")).first.click()
    expect(page.get_by_role("heading", name="監査イベント")).to_be_visible()
    expect(page.locator("tbody tr")).to_have_count(6)
    assert_accessible(page)

    page.goto("/audit/who-viewed/")
    page.get_by_role("textbox", name=re.compile("職員番号")).fill("０００７７７")  # with the IME
    page.get_by_role("button", name="検索").click()
    expect(page.locator("tbody tr").first).to_contain_text("人材 育子")
    assert_accessible(page)

    page.goto("/audit/reports/")
    assert_accessible(page)
    page.get_by_label("月").fill("2026-11")
    page.get_by_role("button", name="記録を作成する").click()
    expect(page.get_by_text("2026-11の分析記録を作成しました。")).to_be_visible()
    assert_accessible(page)
    with page.expect_download() as download:
        page.get_by_role("link", name="PDF 2026/11").click()
    text = _pdf_text(download.value)
    assert "定期的な分析の記録（2026-11）" in text
    assert "同一IDへのログイン失敗の集中" in text and "本人の入力誤り" in text
    assert monthly.previous_month(datetime.date(2026, 12, 3)) == datetime.date(2026, 11, 1)

    page.goto("/audit/checklist/")
    expect(page.get_by_role("heading", name="個人情報保護対策の状況")).to_be_visible()
    expect(page.locator("#line-backup")).to_contain_text("未設定")
    assert_accessible(page)
    with page.expect_download() as download:
        page.get_by_role("link", name="PDFでダウンロード").click()
    text = _pdf_text(download.value)
    assert "個人情報保護対策の状況" in text and "改ざんの検知" in text
