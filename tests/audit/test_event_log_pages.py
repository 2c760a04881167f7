"""The auditor's event log in words: labels, whom an event is about, the details; roles by
name in the access log; the filtered events exported (and the export itself recorded)."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse

from audit.models import AccessLog, AuditEvent
from audit.services import audit_event_record

pytestmark = pytest.mark.django_db


def test_events_are_shown_in_words(client, auditor, trainee, hr_admin):
    audit_event_record(
        kind="enrollment.decided", user=hr_admin, subject_user=trainee,
        detail={"session": 12, "decision": "confirmed", "count": 3},
    )  # fmt: skip
    client.force_login(auditor)
    page = client.get(reverse("audit:events")).content.decode()
    assert "決定" in page and trainee.full_name in page
    assert "件数: 3" in page and "日程ID: 12" in page


def test_the_access_log_names_roles(client, auditor, hr_admin):
    AccessLog.objects.create(
        request_id="00000000-0000-0000-0000-000000000007", method="GET", path="/hr/",
        status_code=200, duration_ms=1, roles="hr_admin,trainee", username="100001",
    )  # fmt: skip
    client.force_login(auditor)
    page = client.get(reverse("audit:access_log")).content.decode()
    assert "人材育成センター管理者" in page and "hr_admin" not in page


def test_the_filtered_events_are_exported_and_the_export_recorded(client, auditor):
    audit_event_record(kind="trainees.exported", detail={"rows": 5})
    audit_event_record(kind="login.failed", login_id="=cmd|' /C calc'!A0")
    client.force_login(auditor)
    response = client.get(reverse("audit:events_export"), {"kind": "login.failed"})
    text = response.content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert len(rows) == 2 and rows[1][2] == "login.failed"
    assert rows[1][6].startswith("'=")  # formula neutralised
    exported = AuditEvent.objects.get(kind="audit.exported")
    assert exported.detail == {"filters": ["kind"], "format": "csv", "rows": 1}
    xlsx = client.get(reverse("audit:events_export"), {"format": "xlsx"})
    assert xlsx["Content-Type"].startswith("application/vnd.openxmlformats")


def test_event_details_read_as_words_in_the_readers_language(client, auditor):
    """Issue 18, item 28: labels, not codes — for the event and for what its detail holds."""
    from django.utils import translation

    from audit.selectors import detail_in_words
    from audit.services import audit_event_record

    detail = {"decision": "confirmed", "limit": "login_failed_pair", "type": "totp"}
    with translation.override("ja"):
        words = detail_in_words(detail)
    assert "confirmed" not in words and "login_failed_pair" not in words and "totp" not in words
    with translation.override("en"):
        assert "failed logins for the account from this address" in detail_in_words(detail)
    audit_event_record(kind="enrollment.decided", user=auditor, detail={"decision": "waitlisted"})
    client.force_login(auditor)
    page = client.get(reverse("audit:events")).content.decode()
    assert "waitlisted" not in page
