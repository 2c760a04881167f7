"""Rows of the audit trail as it would hold them on a given day, for the tests of what reads
the trail (the log analysis, the monthly report). How rows are written is tested elsewhere."""

from __future__ import annotations

import datetime
import uuid

from django.utils import timezone

from audit.models import AccessLog, AuditEvent, SubjectView

# A Wednesday; and a national holiday (勤労感謝の日, a Monday).
DAY = datetime.date(2026, 11, 11)
HOLIDAY = datetime.date(2026, 11, 23)
OFFICE = "10.20.30.40"


def at(hour: int, minute: int = 0, day: datetime.date = DAY) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


def event(kind: str, when: datetime.datetime, *, user=None, login_id="", ip=OFFICE, **detail):
    return AuditEvent.objects.create(
        kind=kind, occurred_at=when, user_id=user.pk if user else None,
        username=user.username if user else "", login_id=login_id, ip_address=ip, detail=detail,
    )  # fmt: skip


def request(user, when, *, status=200, path="/me/", ip=OFFICE):
    return AccessLog.objects.create(
        occurred_at=when, request_id=uuid.uuid4(), user_id=user.pk if user else None,
        username=user.username if user else "", method="GET", path=path, status_code=status,
        roles=",".join(sorted(role.value for role in user.roles)) if user else "",
        duration_ms=5, ip_address=ip,
    )  # fmt: skip


def view(user, subject_id, when, what="record"):
    return SubjectView.objects.create(
        viewed_at=when, user_id=user.pk, username=user.username, subject_id=subject_id,
        what=what, ip_address=OFFICE,
    )  # fmt: skip
