"""The audit event kinds this app writes (registered at start-up: audit/kinds.py)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class EnrollmentsEventKind(models.TextChoices):
    QUOTA_CHANGED = "quota.changed", _("Organisation quota changed")
    SESSION_EXPORTED = "session.exported", _("Session list exported")
    ORDER_ISSUED = "order.issued", _("Training order issued")
    ORDER_RESENT = "order.resent", _("Order e-mails queued again")
    REMINDERS_SENT = "reminders.sent", _("Reminders sent")
    ENROLLMENT_APPLIED = "enrollment.applied", _("Application")
    ENROLLMENT_NOMINATED = "enrollment.nominated", _("Nomination")
    ENROLLMENT_WITHDRAWN = "enrollment.withdrawn", _("Nomination withdrawn")
    ENROLLMENT_SUBSTITUTED = "enrollment.substituted", _("Substitute named")
    ENROLLMENT_DECIDED = "enrollment.decided", _("Decision")
    ENROLLMENT_LOTTERY = "enrollment.lottery", _("Lottery drawn")
    ENROLLMENT_PROMOTED = "enrollment.promoted", _("Promoted from the waiting list")
    ENROLLMENT_CANCELLED = "enrollment.cancelled", _("Place cancelled")
    ENROLLMENT_MOVED = "enrollment.moved", _("Moved to another session")
    SESSION_CANCELLED = "session.cancelled", _("Session cancelled (中止), everyone told")
    SESSION_CHANGE_TOLD = "session.change_told", _("Session changed, everyone told")
    ANNOUNCEMENT_SENT = "announcement.sent", _("Announcement (お知らせ) sent")
    ENROLLMENT_CHANGE_REQUESTED = "enrollment.change_requested", _("Change of session requested")
    ENROLLMENT_CHANGE_DECIDED = "enrollment.change_decided", _("Change request decided")
    ENROLLMENT_ABSENCE = "enrollment.absence", _("Absence notice")
    ENROLLMENT_FORGED_REQUEST = (
        "enrollment.forged_request",
        _("Request for someone else's enrolment"),
    )
    ATTENDANCE_RECORDED = "attendance.recorded", _("Attendance recorded")
    ATTENDANCE_IMPORTED = "attendance.imported", _("Attendance recorded from a sign-in sheet file")
    CHECK_IN_CODE_ISSUED = "attendance.check_in_code", _("Check-in code issued")
    APPROVAL_ANSWERED = (
        "enrollment.approval_answered",
        _("Application approved, declined or returned (所属長承認)"),
    )
    APPROVAL_RESUBMITTED = "enrollment.approval_resubmitted", _("Returned application sent again")
    APPROVAL_EXPIRED = "enrollment.approval_expired", _("Approval not answered by the deadline")
    STATUS_IMPORTED = "enrollment.status_imported", _("Places changed from a list")
