from __future__ import annotations

import datetime
from functools import cached_property

from django.contrib.auth.models import AbstractUser
from django.contrib.auth.validators import ASCIIUsernameValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from lib.imports import FileImport
from trainees.roles import MFA_REQUIRED_ROLES, Role


class Organisation(models.Model):
    """所属: a ward department/section/unit (部 > 課 > 係), or an affiliated external organisation.

    Organisations are never deleted: training history refers to them after a reorganisation.
    """

    code = models.CharField(_("organisation code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=200)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent organisation"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    is_external = models.BooleanField(
        _("external organisation"),
        default=False,
        help_text=_(
            "An affiliated organisation (社会福祉協議会, 財団 …) whose staff attend ward courses."
        ),
    )
    is_active = models.BooleanField(_("active"), default=True)
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    # A merged (統合) organisation points to the one that took it over: history recorded under
    # the old name is shown with the organisation "as it is now".
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("merged into"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="merged_from",
    )

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(valid_to__isnull=True)
                | models.Q(valid_from__isnull=True)
                | models.Q(valid_to__gte=models.F("valid_from")),
                name="organisation_valid_range",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def current(self) -> Organisation:
        """The organisation this one is today: itself, or what it was merged into (followed
        through successive mergers)."""
        organisation, seen = self, {self.pk}
        while organisation.merged_into_id and organisation.merged_into_id not in seen:
            organisation = organisation.merged_into  # type: ignore[assignment]
            seen.add(organisation.pk)
        return organisation


def user_display(user: User) -> str:
    """How allauth and the templates name a person: their name, else their login ID."""
    return user.full_name or user.username


class User(AbstractUser):
    """An account. Ward staff log in with their staff number (職員番号), anyone with their e-mail.

    Accounts are provisioned by HR (``manage.py create_account``, the admin, later the roster
    import); there is no public sign-up. Roles are Django groups, see ``trainees.roles``.
    """

    username_validator = ASCIIUsernameValidator()  # type: ignore[assignment] # stricter on purpose

    username = models.CharField(
        _("login ID"),
        max_length=64,
        unique=True,
        help_text=_("Staff number for ward staff. Letters, digits and @ . + - _ only."),
        validators=[username_validator],
        error_messages={"unique": _("An account with this login ID already exists.")},
    )
    # One name field, as the roster has it (Django's documented way to drop a field).
    first_name = None  # type: ignore[assignment]
    last_name = None  # type: ignore[assignment]
    full_name = models.CharField(_("full name"), max_length=150, blank=True)
    language = models.CharField(
        _("language"),
        max_length=8,
        blank=True,
        choices=[("ja", "日本語"), ("en", "English")],
        help_text=_("The language of the portal for this person; blank follows the browser."),
    )
    coordinated_organisations = models.ManyToManyField(
        Organisation,
        verbose_name=_("organisations coordinated"),
        blank=True,
        related_name="coordinators",
        help_text=_(
            "For department coordinators: the organisations (and their sub-units) they act for."
        ),
    )

    REQUIRED_FIELDS = ["email"]

    class Meta:
        verbose_name = _("user account")
        verbose_name_plural = _("user accounts")
        ordering = ["username"]
        permissions = [
            ("use_hr_console", _("Can use the HR administration pages")),
            ("use_coordinator_pages", _("Can use the department coordinator pages")),
            ("use_trainee_pages", _("Can use the trainee pages")),
        ]

    def __str__(self) -> str:
        return self.username

    def get_full_name(self) -> str:
        return self.full_name

    def get_short_name(self) -> str:
        return self.full_name

    @cached_property
    def group_names(self) -> frozenset[str]:
        """The groups this person belongs to (one query per request, then cached on the
        instance): their roles, and what their permissions come through."""
        return frozenset(self.groups.values_list("name", flat=True))

    @cached_property
    def roles(self) -> frozenset[Role]:
        """The roles this person holds."""
        valid = {role.value for role in Role}
        return frozenset(Role(name) for name in self.group_names if name in valid)

    def forget_roles(self) -> None:
        """After the groups changed: this instance reads its roles and permissions again."""
        for kept in ("group_names", "roles", "_perm_cache"):
            self.__dict__.pop(kept, None)

    def has_role(self, role: Role) -> bool:
        return role in self.roles

    @property
    def requires_mfa(self) -> bool:
        return self.is_superuser or bool(self.roles & MFA_REQUIRED_ROLES)


class EmploymentType(models.TextChoices):
    """雇用区分, as the HR system spells it (the value) — the roster file uses these words."""

    REGULAR = "正規", _("Regular")
    REAPPOINTED = "再任用", _("Reappointed")
    REEMPLOYED = "再雇用", _("Re-employed")
    FISCAL_YEAR = "会計年度", _("Fiscal-year appointee")
    FIXED_TERM = "任期付き", _("Fixed-term")
    TEMPORARY = "臨時", _("Temporary")
    EXTERNAL = "他団体", _("Other organisation")


class Gender(models.TextChoices):
    MALE = "男", _("Male")
    FEMALE = "女", _("Female")
    OTHER = "その他", _("Other")


class TraineeStatus(models.TextChoices):
    ACTIVE = "active", _("In post")
    LEFT = "left", _("Left or transferred")


class Trainee(models.Model):
    """職員 / 研修生: a person who takes training — ward staff, or staff of an affiliated
    organisation. Never deleted when they leave: their training history refers to them."""

    staff_number = models.CharField(_("staff number"), max_length=20)
    # Ward staff are unique by staff number; external staff by (organisation, staff number).
    is_external = models.BooleanField(_("external organisation staff"), default=False)
    name = models.CharField(_("name"), max_length=100)
    name_kana = models.CharField(_("name (kana)"), max_length=200, blank=True)
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="trainees",
        db_index=False,  # trainee_org_cover below leads with it
    )
    concurrent_posts = models.JSONField(
        _("concurrent posts"),
        default=list,
        blank=True,
        help_text=_("兼務先, as named in the roster."),
    )
    # 兼務先 that name an organisation (by its name or code): the coordinators of those see the
    # person among their staff (marked 兼務) and target rules may match them. Kept in step with
    # concurrent_posts by trainees.concurrent.concurrent_organisations_sync.
    concurrent_organisations = models.ManyToManyField(
        Organisation, verbose_name=_("concurrent posts (organisations)"), blank=True,
        related_name="concurrent_staff",
    )  # fmt: skip
    job_title = models.CharField(_("job title"), max_length=100, blank=True)
    job_category = models.CharField(_("job category"), max_length=100, blank=True)
    duty = models.CharField(_("duty"), max_length=100, blank=True)
    gender = models.CharField(_("gender"), max_length=8, choices=Gender.choices, blank=True)
    birth_date = models.DateField(_("birth date"), null=True, blank=True)
    # Some rosters carry 年齢 instead of a birth date: the age, and the day it was true.
    age = models.PositiveSmallIntegerField(_("age"), null=True, blank=True)
    age_as_of = models.DateField(_("age as of"), null=True, blank=True)
    hire_date = models.DateField(_("hire date"), null=True, blank=True)
    promotion_date = models.DateField(_("promotion date"), null=True, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    employment_type = models.CharField(
        _("employment type"), max_length=8, choices=EmploymentType.choices
    )
    status = models.CharField(
        _("status"), max_length=8, choices=TraineeStatus.choices, default=TraineeStatus.ACTIVE
    )
    status_changed_on = models.DateField(_("status changed on"), null=True, blank=True)
    user = models.OneToOneField(
        User,
        verbose_name=_("login account"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="trainee",
    )
    invited_at = models.DateTimeField(_("invitation sent"), null=True, blank=True)
    # Staff number, name and kana folded (NFKC, katakana, no spaces) for search as people type.
    search_text = models.CharField(max_length=400, blank=True, editable=False)
    # Set explicitly by the services (bulk writes share one timestamp; the registry
    # fingerprint of a roster preview is built on updated_at).
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)

    class Meta:
        verbose_name = _("trainee")
        verbose_name_plural = _("trainees")
        ordering = ["organisation__code", "staff_number"]
        constraints = [
            models.UniqueConstraint(
                fields=["staff_number"],
                condition=models.Q(is_external=False),
                name="trainee_ward_staff_number_unique",
            ),
            models.UniqueConstraint(
                fields=["organisation", "staff_number"],
                condition=models.Q(is_external=True),
                name="trainee_external_staff_number_unique",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "organisation"], name="trainee_status_org"),
            models.Index(fields=["employment_type"], name="trainee_employment_type"),
            # The staff in post by employment type (the hours dashboard), read from the index
            # alone: 33 → 10 ms at 100,000 staff, where the table is read whole.
            models.Index(fields=["status", "employment_type"], name="trainee_status_employment"),
            # A coordinator's staff ("of my organisations, not me": the reports to review, the
            # target lists' compliance, the places of one's staff) read from the index alone on
            # PostgreSQL: the plain index found a department's 4,858 staff at 100,000 and read
            # 2,428 pages of the table for their ids (reports to review 54 → 36 ms). SQLite has
            # no INCLUDE: there it is the plain index on the organisation (models.W040).
            models.Index(fields=["organisation"], include=["id", "user"], name="trainee_org_cover"),
        ]

    def __str__(self) -> str:
        return f"{self.staff_number} {self.name}"

    def age_on(self, day: datetime.date) -> int | None:
        """Age on ``day``: from the birth date, else from the recorded age and its as-of date."""
        if self.birth_date:
            years = day.year - self.birth_date.year
            return years - ((day.month, day.day) < (self.birth_date.month, self.birth_date.day))
        if self.age is not None and self.age_as_of:
            return (
                self.age
                + (day.year - self.age_as_of.year)
                - ((day.month, day.day) < (self.age_as_of.month, self.age_as_of.day))
            )
        return None


class TraineeChange(models.Model):
    """One change to a trainee: who, when, from where, and each field's old and new value."""

    trainee = models.ForeignKey(Trainee, on_delete=models.CASCADE, related_name="changes")
    changed_at = models.DateTimeField(_("changed at"), default=timezone.now)
    changed_by = models.ForeignKey(
        User, verbose_name=_("changed by"), null=True, blank=True, on_delete=models.SET_NULL
    )
    roster_import = models.ForeignKey(
        "RosterImport", null=True, blank=True, on_delete=models.SET_NULL, related_name="changes"
    )
    # The roster import: created / updated / deactivated; by hand (trainees.records): added /
    # edited / transferred / left / reactivated, with the reason HR gave.
    kind = models.CharField(_("kind"), max_length=16)
    changes = models.JSONField(_("changes"), default=dict)
    reason = models.CharField(_("reason"), max_length=500, blank=True, db_default="")

    class Meta:
        verbose_name = _("trainee change")
        verbose_name_plural = _("trainee changes")
        ordering = ["-changed_at", "-id"]
        indexes = [models.Index(fields=["trainee", "-changed_at"], name="traineechange_trainee")]

    def __str__(self) -> str:
        return f"{self.trainee_id} {self.kind} {self.changed_at:%Y-%m-%d %H:%M}"

    @property
    def kind_label(self) -> str:
        return str(CHANGE_KINDS.get(self.kind, self.kind))


# The kinds HR writes by hand (trainees.records); the roster import writes the first three.
HAND_CHANGE_KINDS = ("added", "edited", "transferred", "left", "reactivated")
CHANGE_KINDS = {
    "created": pgettext_lazy("roster", "created"),
    "updated": _("updated"),
    "deactivated": _("deactivated"),
    "added": _("added by hand"),
    "edited": _("corrected by hand"),
    "transferred": _("transferred"),
    "left": _("marked as left"),
    "reactivated": _("re-activated"),
    "plan_transfer": _("transfer planned"),
    "plan_cancelled": _("planned transfer cancelled"),
}


class ImportMode(models.TextChoices):
    FULL = "full", _("Full roster (annual): leavers are deactivated")
    ADD = "add", _("Add / update only (external organisation or mid-year)")


class RosterImport(FileImport):
    """One upload of a roster file: what was previewed, and whether (and by whom) it was applied
    (the file's identity, problems and confirmation are lib.imports.FileImport's)."""

    class Status(models.TextChoices):
        PREVIEWED = "previewed", _("Previewed")
        INVALID = "invalid", _("Has errors")
        COMMITTED = "committed", _("Committed")
        STALE = "stale", _("Refused: registry changed after the preview")

    status = models.CharField(_("status"), max_length=16, choices=Status.choices)
    mode = models.CharField(_("mode"), max_length=8, choices=ImportMode.choices)
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
    )
    created = models.PositiveIntegerField(_("created"), default=0)
    updated = models.PositiveIntegerField(_("updated"), default=0)
    unchanged = models.PositiveIntegerField(_("unchanged"), default=0)
    deactivated = models.PositiveIntegerField(_("deactivated"), default=0)
    # The exact plan shown in the preview (zlib-compressed JSON): confirm applies this, never a
    # second parse of the file, and only if the registry still has this fingerprint.
    plan = models.BinaryField(null=True, blank=True, editable=False)
    registry_fingerprint = models.CharField(max_length=200, blank=True, editable=False)

    class Meta:
        verbose_name = _("roster import")
        verbose_name_plural = _("roster imports")
        ordering = ["-uploaded_at", "-id"]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.uploaded_at:%Y-%m-%d %H:%M})"


