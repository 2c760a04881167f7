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

from audit import kinds


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
    """The audit app's own kinds: authentication and the audit export. Every other app declares
    its own (``<app>/audit_kinds.py``) and registers it: audit/kinds.py."""

    LOGIN_SUCCEEDED = "login.succeeded", _("Login succeeded")
    LOGIN_FAILED = "login.failed", _("Login failed")
    LOGIN_RATE_LIMITED = "login.rate_limited", _("Login locked out (too many failures)")
    LOGOUT = "logout", _("Logout")
    MFA_ADDED = "mfa.added", _("MFA set up")
    MFA_REMOVED = "mfa.removed", _("MFA removed")
    MFA_RECOVERY_CODES_RESET = "mfa.reset", _("MFA recovery codes regenerated")
    MFA_FAILED = "mfa.failed", _("MFA code rejected")
    PASSWORD_RESET_REQUESTED = "password.reset_requested", _("Password reset requested")
    PASSWORD_RESET_COMPLETED = "password.reset_completed", _("Password reset completed")
    PASSWORD_CHANGED = "password.changed", _("Password changed")
    AUDIT_EXPORTED = "audit.exported", _("Audit events exported")
    ACCOUNT_EMAIL_CHANGED = "account.email_changed", _("E-mail address changed")
    CSRF_REFUSED = "request.csrf_refused", _("Forged form refused (CSRF)")
    UPLOAD_INFECTED = "upload.infected", _("Upload refused: virus found")
    UPLOAD_NOT_SCANNED = "upload.not_scanned", _("Upload refused: could not be scanned")
    FINDING_REVIEWED = "audit.finding_reviewed", _("Log analysis finding reviewed")
    MONTHLY_REPORT_MADE = "audit.report_made", _("Monthly audit report made")
    AUDIT_DOCUMENT_DOWNLOADED = (
        "audit.document_downloaded",
        _("Audit report or checklist downloaded"),
    )


class AuditEvent(AppendOnlyModel):
    """A security or data event: who (user), to whom (subject_user), what (kind), details."""

    occurred_at = models.DateTimeField(_("time"), default=timezone.now)
    request_id = models.UUIDField(_("request ID"), null=True, blank=True)
    # No choices: the kinds are registered by the apps that write them (audit/kinds.py), so a new
    # kind needs no migration.
    kind = models.CharField(_("event"), max_length=64)
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

    @property
    def kind_label(self) -> Any:
        """The kind in the reader's language (audit/kinds.py)."""
        return kinds.label_of(self.kind)


class ChainSeal(AppendOnlyModel):
    """One link of an audit table's hash chain (issue 20): a run of rows sealed in id order.

    Each row's hash is SHA-256 over the previous row's hash and the row's canonical form
    (audit/chain.py); the seal keeps every row's hash, so a verification names the first row
    that no longer matches, and its last hash is the chain's head. A seal's `prev_hash` is the
    previous seal's `hash` and unique per table: two sealers can never fork the chain."""

    log = models.CharField(_("log"), max_length=8)
    first_id = models.BigIntegerField(_("first row"))
    last_id = models.BigIntegerField(_("last row"))
    rows = models.PositiveIntegerField(_("rows"))
    ids = models.JSONField(default=list)  # the sealed rows' ids, in chain order
    hashes = models.BinaryField()  # 32 bytes per row, in the same order
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(_("head"), max_length=64)
    sealed_at = models.DateTimeField(_("sealed at"), default=timezone.now)

    class Meta:
        verbose_name = _("chain seal")
        verbose_name_plural = _("chain seals")
        ordering = ["log", "first_id"]
        default_permissions = ("view",)
        constraints = [
            models.UniqueConstraint(fields=["log", "prev_hash"], name="chainseal_one_chain"),
            models.UniqueConstraint(fields=["log", "first_id"], name="chainseal_first_row"),
        ]

    def __str__(self) -> str:
        return f"{self.log} {self.first_id}–{self.last_id} {self.hash[:12]}"


class ChainVerification(AppendOnlyModel):
    """One verification of the hash chains (nightly, or `manage.py verify_audit`): its verdict
    and the first breaks, kept for the auditors' page and the monthly record."""

    verified_at = models.DateTimeField(_("verified at"), default=timezone.now)
    source = models.CharField(_("run by"), max_length=16)  # "nightly" or "command"
    intact = models.BooleanField(_("intact"))
    rows = models.PositiveBigIntegerField(_("rows"))
    seals = models.PositiveIntegerField(_("seals"))
    seconds = models.FloatField(_("seconds"))
    breaks = models.JSONField(default=list, blank=True)  # the first 50: {"log", "row", "what"}
    heads = models.JSONField(default=dict, blank=True)  # log -> {"row", "hash"}

    class Meta:
        verbose_name = _("chain verification")
        verbose_name_plural = _("chain verifications")
        ordering = ["-verified_at", "-id"]
        default_permissions = ("view",)

    def __str__(self) -> str:
        return f"{self.verified_at:%Y-%m-%d %H:%M} {'intact' if self.intact else 'BROKEN'}"


