"""Courses (研修), their sessions (日程/回) and where they happen."""

from __future__ import annotations

import datetime

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def fiscal_year_of(day: datetime.date) -> int:
    """The Japanese fiscal year (年度) a day belongs to: April to March."""
    return day.year if day.month >= 4 else day.year - 1


def current_fiscal_year() -> int:
    return fiscal_year_of(timezone.localdate())


class Category(models.TextChoices):
    HIERARCHICAL = "階層別研修", _("Rank-based training")
    SPECIALIST = "専門研修", _("Specialist training")
    ELECTIVE = "選択研修", _("Elective training")
    SECONDMENT = "派遣研修", _("External (secondment) training")
    OTHER = "その他", _("Other")


class CourseKind(models.TextChoices):
    ORDERED = "ordered", _("Ordered (HR designates the trainees)")
    OPEN = "open", _("Open (trainees apply, coordinators may nominate)")


class Selection(models.TextChoices):
    FIRST_COME = "first_come", _("First come, first served (seats confirmed at once)")
    HR_DECISION = "hr_decision", _("HR decides (or draws lots) after applications close")


class DeliveryMode(models.TextChoices):
    ELEARNING = "elearning", _("E-learning")
    CLASSROOM = "classroom", _("Classroom")
    ONLINE = "online", _("Live online")
    HYBRID = "hybrid", _("Hybrid")