class SupervisorPost(models.Model):
    """所属長: who approves the applications (and, where a course says so, reviews the
    completion reports) of an organisation's staff, from one day to another, with a deputy
    (代理) who may act for them. A role held per organisation, kept by HR; the staff of a
    sub-unit without its own 所属長 answer to the nearest one up the tree."""

    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), on_delete=models.PROTECT,
        related_name="supervisor_posts",
    )  # fmt: skip
    holder = models.ForeignKey(
        Trainee, verbose_name=_("supervisor (所属長)"), on_delete=models.PROTECT,
        related_name="supervisor_posts",
    )  # fmt: skip
    deputy = models.ForeignKey(
        Trainee, verbose_name=_("deputy (代理)"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="deputy_posts",
    )  # fmt: skip
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("until"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        User, verbose_name=_("registered by"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )  # fmt: skip
    created_at = models.DateTimeField(_("registered"), default=timezone.now)

    class Meta:
        verbose_name = _("supervisor post (所属長)")
        verbose_name_plural = _("supervisor posts (所属長)")
        ordering = ["organisation__code", "-starts_on"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__isnull=True)
                | models.Q(ends_on__gte=models.F("starts_on")),
                name="supervisor_post_range",
            ),
            models.CheckConstraint(
                condition=~models.Q(deputy=models.F("holder")),
                name="supervisor_post_deputy_not_holder",
            ),
        ]
        indexes = [
            models.Index(fields=["organisation", "starts_on"], name="supervisor_post_org"),
        ]

    def __str__(self) -> str:
        return f"{self.organisation_id}: {self.holder_id} {self.starts_on}–{self.ends_on or ''}"

    def in_effect(self, day: datetime.date) -> bool:
        return self.starts_on <= day and (self.ends_on is None or day <= self.ends_on)


