"""The audit trail: one AccessLog row per request and one AuditEvent per security or data event.

Both are append-only from the application's point of view: the ORM refuses updates and deletes,
and on PostgreSQL a trigger refuses them too (see migration 0002). Rows name the user by id and
keep a snapshot of the login ID, so they stay readable after an account is removed; there is no
database foreign key for the same reason.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AppendOnlyError(RuntimeError):
    pass


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs: Any) -> int:
        raise AppendOnlyError(f"{self.model.__name__} rows cannot be changed.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError(f"{self.model.__name__} rows cannot be deleted.")


class AppendOnlyModel(models.Model):
    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AppendOnlyError(f"{type(self).__name__} rows cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError(f"{type(self).__name__} rows cannot be deleted.")


def _user_fk(related_name: str, verbose_name: Any) -> models.ForeignKey:
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=verbose_name,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name=related_name,
    )


class AccessLog(AppendOnlyModel):
    """One request. Query-string values and request bodies are never stored: they can hold
    personal data (a searched name, a form field). Query-string keys are kept."""

    occurred_at = models.DateTimeField(_("time"), default=timezone.now)
    request_id = models.UUIDField(_("request ID"))
    user = _user_fk("+", _("user"))
    username = models.CharField(_("login ID"), max_length=64, blank=True)
    roles = models.CharField(_("roles"), max_length=100, blank=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    method = models.CharField(_("method"), max_length=10)
    path = models.CharField(_("path"), max_length=2000)
    query_keys = models.CharField(_("query keys"), max_length=500, blank=True)
    view_name = models.CharField(_("view"), max_length=200, blank=True)
    status_code = models.PositiveSmallIntegerField(_("status"))
    duration_ms = models.FloatField(_("duration (ms)"))

    class Meta:
        verbose_name = _("access log entry")
        verbose_name_plural = _("access log")
        ordering = ["-occurred_at", "-id"]
        default_permissions = ("view",)
        indexes = [
            models.Index(fields=["-occurred_at"], name="accesslog_time"),
            models.Index(fields=["user", "-occurred_at"], name="accesslog_user_time"),
        ]

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d %H:%M:%S} {self.method} {self.path} {self.status_code}"


class AuditEventKind(models.TextChoices):
    LOGIN_SUCCEEDED = "login.succeeded", _("Login succeeded")
    LOGIN_FAILED = "login.failed", _("Login failed")
    LOGIN_RATE_LIMITED = "login.rate_limited", _("Login locked out (too many failures)")
    LOGOUT = "logout", _("Logout")
    MFA_ADDED = "mfa.added", _("MFA set up")
    MFA_REMOVED = "mfa.removed", _("MFA removed")
    MFA_RECOVERY_CODES_RESET = "mfa.reset", _("MFA recovery codes regenerated")
    MFA_FAILED = "mfa.failed", _("MFA code rejected")
    MFA_REENCRYPTED = "mfa.reencrypted", _("Authenticator secrets re-encrypted under a new key")
    PASSWORD_RESET_REQUESTED = "password.reset_requested", _("Password reset requested")
    PASSWORD_RESET_COMPLETED = "password.reset_completed", _("Password reset completed")
    PASSWORD_CHANGED = "password.changed", _("Password changed")
    ACCOUNT_PROVISIONED = "account.provisioned", _("Account provisioned")
    ACCOUNT_UPDATED = "account.updated", _("Account updated")
    ACCOUNT_INVITED = "account.invited", _("Invitation sent")
    AUDIT_EXPORTED = "audit.exported", _("Audit events exported")
    ACCOUNT_ROLES_CHANGED = "account.roles_changed", _("Roles changed")
    ACCOUNT_EMAIL_CHANGED = "account.email_changed", _("E-mail address changed")
    ACCOUNT_PASSWORD_SET = "account.password_set", _("Password set by an administrator")
    ACCOUNT_ACTIVE_CHANGED = "account.active_changed", _("Account enabled or disabled")
    ROSTER_IMPORTED = "roster.imported", _("Roster imported")
    TRAINEES_EXPORTED = "trainees.exported", _("Registry exported")
    COURSE_CREATED = "course.created", _("Course created")
    COURSE_UPDATED = "course.updated", _("Course updated")
    COURSE_COPIED = "course.copied", _("Course copied to the next fiscal year")
    VENUE_SAVED = "venue.saved", _("Venue saved")
    QUOTA_CHANGED = "quota.changed", _("Organisation quota changed")
    TEMPLATE_SAVED = "template.saved", _("Notification template saved")
    SESSION_CREATED = "session.created", _("Session created")
    SESSION_UPDATED = "session.updated", _("Session updated")
    TARGETS_RULE_SAVED = "targets.rule_saved", _("Target conditions saved")
    TARGETS_FROZEN = "targets.frozen", _("Target list frozen")
    TARGETS_ADDED = "targets.added", _("Added to the target list")
    TARGETS_REMOVED = "targets.removed", _("Removed from the target list")
    MATERIAL_ADDED = "material.added", _("Material added")
    MATERIAL_UPDATED = "material.updated", _("Material updated")
    MATERIAL_MOVED = "material.moved", _("Material moved")
    MATERIAL_DELETED = "material.deleted", _("Material removed")
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
    ENROLLMENT_CHANGE_REQUESTED = "enrollment.change_requested", _("Change of session requested")
    ENROLLMENT_CHANGE_DECIDED = "enrollment.change_decided", _("Change request decided")
    ENROLLMENT_ABSENCE = "enrollment.absence", _("Absence notice")
    ENROLLMENT_FORGED_REQUEST = (
        "enrollment.forged_request",
        _("Request for someone else's enrolment"),
    )
    ATTENDANCE_RECORDED = "attendance.recorded", _("Attendance recorded")
    TEST_SAVED = "test.saved", _("Test saved")
    TEST_QUESTION_SAVED = "test.question_saved", _("Test question saved")
    TEST_QUESTION_REMOVED = "test.question_removed", _("Test question removed")
    TEST_BANK_IMPORTED = "test.bank_imported", _("Question bank imported")
    ATTEMPT_STARTED = "attempt.started", _("Test attempt started")
    ATTEMPT_SUBMITTED = "attempt.submitted", _("Test attempt submitted")
    ATTEMPT_ADJUSTED = "attempt.adjusted", _("Test score adjusted")
    ASSESSMENT_REFUSED = "assessment.refused", _("Forged or refused answer")
    SURVEY_SAVED = "survey.saved", _("Survey saved")
    SURVEY_ANSWERED = "survey.answered", _("Survey answered")
    SURVEY_RELEASED = "survey.released", _("Anonymous survey answers released as a batch")
    SURVEY_REMINDED = "survey.reminded", _("Survey reminders sent")
    REPORT_FORM_SAVED = "report.form_saved", _("Report form saved")
    REPORT_SUBMITTED = "report.submitted", _("Completion report submitted")
    REPORT_REVIEWED = "report.reviewed", _("Completion report reviewed")
    ASSESSMENT_EXPORTED = "assessment.exported", _("Assessment results exported")
    HISTORY_EXPORTED = "history.exported", _("Training history exported")
    HISTORY_RECORD_ADDED = "history.record_added", _("Training history record added")
    HISTORY_RECORD_CORRECTED = "history.record_corrected", _("Training history record corrected")
    HISTORY_RECORD_REMOVED = "history.record_removed", _("Training history record removed")
    HISTORY_IMPORTED = "history.imported", _("Training history imported")
    DASHBOARD_EXPORTED = "dashboard.exported", _("Dashboard table exported")
    CERTIFICATE_ISSUED = "certificate.issued", _("Certificate of completion issued")
    CERTIFICATE_REVOKED = "certificate.revoked", _("Certificate of completion revoked")
    CERTIFICATE_BATCH = "certificate.batch", _("Certificates of a session requested")
    CERTIFICATE_AUTHORITY_CHANGED = "certificate.authority", _("Certificate issuer changed")


class AuditEvent(AppendOnlyModel):
    """A security or data event: who (user), to whom (subject_user), what (kind), details."""

    occurred_at = models.DateTimeField(_("time"), default=timezone.now)
    request_id = models.UUIDField(_("request ID"), null=True, blank=True)
    kind = models.CharField(_("event"), max_length=64, choices=AuditEventKind.choices)
    user = _user_fk("+", _("user"))
    username = models.CharField(_("login ID"), max_length=64, blank=True)
    subject_user = _user_fk("+", _("subject"))
    # The login ID typed on a failed login (never the password).
    login_id = models.CharField(_("login ID tried"), max_length=254, blank=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    detail = models.JSONField(_("detail"), default=dict, blank=True)

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["-occurred_at", "-id"]
        default_permissions = ("view",)
        indexes = [
            models.Index(fields=["-occurred_at"], name="auditevent_time"),
            models.Index(fields=["kind", "-occurred_at"], name="auditevent_kind_time"),
            models.Index(fields=["user", "-occurred_at"], name="auditevent_user_time"),
        ]

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d %H:%M:%S} {self.kind}"