class SubjectView(AppendOnlyModel):
    """閲覧記録: someone saw a person's data — their registry record, history, answers, a
    report, a certificate — through a page of the portal (never their own). `subject_id` is the
    person's registry id (trainees.Trainee; no foreign key: the audit trail outlives them)."""

    viewed_at = models.DateTimeField(_("time"), default=timezone.now)
    request_id = models.UUIDField(_("request ID"), null=True, blank=True)
    user = _user_fk("+", _("viewer"))
    username = models.CharField(_("login ID"), max_length=64, blank=True)
    viewer_name = models.CharField(_("viewer"), max_length=150, blank=True)
    roles = models.CharField(_("roles"), max_length=100, blank=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    subject_id = models.BigIntegerField(_("whose data"))
    what = models.CharField(_("what"), max_length=32)
    path = models.CharField(_("path"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("view of personal data")
        verbose_name_plural = _("views of personal data")
        ordering = ["-viewed_at", "-id"]
        default_permissions = ("view",)
        indexes = [models.Index(fields=["subject_id", "-viewed_at"], name="subjectview_subject")]

    def __str__(self) -> str:
        return f"{self.viewed_at:%Y-%m-%d %H:%M} {self.username} → {self.subject_id} {self.what}"


class AnalysisRun(AppendOnlyModel):
    """One run of the daily log analysis (定期的な分析) over one day: when, by what, how many
    findings — the record that the analysis happened, kept even when it found nothing."""

    day = models.DateField(_("day analysed"))
    ran_at = models.DateTimeField(_("ran at"), default=timezone.now)
    source = models.CharField(_("run by"), max_length=16)  # "nightly" or "command"
    findings = models.PositiveIntegerField(_("findings"))
    new_findings = models.PositiveIntegerField(_("new findings"))
    new_finding_ids = models.JSONField(default=list, blank=True)  # for the day's digest
    seconds = models.FloatField(_("seconds"))
    # audit.services.write_failures() when the run ended: a rise since the last run is a finding.
    write_failures = models.PositiveBigIntegerField(default=0)

    class Meta:
        verbose_name = _("log analysis run")
        verbose_name_plural = _("log analysis runs")
        ordering = ["-ran_at", "-id"]
        default_permissions = ("view",)

    def __str__(self) -> str:
        return f"{self.day} {self.findings}"


class Finding(models.Model):
    """Something the log analysis found on one day (audit/analysis.py), for an auditor to look
    at and mark reviewed with a comment. The finding itself is never edited: only its review is
    written, once, through audit.services.finding_review (an audit event of its own)."""

    day = models.DateField(_("day"))
    category = models.CharField(_("category"), max_length=32)
    key = models.CharField(_("about"), max_length=200)  # the account, address or user concerned
    count = models.PositiveIntegerField(_("count"))
    detail = models.JSONField(_("detail"), default=dict, blank=True)
    found_at = models.DateTimeField(_("found at"), default=timezone.now)
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    reviewed_by = _user_fk("+", _("reviewed by"))
    reviewer_name = models.CharField(_("reviewed by"), max_length=150, blank=True)
    review_comment = models.TextField(_("review comment"), blank=True, max_length=2000)

    class Meta:
        verbose_name = _("log analysis finding")
        verbose_name_plural = _("log analysis findings")
        ordering = ["-day", "category", "key"]
        default_permissions = ("view", "change")
        constraints = [
            models.UniqueConstraint(fields=["day", "category", "key"], name="finding_once"),
        ]
        indexes = [models.Index(fields=["reviewed_at", "-day"], name="finding_open")]

    def __str__(self) -> str:
        return f"{self.day} {self.category} {self.key}"


class MonthlyReport(AppendOnlyModel):
    """定期的な分析の記録: one calendar month of the trail summarised (audit/monthly.py), kept
    as the PDF and CSV that were made — what the ward files. Made again, a month gets a new
    row; the list shows the latest."""

    month = models.DateField(_("month"))  # its first day
    made_at = models.DateTimeField(_("made at"), default=timezone.now)
    made_by = models.CharField(_("made by"), max_length=64, blank=True)  # login ID, or "nightly"
    pdf = models.BinaryField()
    csv = models.BinaryField()
    summary = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("monthly audit report")
        verbose_name_plural = _("monthly audit reports")
        ordering = ["-month", "-made_at"]
        default_permissions = ("view",)

    def __str__(self) -> str:
        return f"{self.month:%Y-%m}"


class ChainCut(AppendOnlyModel):
    """Where the retention purge cut a hash chain (issue 20, used by issue 21's purge): the
    rows up to `last_id` and their seals were removed, and `hash` is the head the chain had at
    that row. Verification starts there: the first remaining seal must follow `hash`. A kept
    head at the cut is checked against it; one before it is reported as no longer checkable."""

    log = models.CharField(_("log"), max_length=8)
    last_id = models.BigIntegerField(_("last row removed"))
    hash = models.CharField(_("head at the cut"), max_length=64)
    rows = models.PositiveBigIntegerField(_("rows removed"))
    cut_at = models.DateTimeField(_("cut at"), default=timezone.now)
    reason = models.CharField(_("reason"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("chain cut")
        verbose_name_plural = _("chain cuts")
        ordering = ["log", "-last_id"]
        default_permissions = ("view",)
        constraints = [
            models.UniqueConstraint(fields=["log", "last_id"], name="chaincut_once"),
        ]

    def __str__(self) -> str:
        return f"{self.log} ≤{self.last_id} {self.hash[:12]}"
