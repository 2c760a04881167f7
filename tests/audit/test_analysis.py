"""定期的な分析 (issue 20): the daily analysis finds each planted anomaly and nothing in a clean
day's log; running a day again duplicates nothing and keeps reviews; a review is audited and
happens once; new findings reach the auditors as one digest; the command prints them.

The rows here are written as the trail would hold them (the analysis reads rows; how they are
written is tested elsewhere). The day is Wednesday 11 November 2026; a holiday is Monday
23 November 2026 (勤労感謝の日), which a rule that only knew weekends would call a working day.
"""

from __future__ import annotations

import datetime
import json
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse

from audit import analysis, services
from audit.models import AnalysisRun, AuditEvent, ChainVerification, Finding
from audit.tasks import analyse_audit_log
from notices.models import Notice
from tests.audit.factories import DAY, HOLIDAY, at, event, request, view
from tests.trainees.factories import UserFactory
from trainees.roles import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(db):
    hr = UserFactory(username="100001", roles=[Role.HR_ADMIN], totp=True)
    clerk = UserFactory(username="300001", roles=[Role.TRAINEE])
    # Both have signed in from the office network before: its addresses are no new network.
    for user in (hr, clerk):
        event("login.succeeded", at(9, day=DAY - datetime.timedelta(days=10)), user=user,
              ip="10.20.30.7")  # fmt: skip
    return hr, clerk


def clean_day(hr, clerk):
    """An ordinary Wednesday: logins in the morning, a mistyped password, HR looking at a few
    records and exporting a session list, a handful of 404s."""
    for user, hour in ((hr, 8), (clerk, 9)):
        event("login.succeeded", at(hour), user=user)
        request(user, at(hour, 1))
    event("login.failed", at(8, 30), login_id="300001")
    event("login.failed", at(8, 31), login_id="300001")
    for subject in range(1, 11):
        view(hr, subject, at(10, subject))
    event("session.exported", at(11), user=hr, rows=30, subjects=30)
    for minute in range(5):
        request(clerk, at(14, minute), status=404, path="/courses/999/")
    event("account.provisioned", at(12), user=hr)


def test_a_clean_day_has_no_findings(people):
    clean_day(*people)
    assert analysis.analyse(DAY) == []


def test_each_planted_anomaly_is_found(people):
    hr, clerk = people
    clean_day(hr, clerk)
    for minute in range(6):  # someone guessing one account's password
        event("login.failed", at(13, minute), login_id="100001", ip="198.51.100.1")
    for n in range(25):  # password spraying from one address, few tries per account
        event("login.failed", at(15, n), login_id=f"9{n:05d}", ip="203.0.113.9")
    event("login.rate_limited", at(13, 10), login_id="100001", ip="198.51.100.1")
    event("login.succeeded", at(23, 30), user=clerk)  # after office hours
    for subject in range(100, 221):  # 121 people's records in a day
        view(hr, subject, at(16, subject % 60))
    for n in range(20):
        event("trainees.exported", at(17, n), user=hr, rows=4000, subjects=4000)
    for n in range(31):  # probing other people's pages
        request(clerk, at(18, n), status=403, path=f"/trainees/{n}/")
    for n in range(3):
        event("enrollment.forged_request", at(18, 40 + n), user=clerk)
    event("account.roles_changed", at(12, 5), user=hr)
    event("login.succeeded", at(19), user=hr, ip="198.51.100.77")  # HR from a new network
    ChainVerification.objects.create(verified_at=at(2, 30), source="nightly", intact=False,
                                     rows=10, seals=1, seconds=1, breaks=[{"log": "event", "row": 5}])  # fmt: skip
    found = {(d.category, d.key) for d in analysis.analyse(DAY)}
    assert found == {
        ("failed_logins_account", "100001"),
        ("failed_logins_address", "203.0.113.9"),
        ("lockout", "100001"),
        ("off_hours", "300001"),
        ("mass_views", "100001"),
        ("mass_exports", "100001"),
        ("refused_burst", "300001"),
        ("forged", "300001"),
        ("role_mfa_change", "account.roles_changed"),
        ("new_network", "100001 198.51.100.0/24"),
        ("chain_broken", f"02:30 #{ChainVerification.objects.get().pk}"),
    }


def test_a_national_holiday_is_outside_office_hours(people):
    hr, _clerk = people
    event("login.succeeded", at(10, day=HOLIDAY), user=hr)
    [draft] = analysis.analyse(HOLIDAY)
    assert (draft.category, draft.detail["closed_day"]) == ("off_hours", True)
    assert analysis.analyse(HOLIDAY + datetime.timedelta(days=1)) == []  # the Tuesday after


def test_an_office_proxy_address_has_its_own_threshold(people, settings):
    """A ward office behind one proxy: 25 mistyped passwords a day from its address are
    ordinary; from an unknown address they are spraying."""
    for n in range(25):
        event("login.failed", at(9, n), login_id=f"4{n:05d}", ip="203.0.113.9")
    assert [d.category for d in analysis.analyse(DAY)] == ["failed_logins_address"]
    settings.TRUSTED_OFFICE_NETWORKS = [__import__("ipaddress").ip_network("203.0.113.0/24")]
    assert analysis.analyse(DAY) == []