class Venue(models.Model):
    """A ward facility where classroom sessions take place."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    address = models.CharField(_("address"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("venue")
        verbose_name_plural = _("venues")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Room(models.Model):
    venue = models.ForeignKey(
        Venue, verbose_name=_("venue"), on_delete=models.PROTECT, related_name="rooms"
    )
    name = models.CharField(_("room"), max_length=100)
    capacity = models.PositiveIntegerField(_("seats"), null=True, blank=True)

    class Meta:
        verbose_name = _("room")
        verbose_name_plural = _("rooms")
        ordering = ["venue__name", "name"]
        constraints = [
            models.UniqueConstraint(fields=["venue", "name"], name="room_unique_in_venue")
        ]

    def __str__(self) -> str:
        return f"{self.venue.name} {self.name}"


class Course(models.Model):
    """研修: one fiscal year's run of a training programme. Next year's is a copy."""

    fiscal_year = models.PositiveSmallIntegerField(
        _("fiscal year"), validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    code = models.CharField(_("course code"), max_length=20)
    title = models.CharField(_("title"), max_length=200)
    category = models.CharField(_("category"), max_length=16, choices=Category.choices)
    description = models.TextField(_("description"), blank=True)
    kind = models.CharField(_("kind"), max_length=8, choices=CourseKind.choices)
    delivery = models.CharField(_("delivery"), max_length=12, choices=DeliveryMode.choices)
    external_allowed = models.BooleanField(
        _("open to affiliated organisations' staff"), default=False
    )
    selection = models.CharField(
        _("how applicants are selected"),
        max_length=12,
        choices=Selection.choices,
        default=Selection.HR_DECISION,
    )
    # Completion requirements, as data: later features check each one.
    requires_attendance = models.BooleanField(_("attendance of every session day"), default=True)
    requires_materials = models.BooleanField(_("materials watched"), default=False)
    materials_threshold = models.PositiveSmallIntegerField(
        _("watched at least (%)"),
        default=95,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
    )
    requires_test = models.BooleanField(_("test passed"), default=False)
    requires_survey = models.BooleanField(_("survey answered"), default=False)
    requires_report = models.BooleanField(_("completion report submitted"), default=False)
    completion_deadline = models.DateField(
        _("completion deadline"),
        null=True,
        blank=True,
        help_text=_("The day by which trainees must meet the requirements (e-learning, reports)."),
    )
    # Reminders (督促), each sent at most once per trainee per rule; empty = no reminder.
    remind_days_before_session = models.PositiveSmallIntegerField(
        _("remind … days before a session"), null=True, blank=True, default=3
    )
    remind_days_before_deadline = models.PositiveSmallIntegerField(
        _("remind … days before the completion deadline"), null=True, blank=True, default=7
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)

    class Meta:
        verbose_name = _("course")
        verbose_name_plural = _("courses")
        ordering = ["-fiscal_year", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["fiscal_year", "code"], name="course_code_unique_per_year"
            ),
            models.CheckConstraint(
                condition=models.Q(materials_threshold__gte=1, materials_threshold__lte=100),
                name="course_materials_threshold_percent",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.fiscal_year} {self.code} {self.title}"

    @property
    def requirements(self) -> list[str]:
        labels = []
        for name in ("requires_attendance", "requires_materials", "requires_test",
                     "requires_survey", "requires_report"):  # fmt: skip
            if getattr(self, name):
                labels.append(str(self._meta.get_field(name).verbose_name))
        return labels


class Session(models.Model):
    """日程 / 回: one scheduled run of a course, over one or more days."""

    course = models.ForeignKey(
        Course, verbose_name=_("course"), on_delete=models.CASCADE, related_name="sessions"
    )
    number = models.PositiveSmallIntegerField(_("session number"))
    capacity = models.PositiveIntegerField(_("capacity"), validators=[MinValueValidator(1)])
    room = models.ForeignKey(
        Room, verbose_name=_("room"), null=True, blank=True, on_delete=models.PROTECT
    )
    online_url = models.URLField(_("online URL"), blank=True)
    application_opens_at = models.DateTimeField(_("applications open"), null=True, blank=True)
    application_closes_at = models.DateTimeField(_("applications close"), null=True, blank=True)
    cancellation_deadline = models.DateTimeField(_("cancellation deadline"), null=True, blank=True)
    instructor = models.CharField(_("instructor"), max_length=200, blank=True)
    notes = models.TextField(
        _("notes for trainees"), blank=True, help_text=_("What to bring, dress code …")
    )
    # Seats taken: changed only under a row lock on the session, together with the
    # enrolments it counts; the check constraint below makes over-allocation impossible.
    confirmed_count = models.PositiveIntegerField(_("confirmed"), default=0, editable=False)

    class Meta:
        verbose_name = _("session")
        verbose_name_plural = _("sessions")
        ordering = ["course", "number"]
        constraints = [
            models.UniqueConstraint(fields=["course", "number"], name="session_number_unique"),
            models.CheckConstraint(
                condition=models.Q(capacity__gte=1), name="session_capacity_positive"
            ),
            models.CheckConstraint(
                condition=models.Q(confirmed_count__lte=models.F("capacity")),
                name="session_never_over_capacity",
            ),
            models.CheckConstraint(
                condition=models.Q(application_closes_at__isnull=True)
                | models.Q(application_opens_at__isnull=True)
                | models.Q(application_closes_at__gt=models.F("application_opens_at")),
                name="session_application_window_order",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.course.title} 第{self.number}回"


class SessionDay(models.Model):
    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="days")
    date = models.DateField(_("date"))
    starts_at = models.TimeField(_("starts"))
    ends_at = models.TimeField(_("ends"))

    class Meta:
        verbose_name = _("session day")
        verbose_name_plural = _("session days")
        ordering = ["date", "starts_at"]
        constraints = [
            models.UniqueConstraint(fields=["session", "date"], name="session_day_unique"),
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")),
                name="session_day_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.starts_at:%H:%M}–{self.ends_at:%H:%M}"


class TargetRule(models.Model):
    """研修対象者の条件: who a course is for. Empty criteria match everyone active."""

    course = models.OneToOneField(Course, on_delete=models.CASCADE, related_name="target_rule")
    organisations = models.ManyToManyField(
        "trainees.Organisation", verbose_name=_("organisations"), blank=True, related_name="+"
    )
    include_sub_organisations = models.BooleanField(_("include their sub-units"), default=True)
    employment_types = models.JSONField(_("employment types"), default=list, blank=True)
    job_titles = models.JSONField(_("job titles"), default=list, blank=True)
    job_categories = models.JSONField(_("job categories"), default=list, blank=True)
    hired_from = models.DateField(_("hired on or after"), null=True, blank=True)
    hired_to = models.DateField(_("hired on or before"), null=True, blank=True)
    hired_this_fiscal_year = models.BooleanField(
        _("hired in the course's fiscal year"), default=False
    )
    promoted_this_fiscal_year = models.BooleanField(
        _("promoted in the course's fiscal year"), default=False
    )
    min_years_of_service = models.PositiveSmallIntegerField(
        _("at least … years of service"), null=True, blank=True
    )
    max_years_of_service = models.PositiveSmallIntegerField(
        _("at most … years of service"), null=True, blank=True
    )
    include_external = models.BooleanField(
        _("include affiliated organisations' staff"), default=False
    )
    # Annual compulsory courses (情報セキュリティ研修): leave out who already completed it.
    exclude_completed_years = models.PositiveSmallIntegerField(
        _("leave out who completed this course (same code) in the last … fiscal years"),
        null=True,
        blank=True,
        validators=[MaxValueValidator(20)],
        help_text=_(
            "0: this fiscal year only; 1: this year or last year; empty: nobody is left out."
        ),
    )

    class Meta:
        verbose_name = _("target rule")
        verbose_name_plural = _("target rules")

    def __str__(self) -> str:
        return f"{self.course}"


class TargetMember(models.Model):
    """One person on a course's frozen target list (研修対象者名簿)."""

    class Source(models.TextChoices):
        RULE = "rule", _("Matched the conditions")
        MANUAL = "manual", _("Added by HR")

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="target_members")
    trainee = models.ForeignKey("trainees.Trainee", on_delete=models.CASCADE, related_name="+")
    source = models.CharField(_("source"), max_length=8, choices=Source.choices)
    reasons = models.JSONField(_("why"), default=list, blank=True)
    # Removed by HR although the conditions match: kept so that re-freezing does not add them back.
    excluded = models.BooleanField(_("removed by HR"), default=False)
    added_at = models.DateTimeField(_("added"), default=timezone.now)

    class Meta:
        verbose_name = _("target list member")
        verbose_name_plural = _("target list")
        constraints = [
            models.UniqueConstraint(fields=["course", "trainee"], name="target_member_unique")
        ]
        indexes = [models.Index(fields=["course", "excluded"], name="target_member_course")]

    def __str__(self) -> str:
        return f"{self.course_id}:{self.trainee_id}"


