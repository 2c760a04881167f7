"""消去報告書: what the retention purge and erasures on request removed, kept as the report the
ward files (issue 21). Append-only, like the audit trail: a report is never edited."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audit.models import AppendOnlyModel


class Basis(models.TextChoices):
    RETENTION = "retention", _("Retention period expired")
    REQUEST = "request", _("Erasure on request")


class DeletionReport(AppendOnlyModel):
    """One run of the purge, or one erasure on request: the categories and counts, the erased
    people as keyed hashes (lifecycle.services.person_hash: no names), the legal basis, who ran
    it and when — with the PDF and CSV made then."""

    ran_at = models.DateTimeField(_("erased at"), default=timezone.now)
    ran_by = models.CharField(_("run by"), max_length=64)  # a login ID, or "nightly"/"command"
    basis = models.CharField(_("basis"), max_length=16, choices=Basis.choices)
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    counts = models.JSONField(_("counts"), default=dict)  # category -> number
    erased = models.JSONField(default=list)  # [{"category", "hash"}]
    pdf = models.BinaryField()
    csv = models.BinaryField()

    class Meta:
        verbose_name = _("deletion report")
        verbose_name_plural = _("deletion reports")
        ordering = ["-ran_at", "-id"]
        default_permissions = ("view",)

    def __str__(self) -> str:
        return f"消去報告書 {self.number}"

    @property
    def number(self) -> str:
        """The report's number, from the moment it was made (known before the row is)."""
        return timezone.localtime(self.ran_at).strftime("%Y%m%d-%H%M%S")


class Erasure(AppendOnlyModel):
    """A person erased: the registry id the row had and the keyed hash of who they were. Also
    written to the erasure journal outside the database (ERASURE_JOURNAL), so a restored backup
    taken before it can be erased again (lifecycle.services.erasures_reapply)."""

    erased_at = models.DateTimeField(_("erased at"), default=timezone.now)
    trainee_id = models.BigIntegerField(_("registry id"))
    person_hash = models.CharField(_("keyed hash"), max_length=64, db_index=True)
    report = models.ForeignKey(DeletionReport, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("erasure")
        verbose_name_plural = _("erasures")
        ordering = ["-erased_at", "-id"]
        default_permissions = ("view",)

    def __str__(self) -> str:
        return f"{self.erased_at:%Y-%m-%d} {self.person_hash[:12]}"


class BackupRun(AppendOnlyModel):
    """One backup (scheduled or by command): whether it succeeded, its file and size — the
    evidence the auditor's checklist shows, and what the log analysis watches."""

    ran_at = models.DateTimeField(_("ran at"), default=timezone.now)
    source = models.CharField(_("run by"), max_length=16)  # "nightly" or "command"
    ok = models.BooleanField(_("succeeded"))
    file_name = models.CharField(_("file"), max_length=200, blank=True)
    size = models.PositiveBigIntegerField(_("size (bytes)"), default=0)
    seconds = models.FloatField(_("seconds"), default=0)
    error = models.CharField(_("error"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("backup")
        verbose_name_plural = _("backups")
        ordering = ["-ran_at", "-id"]
        default_permissions = ("view",)

    def __str__(self) -> str:
        return f"{self.ran_at:%Y-%m-%d %H:%M} {'ok' if self.ok else 'FAILED'}"
