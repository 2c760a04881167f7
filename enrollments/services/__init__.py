"""Writes for the enrolment lifecycle, by concern:

- seats: the session lock and the seat count it guards (the capacity invariant);
- status: the status machine (history, seats, waiting list) every change goes through;
- applications, approvals (所属長承認), nominations, decisions: who asks for a place, who
  approves it and how HR answers;
- orders: target lists and training orders (for ordered courses the order is the decision);
- attendance, completion as stored (progress/ decides it), reminders, notifications, sessions (HR's
  edits that touch seats).

Every change writes an EnrollmentEvent (who, when, from, to, why) and an audit event in the same
transaction; notices go out through the notices app after commit. The names below are the
package's interface: callers import them from here.
"""

from __future__ import annotations

from enrollments.services.announcements import (
    announcement_preview,
    announcement_recipients,
    announcement_send,
)
from enrollments.services.applications import (
    absence_notify,
    change_request_decide,
    enrollment_apply,
    enrollment_cancel,
    enrollment_change,
)
from enrollments.services.approvals import (
    approval_resubmit,
    approvals_answer,
    approvals_remind_and_expire,
)
from enrollments.services.attendance import (
    attendance_all_present,
    attendance_allowed,
    attendance_record,
    check_in,
    check_in_code_for,
    check_in_window,
    day_not_started,
)
from enrollments.services.completion import completion_store
from enrollments.services.decisions import (
    LOTTERY_JOB,
    enrollments_decide,
    lottery_draw,
    lottery_entrants,
    lottery_groups,
    lottery_run,
    lottery_start,
    lottery_summary,
)
from enrollments.services.history import enrollments_stamp_organisation
from enrollments.services.nominations import (
    enrollment_nominate,
    enrollments_nominate,
    nomination_substitute,
    nomination_withdraw,
)
from enrollments.services.notifications import decision_notices_send
from enrollments.services.orders import (
    enrollments_order,
    order_issue,
    order_number_next,
    order_resend_failed,
    target_list_freeze,
)
from enrollments.services.quotas import quota_remove, quota_set
from enrollments.services.reminders import reminders_send
from enrollments.services.seats import (
    free_seats,
    session_lock,
    session_seats_release,
    session_seats_take,
)
from enrollments.services.sessions import (
    cancelled_place_movable,
    enrollment_move_to_replacement,
    session_cancel,
    session_save,
)
from enrollments.services.status import EnrollmentRefused, waitlist_promote

__all__ = [
    "LOTTERY_JOB",
    "EnrollmentRefused",
    "absence_notify",
    "announcement_preview",
    "announcement_recipients",
    "announcement_send",
    "approval_resubmit",
    "approvals_answer",
    "approvals_remind_and_expire",
    "attendance_all_present",
    "attendance_allowed",
    "attendance_record",
    "cancelled_place_movable",
    "change_request_decide",
    "check_in",
    "check_in_code_for",
    "check_in_window",
    "completion_store",
    "day_not_started",
    "decision_notices_send",
    "enrollment_apply",
    "enrollment_cancel",
    "enrollment_change",
    "enrollment_move_to_replacement",
    "enrollment_nominate",
    "enrollments_decide",
    "enrollments_nominate",
    "enrollments_order",
    "enrollments_stamp_organisation",
    "free_seats",
    "lottery_draw",
    "lottery_entrants",
    "lottery_groups",
    "lottery_run",
    "lottery_start",
    "lottery_summary",
    "nomination_substitute",
    "nomination_withdraw",
    "order_issue",
    "order_number_next",
    "order_resend_failed",
    "quota_remove",
    "quota_set",
    "reminders_send",
    "session_cancel",
    "session_lock",
    "session_save",
    "session_seats_release",
    "session_seats_take",
    "target_list_freeze",
    "waitlist_promote",
]
