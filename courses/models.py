"""Courses (研修), their sessions (日程/回) and where they happen."""

from __future__ import annotations

import calendar
import datetime

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lib.japanese import list_join


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


class ApprovalRoute(models.TextChoices):
    """所属長承認: who approves a self-application before HR decides."""

    NONE = "none", _("No approval")
    SUPERVISOR = "supervisor", _("The applicant's supervisor (所属長)")
    SUPERVISOR_COORDINATOR = "sup_coord", _("The supervisor, then the department coordinator")


class NoAnswer(models.TextChoices):
    """What becomes of an application nobody approved by the approval deadline."""

    DECLINE = "decline", _("Treat it as declined")
    PASS = "pass", _("Pass it to HR marked 未承認")


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


# What a course can require for completion (修了), by code; progress/ decides whether an enrolment
# has met each, enrollments keep the codes still missing.
REQUIREMENTS = {
    "attendance": _("attend every session day"),
    "materials": _("watch the course's materials"),
    "test": _("pass the test"),
    "survey": _("answer the survey"),
    "report": _("submit the completion report"),
}


def requirement_labels(codes: list[str]) -> str:
    """Requirement codes in words, as a list in the reader's language."""
    return list_join(REQUIREMENTS.get(code, code) for code in codes)


def valid_until(completed_on: datetime.date, months: int | None) -> datetime.date | None:
    """有効期限 of a completion on this day valid for ``months``: the day before the same date
    that many months later — the month's last day when that date does not exist (31 January
    for one month: 28 February) — or None when it does not expire."""
    if not months:
        return None
    total = completed_on.month - 1 + months
    year, month = completed_on.year + total // 12, total % 12 + 1
    last = calendar.monthrange(year, month)[1]
    if completed_on.day > last:
        return datetime.date(year, month, last)
    return datetime.date(year, month, completed_on.day) - datetime.timedelta(days=1)


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
    approval = models.CharField(
        _("approval of applications"), max_length=10, choices=ApprovalRoute.choices,
        default=ApprovalRoute.NONE,
        help_text=_("For self-applications: who approves before HR decides (or, on a "
                    "first-come course, before a seat is taken)."),
    )  # fmt: skip
    approval_days_before_close = models.PositiveSmallIntegerField(
        _("approval due … days before applications close"), default=3,
        validators=[MaxValueValidator(30)],
        help_text=_("Approvers are reminded the day before. An application made later has a "
                    "day; with no closing date, a week."),
    )  # fmt: skip
    approval_no_answer = models.CharField(
        _("if nobody answers by then"), max_length=8, choices=NoAnswer.choices,
        default=NoAnswer.PASS,
    )  # fmt: skip
    # Completion requirements, as data: later features check each one.
    requires_attendance = models.BooleanField(_("attendance of every session day"), default=True)
    # 出席率: empty = every day attended (arriving late or leaving early still counts); a share =
    # at least this much of the session's hours, an absent day's hours and the minutes of a late
    # arrival or an early leave being missed (progress.completion).
    attendance_share = models.PositiveSmallIntegerField(
        _("attended at least (percent of the hours)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text=_(
            "Leave empty to require every day. With a share, e.g. 75, someone absent for more "
            "than a quarter of the hours is not completed; late arrivals and early leaves count "
            "by their minutes."
        ),
    )
    requires_materials = models.BooleanField(_("materials watched"), default=False)
    materials_threshold = models.PositiveSmallIntegerField(
        _("watched at least (%)"),
        default=95,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
    )
    requires_test = models.BooleanField(_("test passed"), default=False)
    requires_survey = models.BooleanField(_("survey answered"), default=False)
    requires_report = models.BooleanField(_("completion report submitted"), default=False)
    # 有効期限: mandatory training to be renewed (情報セキュリティ研修 every year, 救命講習 every
    # three years); a completion of this course is valid for this many months (empty: for good).
    valid_for_months = models.PositiveSmallIntegerField(
        _("completion valid for (months)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(120)],
        help_text=_(
            "For training to be renewed: 12 = every year, 36 = every three years. Leave empty "
            "when a completion does not expire."
        ),
    )
    remind_days_before_expiry = models.PositiveSmallIntegerField(
        _("remind … days before a completion expires"),
        null=True,
        blank=True,
        default=30,
        validators=[MaxValueValidator(365)],
    )
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
            models.CheckConstraint(
                condition=models.Q(valid_for_months__isnull=True)
                | models.Q(valid_for_months__gte=1, valid_for_months__lte=120),
                name="course_valid_for_months_range",
            ),
            models.CheckConstraint(
                condition=models.Q(attendance_share__isnull=True)
                | models.Q(attendance_share__gte=1, attendance_share__lte=100),
                name="course_attendance_share_percent",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.fiscal_year} {self.code} {self.title}"

    def valid_until(self, completed_on: datetime.date) -> datetime.date | None:
        """有効期限 of a completion of this course on this day (see ``valid_until``)."""
        return valid_until(completed_on, self.valid_for_months)

    def requirement_codes(self) -> list[str]:
        """What the course asks of a trainee to complete it, as codes (REQUIREMENTS) — also what
        a newly confirmed trainee still has to do (no query: set under the seat lock)."""
        return [code for code in REQUIREMENTS if getattr(self, f"requires_{code}")]

    @property
    def requirements(self) -> list[str]:
        labels = []
        for name in ("requires_attendance", "requires_materials", "requires_test",
                     "requires_survey", "requires_report"):  # fmt: skip
            if name == "requires_attendance" and self.requires_attendance and self.attendance_share:
                labels.append(_("attendance of at least %(share)s%% of the hours")
                              % {"share": self.attendance_share})  # fmt: skip
            elif getattr(self, name):
                labels.append(str(Course._meta.get_field(name).verbose_name))  # type: ignore[union-attr]
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
    # 中止: set once by enrollments.services.session_cancel (the places released, everyone told).
    cancelled_at = models.DateTimeField(_("cancelled"), null=True, blank=True, editable=False)
    cancellation_reason = models.CharField(
        _("reason for cancelling"), max_length=300, blank=True, editable=False
    )
    replacement = models.ForeignKey(
        "self", verbose_name=_("replacement session"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+", editable=False,
    )  # fmt: skip
    # The calendar files' SEQUENCE: raised by each change people are told of (time, room,
    # online URL, cancellation), so calendars replace the event they hold (same UID).
    calendar_sequence = models.PositiveIntegerField(default=0, editable=False)

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

    @property
    def is_cancelled(self) -> bool:
        return self.cancelled_at is not None


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

    @property
    def minutes(self) -> int:
        """The day's length, from its start to its end (what attendance shares count)."""
        start = self.starts_at.hour * 60 + self.starts_at.minute
        return max(0, self.ends_at.hour * 60 + self.ends_at.minute - start)


class TargetRule(models.Model):
    """研修対象者の条件: who a course is for. Empty criteria match everyone active."""

    course = models.OneToOneField(Course, on_delete=models.CASCADE, related_name="target_rule")
    organisations = models.ManyToManyField(
        "trainees.Organisation", verbose_name=_("organisations"), blank=True, related_name="+"
    )
    include_sub_organisations = models.BooleanField(_("include their sub-units"), default=True)
    include_concurrent_posts = models.BooleanField(
        _("include those holding a 兼務 post there"), default=False,
        help_text=_("Also people whose concurrent post (兼務先) is in these organisations."),
    )  # fmt: skip
    employment_types = models.JSONField(_("employment types"), default=list, blank=True)
    job_titles = models.JSONField(_("job titles"), default=list, blank=True)
    job_categories = models.JSONField(_("job categories"), default=list, blank=True)
    duties = models.JSONField(_("duties (職務名)"), default=list, blank=True)
    # Age on 1 April of the course's fiscal year (年度当初の年齢: 40歳到達者研修 …).
    min_age = models.PositiveSmallIntegerField(
        _("aged at least … on 1 April"),
        null=True,
        blank=True,
        validators=[MinValueValidator(15), MaxValueValidator(100)],
    )
    max_age = models.PositiveSmallIntegerField(
        _("aged at most … on 1 April"),
        null=True,
        blank=True,
        validators=[MinValueValidator(15), MaxValueValidator(100)],
    )
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

    # 再受講: for training to be renewed, who needs it — leave out whoever holds a completion of
    # this course code still valid more than this many days from today (Course.valid_for_months).
    renewal_within_days = models.PositiveSmallIntegerField(
        _("only those whose completion (same code) has expired or expires within … days"),
        null=True,
        blank=True,
        validators=[MaxValueValidator(3650)],
        help_text=_(
            "For training to be renewed: 0 = those without a valid completion today; 90 = also "
            "those whose completion expires within 90 days. Empty: nobody is left out."
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
        indexes = [
            models.Index(fields=["course", "excluded"], name="target_member_course"),
            # The listed members (not removed) by person, read from the index alone: HR's home
            # asks of each ordered course running whether anyone listed is still without a place
            # (a city's list of 97,000 against the course's places: 25 → 16 ms).
            models.Index(
                fields=["course", "trainee"],
                condition=models.Q(excluded=False),
                name="target_member_listed",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.course_id}:{self.trainee_id}"