class NoticeKind(models.TextChoices):
    ORDER = "order", _("Training order")
    DECISION = "decision", _("Decision")
    WAITLIST = "waitlist", _("Waitlisted")
    REJECTION = "rejection", _("Not selected")
    REMINDER = "reminder", _("Reminder")
    INFO = "info", _("Information")


class Notice(models.Model):
    """A message in a person's in-system inbox (受信箱)."""

    user = models.ForeignKey(
        "trainees.User",
        verbose_name=_("recipient"),
        on_delete=models.CASCADE,
        related_name="notices",
    )
    kind = models.CharField(_("kind"), max_length=10, choices=NoticeKind.choices)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("message"))
    link = models.CharField(_("link"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("received"), default=timezone.now)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)

    class Meta:
        verbose_name = _("notice")
        verbose_name_plural = _("notices")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "read_at"], name="notice_user_unread")]

    def __str__(self) -> str:
        return self.title


# Placeholders a notification template may use, with what they stand for.
TEMPLATE_PLACEHOLDERS = {
    "name": _("the trainee's name"),
    "course": _("the course title"),
    "session": _("the session (第n回)"),
    "dates": _("the session's days and times"),
    "venue": _("the venue or online URL"),
    "deadline": _("the cancellation deadline"),
    "order_number": _("the order number"),
    "order_date": _("the order date"),
    "portal_link": _("the link to the portal"),
}


def validate_placeholders(text: str) -> None:
    """Reject a template whose placeholders are malformed or unknown — when it is saved, not
    when 4,000 e-mails are being sent."""
    import string

    from django.core.exceptions import ValidationError

    try:
        fields = [
            name for _lit, name, _spec, _conv in string.Formatter().parse(text) if name is not None
        ]
    except ValueError as exc:
        raise ValidationError(
            _("A placeholder is malformed (%(error)s). Write it as {name}.") % {"error": exc}
        ) from None
    unknown = sorted({name for name in fields if name not in TEMPLATE_PLACEHOLDERS})
    if unknown:
        raise ValidationError(
            _("Unknown placeholder: %(names)s. Use: %(allowed)s.")
            % {"names": ", ".join("{" + n + "}" for n in unknown),
               "allowed": ", ".join("{" + n + "}" for n in TEMPLATE_PLACEHOLDERS)}
        )  # fmt: skip


