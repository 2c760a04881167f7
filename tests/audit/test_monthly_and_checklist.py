"""定期的な分析の記録 and 個人情報保護対策の状況 (issue 20): the monthly report counts the month it
names (not the one before or after), lists the findings with their review, reads back from its
PDF and CSV, is kept and listed; the checklist shows each line's evidence and says "not
configured" for what the portal does not do yet — on the page and in its PDF."""

from __future__ import annotations

import csv
import datetime
import io

import pytest
from django.urls import reverse
from pypdf import PdfReader

from audit import analysis, monthly, services
from audit.models import AuditEvent, ChainVerification, MonthlyReport
from tests.audit.factories import at, event, request, view
from tests.trainees.factories import UserFactory
from trainees.roles import Role

pytestmark = pytest.mark.django_db

NOVEMBER = datetime.date(2026, 11, 1)


def pdf_text(body: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(body)).pages)


@pytest.fixture
def november(auditor):
    hr = UserFactory(username="100001", roles=[Role.HR_ADMIN], totp=True)
    clerk = UserFactory(username="300001", roles=[Role.TRAINEE])
    request(hr, at(9))
    request(clerk, at(10), status=404)
    view(hr, 7, at(10))
    event("trainees.exported", at(11), user=hr, rows=40, subjects=40)
    event("session.exported", at(11, 5), user=hr, rows=12, subjects=12)
    event("login.succeeded", at(23, 30), user=clerk)  # a finding, reviewed below
    # Outside November: counted in no November figure.
    late = datetime.date(2026, 12, 1)
    event("trainees.exported", at(9, day=late), user=clerk, rows=5, subjects=5)
    request(clerk, at(9, day=late))
    _run, [finding] = analysis.run(datetime.date(2026, 11, 11))
    services.finding_review(finding_id=finding.pk, actor=auditor, comment="残業申請あり")
    ChainVerification.objects.create(verified_at=at(2, 30), source="nightly", intact=True,
                                     rows=5, seals=1, seconds=0.1,
                                     heads={"event": {"row": 9, "hash": "ab" * 32}})  # fmt: skip
    return hr, clerk


def test_the_month_is_counted_and_its_files_read_back(november):
    from django.utils import translation

    with translation.override("en"):  # an auditor reading in English files the same record
        report = monthly.make(NOVEMBER, made_by="test")
    summary = report.summary
    assert summary["requests"] == 2 and summary["requests_by_status"] == {"2xx": 1, "4xx": 1}
    assert summary["exports"] == {"100001": {"exports": 2, "rows": 52, "subjects": 52}}
    assert summary["views"] == {"record": 1}
    assert summary["verifications"] == 1 and summary["analysis_days"] == 1
    text = pdf_text(bytes(report.pdf))
    assert "定期的な分析の記録（2026-11）" in text
    assert "勤務時間外のログイン・個人情報の閲覧" in text and "残業申請あり" in text
    assert "100001" in text and "52行・52人分" in text
    rows = list(csv.reader(io.StringIO(bytes(report.csv).decode("utf-8-sig"))))
    assert rows[0] == monthly.HEADER
    assert ["出力（人別）", "100001", "2", "52行・52人分"] in rows
    assert not any(row[1] == "300001" and row[0] == "出力（人別）" for row in rows)
    assert ["アクセス", "利用者区分：人材育成センター管理者", "1", ""] in rows
    assert ["個人情報の閲覧", "登録情報", "1", ""] in rows


def test_auditors_make_list_and_download_reports(client, auditor, november, page_queries):
    client.force_login(auditor)
    response = client.post(reverse("audit:report_make"), {"month": "2026-11"})
    assert response.status_code == 302
    report = MonthlyReport.objects.get()
    assert AuditEvent.objects.filter(kind="audit.report_made").exists()
    url = reverse("audit:reports")
    client.get(url)
    with page_queries("the kept reports"):
        page = client.get(url).content.decode()
    assert "2026/11" in page
    pdf = client.get(reverse("audit:report_download", args=[report.pk, "pdf"]))
    assert pdf["Content-Type"] == "application/pdf" and b"%PDF" in pdf.content[:8]
    assert AuditEvent.objects.filter(kind="audit.document_downloaded").count() == 1
    assert client.post(reverse("audit:report_make"), {"month": "2099-01"}).status_code == 302
    assert MonthlyReport.objects.count() == 1  # a month not begun is refused
    client.force_login(november[0])  # HR reads no audit report
    assert client.get(url).status_code == 403


def test_the_checklist_shows_evidence_and_what_is_not_configured(client, auditor, november,
                                                                 page_queries):  # fmt: skip
    from audit.models import ChainCut

    ChainCut.objects.create(log="access", last_id=120, hash="cd" * 32, rows=120)
    client.force_login(auditor)
    url = reverse("audit:checklist")
    client.get(url)
    with page_queries("accounts per role", "privileged accounts with MFA", "privileged accounts",
                      "requests today", "the last analysis", "open findings",
                      "the last verification", "the latest chain cuts",
                      "the last deletion report"):  # fmt: skip
        page = client.get(url).content.decode()
    assert "多要素認証を設定済みの特権アカウント（人事担当・監査担当・管理者）：2人中2人" in page
    assert "最終の検証" in page or "最後の検証" in page
    assert "access の120行目まで（120行）、先頭 cdcdcdcdcdcdcdcd…" in page
    assert page.count("未設定") == 4  # backups, deletion, anti-virus, networks (none set here)
    assert "消去報告書はまだありません" in page
    assert "パスワード付きでの出力を必須とする（EXPORT_PROTECTION_REQUIRED）：いいえ" in page
    assert "認証アプリの削除の前にパスワードを再確認する（ADMIN_REAUTHENTICATION）：いいえ" in page
    document = client.get(url, {"format": "pdf"})
    text = pdf_text(document.content)
    assert "個人情報保護対策の状況" in text and "バックアップ" in text and "未設定" in text
    assert AuditEvent.objects.filter(kind="audit.document_downloaded",
                                     detail__document="checklist").exists()  # fmt: skip
