"""Training history kept by HR (受講履歴管理): training taken outside the portal — 派遣研修 at
自治大学校, 市町村アカデミー, 東京都の研修 … — and records from before the portal. A trainee's
history is their places in the portal's sessions together with these records. A record is never
deleted: a correction or a removal is a change with its reason, kept with the record."""

from __future__ import annotations

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from courses.models import Category
from lib.imports import FileImport


class Outcome(models.TextChoices):
    COMPLETED = "completed", _("Completed")
    INCOMPLETE = "incomplete", _("Not completed")
    ABSENT = "absent", _("Absent")
    CANCELLED = "cancelled", _("Cancelled")


class HistoryRecord(models.Model):
    """One training in a trainee's history that did not take place in a portal session."""

    class Source(models.TextChoices):
        MANUAL = "manual", _("Entered by HR")
        IMPORT = "import", _("Imported")

    trainee = models.ForeignKey(
        "trainees.Trainee",
        verbose_name=_("trainee"),
        on_delete=models.PROTECT,
        related_name="history_records",
    )
    fiscal_year = models.PositiveSmallIntegerField(
        _("fiscal year"), validators=[MinValueValidator(1950), MaxValueValidator(2100)]
    )
    title = models.CharField(_("title"), max_length=200)
    provider = models.CharField(
        _("provided by"),
        max_length=200,
        blank=True,
        help_text=_("自治大学校, 市町村アカデミー, 東京都職員研修所 …"),
    )
    category = models.CharField(
        _("category"), max_length=16, choices=Category.choices, default=Category.SECONDMENT
    )
    started_on = models.DateField(_("first day"))
    ended_on = models.DateField(_("last day"))
    hours = models.DecimalField(
        _("hours"),
        max_digits=6,
        decimal_places=1,
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(9999))],
    )
    outcome = models.CharField(
        _("result"), max_length=12, choices=Outcome.choices, default=Outcome.COMPLETED
    )
    # Where the trainee belonged then (the organisation and its name on that day).
    organisation = models.ForeignKey(
        "trainees.Organisation",
        verbose_name=_("organisation at the time"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    organisation_name = models.CharField(
        _("organisation name at the time"), max_length=200, blank=True
    )
    note = models.CharField(_("note"), max_length=500, blank=True)
    source = models.CharField(_("source"), max_length=8, choices=Source.choices)
    created_at = models.DateTimeField(_("recorded"), default=timezone.now)
    removed_at = models.DateTimeField(_("removed"), null=True, blank=True)

    class Meta:
        verbose_name = _("history record")
        verbose_name_plural = _("history records")
        ordering = ["-started_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ended_on__gte=models.F("started_on")),
                name="history_record_dates_in_order",
                violation_error_message=_("The last day cannot be before the first day."),
            ),
        ]
        indexes = [models.Index(fields=["trainee", "fiscal_year"], name="history_trainee_year")]

    def __str__(self) -> str:
        return f"{self.fiscal_year} {self.title}"


class HistoryRecordChange(models.Model):
    """Who added, corrected or removed a record, when, why, and what the fields were before."""

    class Kind(models.TextChoices):
        ADDED = "added", _("Added")
        CORRECTED = "corrected", _("Corrected")
        REMOVED = "removed", _("Removed")

    record = models.ForeignKey(HistoryRecord, on_delete=models.PROTECT, related_name="changes")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    reason = models.CharField(_("reason"), max_length=300)
    # {"field": [old, new]} for a correction; the record's fields for an addition.
    changes = models.JSONField(_("changes"), default=dict, blank=True)
    changed_by = models.ForeignKey(
        "trainees.User",
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    changed_at = models.DateTimeField(_("when"), default=timezone.now)

    class Meta:
        verbose_name = _("history record change")
        verbose_name_plural = _("history record changes")
        ordering = ["-changed_at", "-id"]

    def __str__(self) -> str:
        return f"{self.record_id} {self.kind}"


class IssuingAuthority(models.Model):
    """Who issues the certificates of completion (修了証): the name printed above the seal and
    the seal image HR uploads. One row (the latest is used)."""

    name = models.CharField(
        _("issued by"), max_length=100, help_text=_("e.g. 新宿区人材育成センター所長")
    )
    # The seal, re-encoded as PNG when uploaded (no metadata; at most SEAL_MAX_BYTES).
    seal_png = models.BinaryField(_("seal image"), blank=True, default=b"")
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)
    updated_by = models.ForeignKey(
        "trainees.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("issuing authority")
        verbose_name_plural = _("issuing authority")

    def __str__(self) -> str:
        return self.name


class Certificate(models.Model):
    """A certificate of completion for one completed place. What it says is kept as it was
    issued (the verification page shows that, not today's registry)."""

    enrollment = models.OneToOneField(
        "enrollments.Enrollment", on_delete=models.PROTECT, related_name="certificate"
    )
    number = models.CharField(_("certificate number"), max_length=20, unique=True)
    trainee_name = models.CharField(_("name"), max_length=100)
    course_title = models.CharField(_("course"), max_length=200)
    first_day = models.DateField(_("first day"))
    last_day = models.DateField(_("last day"))
    hours = models.DecimalField(_("hours"), max_digits=6, decimal_places=1)
    # 有効期限 of the completion (where the course's completions expire), printed on it.
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    issued_by = models.CharField(_("issued by"), max_length=100)
    issued_on = models.DateField(_("issued on"))
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    revoked_reason = models.CharField(_("reason for revoking"), max_length=300, blank=True)
    revoked_by = models.ForeignKey(
        "trainees.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("certificate of completion")
        verbose_name_plural = _("certificates of completion")
        ordering = ["number"]

    def __str__(self) -> str:
        return self.number

    @property
    def expired(self) -> bool:
        return self.valid_until is not None and self.valid_until < timezone.localdate()


class HistoryImport(FileImport):
    """A file of past history (records from before the portal, or from outside it), previewed
    and then committed whole — or not at all (lib.imports.FileImport: the file, its problems,
    who confirmed it)."""

    class Status(models.TextChoices):
        INVALID = "invalid", _("Has errors")
        PREVIEWED = "previewed", _("Checked, awaiting confirmation")
        COMMITTED = "committed", _("Added to the history")

    status = models.CharField(_("status"), max_length=16, choices=Status.choices)
    # The records to add, as checked (reports.history_import.PlannedRecord, one per line).
    plan = models.JSONField(default=list, blank=True)

    class Meta:
        verbose_name = _("history import")
        verbose_name_plural = _("history imports")
        ordering = ["-uploaded_at", "-id"]


class DataChange(models.Model):
    """That a transaction changed a table the dashboards count from. Written by PostgreSQL's
    triggers on those tables (migration 0007) — so by every writer: the services, COPY, a bulk
    update, the admin, a hand-typed SQL statement — one row per table per transaction, in that
    transaction. A table's rows therefore sum to a number that grows exactly when such a
    transaction commits, and reports.freshness keeps figures in the cache under that number.
    Compacted to one row per table every hour (the sum kept); a restore adds a random step so
    that no figure kept before it is taken for the restored data."""

    table = models.CharField(max_length=63)
    n = models.BigIntegerField()

    class Meta:
        indexes = [models.Index(fields=["table"], include=["n"], name="datachange_table_sum")]

    def __str__(self) -> str:
        return f"{self.table} +{self.n}"