DEFAULT_TEMPLATES = {
    "order": (
        "【研修命令】{course}（{session}）",
        "{name} 様\n\n次の研修の受講を命じます。\n\n"
        "研修名：{course}（{session}）\n日時：{dates}\n会場：{venue}\n"
        "命令番号：{order_number}（{order_date}）\n取消・欠席の連絡期限：{deadline}\n\n"
        "詳細は研修管理システムで確認してください。\n{portal_link}\n\n人材育成センター",
    ),
    "decision": (
        "【受講決定通知】{course}（{session}）",
        "{name} 様\n\n次の研修の受講が決定しました。\n\n"
        "研修名：{course}（{session}）\n日時：{dates}\n"
        "会場：{venue}\n取消期限：{deadline}\n\n{portal_link}\n\n人材育成センター",
    ),
    "waitlist": (
        "【補欠のお知らせ】{course}（{session}）",
        "{name} 様\n\n次の研修は定員に達したため、補欠として登録しました。"
        "欠員が出た場合は順番に繰り上げ、改めてお知らせします。\n\n"
        "研修名：{course}（{session}）\n日時：{dates}\n会場：{venue}\n\n{portal_link}\n\n人材育成センター",
    ),
    "rejection": (
        "【受講結果のお知らせ】{course}（{session}）",
        "{name} 様\n\n申込みの多かった次の研修は、今回は受講いただけないこととなりました。\n\n"
        "研修名：{course}（{session}）\n\n{portal_link}\n\n人材育成センター",
    ),
    "reminder": (
        "【お知らせ】{course}（{session}）",
        "{name} 様\n\n{course}（{session}）についてのお知らせです。\n"
        "日時：{dates}\n会場：{venue}\n\n"
        "研修管理システムで、未完了の項目を確認してください。\n{portal_link}\n\n人材育成センター",
    ),
    "info": ("{course}", "{name} 様\n\n{portal_link}"),
}


class NotificationTemplate(models.Model):
    """The subject and body HR edits for each kind of notice (sent in the inbox and by e-mail)."""

    kind = models.CharField(_("kind"), max_length=10, choices=NoticeKind.choices, unique=True)
    subject = models.CharField(_("subject"), max_length=200, validators=[validate_placeholders])
    body = models.TextField(_("body"), validators=[validate_placeholders])
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)

    class Meta:
        verbose_name = _("notification template")
        verbose_name_plural = _("notification templates")
        ordering = ["kind"]

    def __str__(self) -> str:
        return self.get_kind_display()

    @classmethod
    def for_kind(cls, kind: str) -> NotificationTemplate:
        """The template for a kind of notice, created with the default wording if missing."""
        subject, body = DEFAULT_TEMPLATES[kind]
        return cls.objects.get_or_create(kind=kind, defaults={"subject": subject, "body": body})[0]

    def render(self, values: dict[str, str]) -> tuple[str, str]:
        """(subject, body) with the placeholders filled in."""
        filled = {name: values.get(name, "") for name in TEMPLATE_PLACEHOLDERS}
        return self.subject.format_map(filled), self.body.format_map(filled)