def test_requests_that_could_not_be_logged_are_a_finding_once(people):
    analysis.run(DAY)
    services._count_failure()
    _run, new = analysis.run(DAY + datetime.timedelta(days=1))
    assert [(f.category, f.count) for f in new] == [("unlogged", 1)]
    _run, new = analysis.run(DAY + datetime.timedelta(days=2))
    assert new == []


@pytest.mark.usefixtures("people")
def test_running_a_day_again_keeps_one_finding_and_its_review(auditor):
    for minute in range(6):
        event("login.failed", at(13, minute), login_id="100001")
    _run, new = analysis.run(DAY)
    [finding] = new
    services.finding_review(finding_id=finding.pk, actor=auditor, comment="本人の入力誤り")
    event("login.failed", at(13, 30), login_id="100001")
    _run, new = analysis.run(DAY)
    assert new == [] and Finding.objects.count() == 1
    finding.refresh_from_db()
    assert finding.count == 7 and finding.review_comment == "本人の入力誤り"
    assert AnalysisRun.objects.count() == 2


def test_an_auditor_reviews_a_finding_once_and_the_review_is_audited(client, people, auditor,
                                                                     page_queries):  # fmt: skip
    hr, clerk = people
    event("login.succeeded", at(23, 30), user=clerk)
    analysis.run(DAY)
    finding = Finding.objects.get()
    client.force_login(auditor)
    url = reverse("audit:findings")
    client.get(url)
    with page_queries("the last run", "a page of findings", "the count for the pager"):
        page = client.get(url)
    text = page.content.decode()
    assert "勤務時間外" in text and "300001" in text
    evidence = (
        f"{reverse('audit:access_log')}?date_from=2026-11-11&amp;date_to=2026-11-11&amp;user=300001"
    )
    assert evidence in text
    review = reverse("audit:finding_review", args=[finding.pk])
    assert client.post(review, {"comment": "  "}).status_code == 302
    finding.refresh_from_db()
    assert finding.reviewed_at is None
    client.post(review, {"comment": "残業の申請あり。問題なし。", "back": "state=all"})
    finding.refresh_from_db()
    assert finding.reviewer_name == auditor.full_name and finding.reviewed_by_id == auditor.pk
    reviewed = AuditEvent.objects.get(kind="audit.finding_reviewed")
    assert reviewed.user_id == auditor.pk and reviewed.detail["finding"] == finding.pk
    client.post(review, {"comment": "上書き"})
    finding.refresh_from_db()
    assert finding.review_comment == "残業の申請あり。問題なし。"  # once
    assert "上書き" not in client.get(url, {"state": "all"}).content.decode()
    # HR may not review the findings about themselves — nor read them.
    client.force_login(hr)
    assert client.get(url).status_code == 403
    assert client.post(review, {"comment": "x"}).status_code == 403


def test_new_findings_reach_every_auditor_as_one_digest(people, auditor, eager_celery):
    hr, clerk = people
    second = UserFactory(username="auditor02", roles=[Role.AUDITOR], email="a2@example.jp")
    event("login.succeeded", at(23, 30), user=clerk)
    event("account.roles_changed", at(12), user=hr)
    assert analyse_audit_log(DAY.isoformat()) == 2
    notices = Notice.objects.filter(user__in=[auditor, second])
    assert notices.count() == 2
    assert len(mail.outbox) == len([a for a in (auditor, second) if a.email])
    body = mail.outbox[0].body
    assert "勤務時間外" in body and "権限" in body and "300001" not in body  # no personal data
    mail.outbox.clear()
    assert analyse_audit_log(DAY.isoformat()) == 0  # nothing new, nothing sent
    assert mail.outbox == [] and Notice.objects.filter(user=auditor).count() == 1


def test_the_command_prints_the_days_findings(people):
    _hr, clerk = people
    event("login.succeeded", at(23, 30), user=clerk)
    out = StringIO()
    call_command("audit_analysis", "--date", "2026-11-12", "--days", "2", "--format", "json",
                 stdout=out)  # fmt: skip
    days = json.loads(out.getvalue())
    assert [d["day"] for d in days] == ["2026-11-11", "2026-11-12"]
    assert [f["category"] for f in days[0]["findings"]] == ["off_hours"]
    assert days[1]["findings"] == []


def test_a_forged_form_is_an_event(client, people):
    _hr, clerk = people
    csrf_client = client.__class__(enforce_csrf_checks=True)
    csrf_client.force_login(clerk)
    response = csrf_client.post(reverse("set_language"), {"language": "en"})
    assert response.status_code == 403
    assert AuditEvent.objects.filter(kind="request.csrf_refused", user_id=clerk.pk).exists()


def test_the_audit_apps_role_words_are_the_roles_own():
    assert {code: str(label) for code, label in analysis.ROLE_LABELS.items()} == {
        role.value: str(role.label) for role in Role
    }
