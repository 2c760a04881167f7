"""HR takes a session's participants, attendance and completion away as files (CSV UTF-8 with
BOM, CP932, XLSX) through the portal's export writer; each export is an audit event."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from enrollments.models import Status
from enrollments.services import attendance_record
from tests.courses.factories import SessionFactory
from tests.enrollments.factories import enrol
from tests.trainees.factories import TraineeFactory

pytestmark = pytest.mark.django_db


def rows_of(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_the_session_lists_as_files(client, hr_admin):
    session = SessionFactory(capacity=5)
    day = session.days.get()
    present = enrol(TraineeFactory(name="出席 太郎", staff_number="000123"), session)
    enrol(TraineeFactory(name="補欠 花子"), session, status=Status.WAITLISTED)
    attendance_record(day=day, marks={present.pk: "present"}, actor=None)
    client.force_login(hr_admin)
    url = lambda what: reverse("session_export", args=[session.pk, what])  # noqa: E731
    participants = rows_of(client.get(url("participants")))
    assert participants[0][:2] == ["職員番号", "氏名"] and len(participants) == 3
    row = next(r for r in participants if r[1] == "出席 太郎")
    assert row[0] == "000123"  # leading zeros kept
    attendance = rows_of(client.get(url("attendance")))
    assert attendance[1][-1] == "出席" and len(attendance) == 2  # only confirmed places
    completion = rows_of(client.get(url("completion")))
    assert completion[0][-3:] == ["修了状況", "未完了の項目", "修了日"]
    xlsx = client.get(url("completion"), {"format": "xlsx"})
    assert xlsx["Content-Type"].startswith("application/vnd.openxmlformats")
    cp932 = client.get(url("participants"), {"format": "csv-cp932"})
    assert "出席 太郎".encode("cp932") in cp932.content
    events = AuditEvent.objects.filter(kind="session.exported").values_list("detail", flat=True)
    assert {e["list"] for e in events} == {"participants", "attendance", "completion"}
    assert client.get(url("nonsense")).status_code == 404