class TrainingOrder(models.Model):
    """研修命令: HR's formal order for a session, to a set of trainees."""

    course = models.ForeignKey(
        Course, verbose_name=_("course"), on_delete=models.PROTECT, related_name="orders"
    )
    session = models.ForeignKey(
        Session, verbose_name=_("session"), on_delete=models.PROTECT, related_name="orders"
    )
    number = models.CharField(_("order number"), max_length=30, unique=True)
    issued_on = models.DateField(_("order date"))
    issued_by = models.ForeignKey(
        "trainees.User",
        verbose_name=_("issued by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("training order")
        verbose_name_plural = _("training orders")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.number


class Delivery(models.Model):
    """One order to one trainee: its notice and its e-mail. Unique per (order, trainee), so a
    retry, a double click or a restarted worker can never make a second one."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        NO_EMAIL = "no_email", _("No e-mail address (notice only)")

    Kind = NoticeKind

    # Orders, and reminders to the ordered, belong to an order; decision notices only to the
    # session (and the decision, named in `rule`).
    order = models.ForeignKey(
        TrainingOrder, null=True, on_delete=models.CASCADE, related_name="deliveries"
    )
    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="+")
    trainee = models.ForeignKey("trainees.Trainee", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(
        _("kind"), max_length=10, choices=NoticeKind.choices, default=NoticeKind.ORDER
    )
    # Why this one was sent: for reminders the rule ("session:3" = 3 days before the session),
    # for decisions the decision ("event:123"). Unique with the order or session and the
    # trainee, so nothing is sent twice however often a job runs.
    rule = models.CharField(_("rule"), max_length=40, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.CharField(_("reason"), max_length=300, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        constraints = [
            models.UniqueConstraint(
                fields=["order", "trainee", "kind", "rule"],
                condition=models.Q(order__isnull=False),
                name="delivery_once_per_trainee",
            ),
            models.UniqueConstraint(
                fields=["session", "trainee", "kind", "rule"],
                condition=models.Q(order__isnull=True),
                name="delivery_once_per_decision",
            ),
        ]
        indexes = [models.Index(fields=["order", "status"], name="delivery_order_status")]

    def __str__(self) -> str:
        return f"{self.order_id}:{self.trainee_id} {self.status}"


class OutboxMessage(models.Model):
    """A task to enqueue, written in the same transaction as what it is about. The relay
    publishes it to the broker after commit; if the broker is down it stays here until it is
    back — nothing committed is lost, and the deliveries it names are idempotent."""

    task = models.CharField(max_length=200)
    args = models.JSONField(default=list)
    created_at = models.DateTimeField(default=timezone.now)
    relayed_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.CharField(max_length=300, blank=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["created_at"],
                name="outbox_pending",
                condition=models.Q(relayed_at__isnull=True),
            )
        ]

    def __str__(self) -> str:
        return f"{self.task} {self.created_at:%Y-%m-%d %H:%M:%S}"


def materials_storage():  # type: ignore[no-untyped-def]
    """The private storage for materials (settings.STORAGES["materials"])."""
    from django.core.files.storage import storages

    return storages["materials"]


def material_upload_to(material: Material, filename: str) -> str:
    """A random name: the original name (which may say anything) is kept only as data."""
    import pathlib
    import uuid

    suffix = {"video/mp4": ".mp4", "video/webm": ".webm", "application/pdf": ".pdf"}.get(
        material.content_type, pathlib.Path(filename).suffix.lower()[:8]
    )
    return f"courses/{material.course_id}/{uuid.uuid4().hex}{suffix}"


class Material(models.Model):
    """教材: a video, a PDF or a link on a course, in the order HR sets."""

    class Kind(models.TextChoices):
        VIDEO = "video", _("Video")
        PDF = "pdf", _("PDF document")
        LINK = "link", _("Link")

    course = models.ForeignKey(
        Course, verbose_name=_("course"), on_delete=models.CASCADE, related_name="materials"
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    title = models.CharField(_("material title"), max_length=200)
    description = models.TextField(_("explanation for trainees"), blank=True)
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    file = models.FileField(
        _("file"), storage=materials_storage, upload_to=material_upload_to, blank=True,
        max_length=200,
    )  # fmt: skip
    original_name = models.CharField(_("file name"), max_length=200, blank=True)
    content_type = models.CharField(max_length=50, blank=True)
    size = models.PositiveBigIntegerField(_("size (bytes)"), null=True, blank=True)
    duration = models.FloatField(_("length (seconds)"), null=True, blank=True)
    url = models.URLField(_("link"), blank=True, max_length=500)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("material")
        verbose_name_plural = _("materials")
        ordering = ["course", "position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(kind="link") & ~models.Q(url=""))
                | (models.Q(kind__in=["video", "pdf"]) & ~models.Q(file="")),
                name="material_has_file_or_link",
            ),
            models.CheckConstraint(
                condition=~models.Q(kind="video") | models.Q(duration__gt=0),
                name="material_video_has_length",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class MaterialView(models.Model):
    """How much of a material one trainee has really watched: the merged ranges played,
    where to resume, and when it counted as watched."""

    material = models.ForeignKey(Material, on_delete=models.CASCADE, related_name="views")
    trainee = models.ForeignKey("trainees.Trainee", on_delete=models.CASCADE, related_name="+")
    ranges = models.JSONField(default=list)  # [[start, end], …] seconds, merged and sorted
    watched_seconds = models.FloatField(default=0)
    position = models.FloatField(_("resume at (seconds)"), default=0)
    opened_at = models.DateTimeField(_("first opened"), default=timezone.now)
    # The server's clock at the last accepted report: growth is measured against it.
    reported_at = models.DateTimeField(default=timezone.now)
    completed_at = models.DateTimeField(_("watched"), null=True, blank=True)

    class Meta:
        verbose_name = _("viewing record")
        verbose_name_plural = _("viewing records")
        constraints = [
            models.UniqueConstraint(fields=["material", "trainee"], name="material_view_unique")
        ]

    def __str__(self) -> str:
        return f"{self.material_id}:{self.trainee_id}"

    @property
    def coverage(self) -> float:
        """The share of the material watched, 0–100."""
        duration = self.material.duration
        if not duration:
            return 100.0 if self.completed_at else 0.0
        return min(100.0, 100.0 * self.watched_seconds / duration)
