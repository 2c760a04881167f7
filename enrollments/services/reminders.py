"""Reminders (督促): before a session to those confirmed, before a course's completion deadline
to those not complete, before a completion expires (有効期限) to those who hold it — each rule
once per person, sent through the notices app."""

from __future__ import annotations

import datetime
from itertools import groupby

from django.db import transaction
from django.urls import reverse
from django.utils import formats, timezone

from audit.services import audit_event_record
from courses.models import Session
from courses.selectors import session_notice_values
from enrollments.selectors import reminders_due
from notices.models import NoticeKind
from notices.services import Recipient, notice_send_by_template


@transaction.atomic
def reminders_send(*, today: datetime.date | None = None) -> dict[str, int]:
    """Send the reminders that are due: before a session starts to everyone confirmed, and
    before a course's completion deadline to those who have not completed it. Each rule reminds
    a trainee once (a delivery unique per trainee, kind and rule "reminder:<session>:…"),
    however often this runs; a run missed while the scheduler was down is caught up the next
    day."""
    today = today or timezone.localdate()
    group = lambda item: (item.session_id, item.kind, item.valid_until or today)  # noqa: E731
    due = sorted(reminders_due(today), key=group)
    sessions = (
        Session.objects.select_related("course", "room__venue")
        .prefetch_related("days")
        .in_bulk({item.session_id for item in due})
    )
    for (session_id, kind, until), items in groupby(due, key=group):
        values = session_notice_values(sessions[session_id])
        if kind == NoticeKind.EXPIRY:
            values["valid_until"] = formats.date_format(until)
        notice_send_by_template(
            kind=kind,
            recipients=[
                Recipient(i.trainee_id, i.user_id, i.name, i.email, rule=i.rule) for i in items
            ],
            values=values,
            link=reverse("my_history" if kind == NoticeKind.EXPIRY else "trainee_home"),
        )
    if due:
        audit_event_record(
            kind="reminders.sent",
            user=None,
            detail={"count": len(due), "rules": sorted({i.rule for i in due})},
        )
    return {"reminders": len(due)}
