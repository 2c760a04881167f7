"""The demo ward's audit trail for last month (issue 20), so the auditor's findings, the monthly
report and the checklist show something on the first `make run`.

A few anomalies are planted on one working day last month — someone guessing 区民 花子's
password from outside (six failures, then the lock-out) and her login late at night — written
by the same writer the login flow uses (``audit_event_record``), with the clock set to that
day (time-machine). Every day of last month is then analysed, the lock-out finding is reviewed
by the demo auditor, and last month's report is made. Everything else in the demo log is
ordinary use and yields no finding.
"""

from __future__ import annotations

import datetime

import time_machine
from django.test import RequestFactory
from django.utils import timezone

from audit import analysis, monthly
from audit.models import AnalysisRun, AuditEventKind, Finding
from audit.services import audit_event_record, finding_review
from trainees.models import User

OUTSIDE = "198.51.100.23"  # documentation range: an address outside the ward


def _working_day(month: datetime.date) -> datetime.date:
    """The second working day of the month (no weekend, holiday or year-end closure)."""
    day, found = month, 0
    while True:
        if not analysis.is_closed_day(day):
            found += 1
            if found == 2:
                return day
        day += datetime.timedelta(days=1)


def working_day_before(day: datetime.date, *, hour: int) -> datetime.datetime:
    """That hour on the last working day before `day`."""
    day -= datetime.timedelta(days=1)
    while analysis.is_closed_day(day):
        day -= datetime.timedelta(days=1)
    return _at(day, hour, 0)


def _at(day: datetime.date, hour: int, minute: int) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


def seed_audit_month() -> None:
    if AnalysisRun.objects.exists():
        return
    hanako = User.objects.filter(username="300001").first()
    auditor = User.objects.filter(username="auditor01").first()
    if hanako is None or auditor is None:
        return
    month = monthly.previous_month()
    day = _working_day(month)
    login = RequestFactory().post("/accounts/login/", REMOTE_ADDR=OUTSIDE)
    for minute in range(6):
        with time_machine.travel(_at(day, 12, 10 + minute), tick=False):
            audit_event_record(kind=AuditEventKind.LOGIN_FAILED, request=login, login_id="300001",
                               best_effort=True)  # fmt: skip
    with time_machine.travel(_at(day, 12, 17), tick=False):
        audit_event_record(kind=AuditEventKind.LOGIN_RATE_LIMITED, request=login,
                           login_id="300001", best_effort=True)  # fmt: skip
    home = RequestFactory().post("/accounts/login/", REMOTE_ADDR="10.1.2.3")
    with time_machine.travel(_at(day, 23, 42), tick=False):
        audit_event_record(kind=AuditEventKind.LOGIN_SUCCEEDED, request=home, user=hanako,
                           best_effort=True)  # fmt: skip
    last = (month + datetime.timedelta(days=32)).replace(day=1) - datetime.timedelta(days=1)
    current = month
    while current <= last:
        analysis.run(current, source="nightly")
        current += datetime.timedelta(days=1)
    lockout = Finding.objects.filter(category="lockout").first()
    if lockout is not None:
        finding_review(finding_id=lockout.pk, actor=auditor,
                       comment="本人に電話で確認。パスワードを忘れて何度も試したとのこと。"
                               "外部からのアドレスは自宅回線。問題なし。")  # fmt: skip
    monthly.make(month, made_by="nightly")