class OrganisationChange(models.Model):
    """One change to the organisation tree made in HR's pages (組織の登録・改称・統合・廃止): what,
    from which day, old → new, who and why."""

    class Kind(models.TextChoices):
        ADDED = "added", _("Added")
        RENAMED = "renamed", _("Renamed")
        MOVED = "moved", _("Moved in the tree")
        MERGED = "merged", _("Merged into another")
        CLOSED = "closed", _("Closed")
        REOPENED = "reopened", _("Re-opened")

    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), on_delete=models.PROTECT,
        related_name="changes",
    )  # fmt: skip
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    effective_on = models.DateField(_("effective from"))
    changes = models.JSONField(_("changes"), default=dict)
    reason = models.CharField(_("reason"), max_length=500)
    changed_by = models.ForeignKey(
        User, verbose_name=_("changed by"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )  # fmt: skip
    changed_at = models.DateTimeField(_("changed at"), default=timezone.now)

    class Meta:
        verbose_name = _("organisation change")
        verbose_name_plural = _("organisation changes")
        ordering = ["-changed_at", "-id"]

    def __str__(self) -> str:
        return f"{self.organisation_id} {self.kind} {self.effective_on}"

    def described(self) -> list[tuple[str, str]]:
        """(what, old → new or the value) for each thing recorded, in words."""
        lines = []
        for key, value in self.changes.items():
            label = str(ORGANISATION_CHANGE_FIELDS.get(key, key))
            if isinstance(value, list) and len(value) == 2:
                text = f"{value[0] or '—'} → {value[1] or '—'}"
            else:
                text = "—" if value is None else str(value)
            lines.append((label, text))
        return lines


ORGANISATION_CHANGE_FIELDS = {
    "code": _("organisation code"),
    "name": _("name"),
    "parent": _("parent organisation"),
    "into": _("merged into"),
    "staff": _("staff transferred"),
    "sub_units": _("sub-units moved"),
    "coordinators": _("coordinators now acting for it"),
    "posts_ended": _("supervisor posts ended"),
    "places": _("places renamed"),
    "valid_to": _("valid to"),
}


class PlannedTransfer(models.Model):
    """A transfer entered ahead of the day it takes effect (10月1日付の異動, entered in
    September): applied by the morning job on that day, through the same transfer as one entered
    on the day; HR may cancel it before."""

    trainee = models.ForeignKey(
        Trainee, verbose_name=_("trainee"), on_delete=models.CASCADE,
        related_name="planned_transfers",
    )  # fmt: skip
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("new organisation"), on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    effective_on = models.DateField(_("effective from"))
    reason = models.CharField(_("reason"), max_length=500)
    created_by = models.ForeignKey(
        User, verbose_name=_("entered by"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )  # fmt: skip
    created_at = models.DateTimeField(_("entered"), default=timezone.now)
    applied_at = models.DateTimeField(_("applied"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled"), null=True, blank=True)

    class Meta:
        verbose_name = _("planned transfer")
        verbose_name_plural = _("planned transfers")
        ordering = ["effective_on", "id"]
        constraints = [
            # One pending move per person: a second plan replaces the first (the service
            # cancels it), never two racing each other.
            models.UniqueConstraint(
                fields=["trainee"],
                condition=models.Q(applied_at__isnull=True, cancelled_at__isnull=True),
                name="planned_transfer_one_pending",
            ),
        ]
        indexes = [models.Index(fields=["effective_on"], name="planned_transfer_due")]

    def __str__(self) -> str:
        return f"{self.trainee_id} → {self.organisation_id} {self.effective_on}"

    @property
    def pending(self) -> bool:
        return self.applied_at is None and self.cancelled_at is None
