"""Enrolments: 申込 / 推薦 → 決定 (or 補欠, 不採用) → 受講 (出欠) → 修了, every change on record."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lib.imports import FileImport


class Status(models.TextChoices):
    REQUESTED = "requested", _("Awaiting decision")
    CONFIRMED = "confirmed", _("Confirmed")
    WAITLISTED = "waitlisted", _("Waitlisted")
    REJECTED = "rejected", _("Not selected")
    CANCELLED = "cancelled", _("Cancelled")
    WITHDRAWN = "withdrawn", _("Nomination withdrawn")
    # 欠席: an absence notice for every day, sent before the cancellation deadline (the seat goes
    # to the waiting list). Not a cancellation: the person did not give the place up.
    ABSENT = "absent", _("Absent (every day)")


# States that hold (or wait for) a place: at most one per trainee and course.
ACTIVE = (Status.REQUESTED, Status.CONFIRMED, Status.WAITLISTED)


class Source(models.TextChoices):
    APPLIED = "applied", _("Applied")
    NOMINATED = "nominated", _("Nominated")
    ORDERED = "ordered", _("Ordered")


class Completion(models.TextChoices):
    NOT_STARTED = "not_started", _("Not started")
    IN_PROGRESS = "in_progress", _("In progress")
    COMPLETED = "completed", _("Completed")
    INCOMPLETE = "incomplete", _("Not completed")


class Enrollment(models.Model):
    """One trainee in one session: how they came (applied, nominated, ordered), where the
    decision stands, and whether they completed the course."""

    session = models.ForeignKey(
        "courses.Session",
        verbose_name=_("session"),
        on_delete=models.PROTECT,
        related_name="enrollments",
    )
    # The session's course, kept here so the database can hold "one active enrolment per course".
    course = models.ForeignKey(
        "courses.Course", verbose_name=_("course"), on_delete=models.PROTECT, related_name="+"
    )
    trainee = models.ForeignKey(
        "trainees.Trainee",
        verbose_name=_("trainee"),
        on_delete=models.PROTECT,
        related_name="enrollments",
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices)
    source = models.CharField(_("how"), max_length=10, choices=Source.choices)
    nominated_by = models.ForeignKey(
        "trainees.User",
        verbose_name=_("nominated by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    nomination_comment = models.CharField(_("nomination comment"), max_length=500, blank=True)
    nomination_priority = models.PositiveSmallIntegerField(
        _("priority within the department"), null=True, blank=True
    )
    # 代理出席: this enrolment took the place of another nominee's.
    substitute_for = models.ForeignKey(
        "self",
        verbose_name=_("attends in place of"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # Waiting order: lower first. Set when waitlisted (arrival order, or the lottery's draw).
    waitlist_rank = models.FloatField(_("waiting list position"), null=True, blank=True)
    requested_at = models.DateTimeField(_("applied"), default=timezone.now)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    completion = models.CharField(
        _("completion"),
        max_length=12,
        choices=Completion.choices,
        default=Completion.NOT_STARTED,
    )
    # Why not complete yet: requirement codes (see enrollments.completion.REQUIREMENTS).
    completion_missing = models.JSONField(_("still missing"), default=list, blank=True)
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)
    # 修了 decided by HR rather than by the course's rules (a session held outside, an exemption):
    # completed / incomplete, with why; empty = the rules decide (progress.completion).
    completion_decided = models.CharField(
        _("completion decided by HR"), max_length=12, blank=True, default="", db_default="",
        choices=[("completed", _("Completed")), ("incomplete", _("Not completed"))],
    )  # fmt: skip
    completion_note = models.CharField(
        _("why HR decided"), max_length=300, blank=True, default="", db_default=""
    )
    # 有効期限 of the completion where the course's completions expire (Course.valid_until).
    valid_until = models.DateField(_("valid until"), null=True, blank=True, db_index=True)
    # 所属 as it was on the session's first day (stamped that morning, and when attendance is
    # taken): the history and the dashboards count the place there, whatever moved since —
    # the trainee's transfer, or the organisation's renaming or merger. Empty until then.
    organisation = models.ForeignKey(
        "trainees.Organisation",
        verbose_name=_("organisation at the time"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # db_default: the set-based inserts (COPY) that do not name the column leave it empty too.
    organisation_name = models.CharField(
        _("organisation name at the time"), max_length=200, blank=True, default="", db_default=""
    )
    # Where the dashboards count the place: the organisation at the time once stamped, until
    # then the trainee's organisation now — always COALESCE(organisation, trainee's), kept so by
    # the writers in enrollments.services.history, so that a year's places are grouped without
    # joining them to 100,000 staff. Set when the place is made; follows a transfer or a roster
    # move until the session begins; the nightly stamp re-aligns any place left behind.
    counted_in = models.ForeignKey(
        "trainees.Organisation",
        verbose_name=_("organisation counted in"),
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("enrolment")
        verbose_name_plural = _("enrolments")
        constraints = [
            models.UniqueConstraint(
                fields=["session", "trainee"], name="enrollment_once_per_session"
            ),
            models.UniqueConstraint(
                fields=["course", "trainee"],
                condition=models.Q(status__in=ACTIVE),
                name="enrollment_one_active_per_course",
            ),
        ]
        indexes = [
            # With the trainee (PostgreSQL; SQLite keeps the plain index): whose places a session
            # holds, read from the index alone (the coordinator's fortnight: 11 → 5 ms at a
            # city's size).
            models.Index(
                fields=["session", "status"],
                include=["trainee"],
                name="enrollment_session_cover",
            ),
            models.Index(fields=["trainee", "status"], name="enrollment_trainee_status"),
            # The applications waiting for a decision, the few among a city's million places,
            # by session with their ids (to join their approvals) — counted from the index
            # alone: HR's home at 100,000 staff, 18,700 waiting on 482 sessions, 45 → 8 ms.
            models.Index(
                fields=["session", "id"],
                condition=models.Q(status=Status.REQUESTED),
                name="enrollment_requested",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.session_id}:{self.trainee_id} {self.status}"

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE

    @property
    def approval_holds(self) -> bool:
        """Applied, and its 所属長承認 has not passed yet: not HR's to decide (load it with
        select_related("approval"))."""
        approval = getattr(self, "approval", None)  # the reverse one-to-one: None if not asked
        return (
            self.status == Status.REQUESTED
            and approval is not None
            and approval.state not in APPROVAL_PASSED
        )


class EnrollmentEvent(models.Model):
    """One change of an enrolment: who, when, from, to, why. Shown to HR and to the trainee."""

    enrollment = models.ForeignKey(Enrollment, on_delete=models.CASCADE, related_name="events")
    occurred_at = models.DateTimeField(_("when"), default=timezone.now)
    actor = models.ForeignKey(
        "trainees.User",
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    from_status = models.CharField(_("from"), max_length=10, choices=Status.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=10, choices=Status.choices)
    reason = models.CharField(_("why"), max_length=300, blank=True)
    # The session, when the event moved the enrolment to another one (日程変更).
    session = models.ForeignKey("courses.Session", on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("enrolment history")
        verbose_name_plural = _("enrolment history")
        ordering = ["occurred_at", "id"]

    def __str__(self) -> str:
        return f"{self.enrollment_id}: {self.from_status} -> {self.to_status}"


class Approval(models.Model):
    """所属長承認 of a self-application, on courses that ask for it (Course.approval): the
    supervisor (and then, on some courses, the department coordinator) approves, declines with
    a reason, or returns it for changes, by a deadline. HR decides only what was approved — or
    what nobody answered, marked 未承認, where the course passes those on."""

    class State(models.TextChoices):
        SUPERVISOR = "supervisor", _("Awaiting the supervisor's approval")
        COORDINATOR = "coordinator", _("Awaiting the coordinator's approval")
        RETURNED = "returned", _("Returned to the applicant for changes")
        APPROVED = "approved", _("Approved")
        DECLINED = "declined", _("Not approved")
        UNANSWERED = "unanswered", _("No answer by the deadline (未承認)")

    enrollment = models.OneToOneField(
        Enrollment, verbose_name=_("application"), on_delete=models.CASCADE,
        related_name="approval",
    )  # fmt: skip
    state = models.CharField(_("approval"), max_length=12, choices=State.choices)
    # 申込理由: what the applicant tells the approver (and changes when it is returned).
    note = models.CharField(_("reason for applying"), max_length=500, blank=True)
    due_at = models.DateTimeField(_("approval due"))
    # Each submission is a round; the reminder and the notices are once per round.
    round = models.PositiveSmallIntegerField(default=1)
    reminded_round = models.PositiveSmallIntegerField(default=0)
    supervisor_by = models.ForeignKey(
        "trainees.User", verbose_name=_("approved by the supervisor"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )  # fmt: skip
    supervisor_at = models.DateTimeField(_("supervisor approved"), null=True, blank=True)
    decided_by = models.ForeignKey(
        "trainees.User", verbose_name=_("answered by"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )  # fmt: skip
    decided_at = models.DateTimeField(_("answered"), null=True, blank=True)
    reason = models.CharField(_("approver's comment"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("approval (所属長承認)")
        verbose_name_plural = _("approvals (所属長承認)")
        indexes = [models.Index(fields=["state", "due_at"], name="approval_state_due")]

    def __str__(self) -> str:
        return f"{self.enrollment_id} {self.state}"

    @property
    def waiting(self) -> bool:
        return self.state in APPROVAL_WAITING


# Approvals an approver still has to answer; and those HR may decide on.
APPROVAL_WAITING = (Approval.State.SUPERVISOR, Approval.State.COORDINATOR)
APPROVAL_PASSED = (Approval.State.APPROVED, Approval.State.UNANSWERED)
# Places HR may decide on (or draw lots for): no approval asked, or it has passed.
DECIDABLE = models.Q(approval__isnull=True) | models.Q(approval__state__in=APPROVAL_PASSED)


class OrganisationQuota(models.Model):
    """申込可能人数: how many of an organisation's staff (its sub-units included) may hold a
    place (applied, nominated or confirmed) on a course."""

    course = models.ForeignKey(
        "courses.Course", verbose_name=_("course"), on_delete=models.CASCADE, related_name="+"
    )
    organisation = models.ForeignKey(
        "trainees.Organisation",
        verbose_name=_("organisation"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    limit = models.PositiveSmallIntegerField(_("places"))

    class Meta:
        verbose_name = _("organisation quota")
        verbose_name_plural = _("organisation quotas")
        constraints = [
            models.UniqueConstraint(fields=["course", "organisation"], name="quota_unique")
        ]

    def __str__(self) -> str:
        return f"{self.course_id}:{self.organisation_id} {self.limit}"


class ChangeRequest(models.Model):
    """日程変更: a trainee asks to move to another session of the same course when it is full."""

    class State(models.TextChoices):
        PENDING = "pending", _("Pending")
        APPROVED = "approved", _("Approved")
        REFUSED = "refused", _("Refused")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    enrollment = models.ForeignKey(
        Enrollment, on_delete=models.CASCADE, related_name="change_requests"
    )
    to_session = models.ForeignKey(
        "courses.Session",
        verbose_name=_("to session"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    state = models.CharField(
        _("state"), max_length=10, choices=State.choices, default=State.PENDING
    )
    requested_at = models.DateTimeField(_("requested"), default=timezone.now)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)

    class Meta:
        verbose_name = _("change request")
        verbose_name_plural = _("change requests")
        constraints = [
            models.UniqueConstraint(
                fields=["enrollment"],
                condition=models.Q(state="pending"),
                name="change_request_one_pending",
            )
        ]

    def __str__(self) -> str:
        return f"{self.enrollment_id} -> {self.to_session_id} {self.state}"


class AbsenceReason(models.TextChoices):
    ILLNESS = "illness", _("Illness")
    WORK = "work", _("Work commitments")
    BEREAVEMENT = "bereavement", _("Bereavement")
    OTHER = "other", _("Other")


class AbsenceNotice(models.Model):
    """欠席連絡 for one day of a session, with the reason. Accepted after the deadline too."""

    enrollment = models.ForeignKey(Enrollment, on_delete=models.CASCADE, related_name="absences")
    # PROTECT: a session day with absence notices or attendance cannot be removed by editing
    # the session (courses.services.session_save refuses it with a message).
    day = models.ForeignKey("courses.SessionDay", on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(_("reason"), max_length=12, choices=AbsenceReason.choices)
    detail = models.CharField(_("details"), max_length=300, blank=True)
    sent_at = models.DateTimeField(_("sent"), default=timezone.now)

    class Meta:
        verbose_name = _("absence notice")
        verbose_name_plural = _("absence notices")
        constraints = [
            models.UniqueConstraint(fields=["enrollment", "day"], name="absence_once_per_day")
        ]

    def __str__(self) -> str:
        return f"{self.enrollment_id}@{self.day_id}"


class AttendanceMark(models.TextChoices):
    PRESENT = "present", _("Present")
    ABSENT = "absent", _("Absent")
    LATE = "late", _("Late")
    LEFT_EARLY = "left_early", _("Left early")


# Marks that come with the minutes missed (Attendance.minutes_missed).
LATE_OR_EARLY = (AttendanceMark.LATE, AttendanceMark.LEFT_EARLY)


class Attendance(models.Model):
    """出欠: one trainee on one session day."""

    class Method(models.TextChoices):
        HR = "hr", _("Marked by HR")
        CHECK_IN = "check_in", _("Checked in with the day's code")
        IMPORT = "import", _("From the sign-in sheet file")

    enrollment = models.ForeignKey(Enrollment, on_delete=models.CASCADE, related_name="attendance")
    day = models.ForeignKey("courses.SessionDay", on_delete=models.PROTECT, related_name="+")
    mark = models.CharField(_("attendance"), max_length=10, choices=AttendanceMark.choices)
    # 遅刻・早退: the minutes missed of the day (0 when not known or not late); counted by a
    # course that asks for a share of the hours (Course.attendance_share).
    minutes_missed = models.PositiveSmallIntegerField(_("minutes missed"), default=0)
    method = models.CharField(_("how"), max_length=10, choices=Method.choices)
    recorded_by = models.ForeignKey(
        "trainees.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(_("recorded"), default=timezone.now)

    class Meta:
        verbose_name = _("attendance")
        verbose_name_plural = _("attendance")
        constraints = [
            models.UniqueConstraint(fields=["enrollment", "day"], name="attendance_once_per_day"),
            models.CheckConstraint(
                condition=models.Q(minutes_missed=0)
                | models.Q(mark__in=["late", "left_early"], minutes_missed__lte=24 * 60),
                name="attendance_minutes_only_when_late_or_early",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.enrollment_id}@{self.day_id} {self.mark}"


class CheckInCode(models.Model):
    """The code (and QR) shown at the venue for one session day; valid during the day's hours
    (from 30 minutes before the start)."""

    day = models.OneToOneField(
        "courses.SessionDay", on_delete=models.CASCADE, related_name="check_in"
    )
    code = models.CharField(_("code"), max_length=12)

    class Meta:
        verbose_name = _("check-in code")
        verbose_name_plural = _("check-in codes")

    def __str__(self) -> str:
        return f"{self.day_id}"


class Lottery(models.Model):
    """抽選: the inputs, the random seed and the result, so the draw can be reproduced."""

    session = models.ForeignKey(
        "courses.Session", on_delete=models.PROTECT, related_name="lotteries"
    )
    seed = models.CharField(_("random seed"), max_length=64)
    seats = models.PositiveIntegerField(_("seats drawn for"))
    # [[enrollment id, priority group], …] in id order: what the draw started from.
    entrants = models.JSONField(_("entrants"))
    # Enrolment ids in drawn order; the first `seats` were confirmed, the rest waitlisted.
    drawn = models.JSONField(_("draw"))
    run_by = models.ForeignKey(
        "trainees.User", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    run_at = models.DateTimeField(_("drawn at"), default=timezone.now)

    class Meta:
        verbose_name = _("lottery")
        verbose_name_plural = _("lotteries")
        ordering = ["-run_at"]

    def __str__(self) -> str:
        return f"{self.session_id} {self.run_at:%Y-%m-%d %H:%M}"


class TrainingOrder(models.Model):
    """研修命令: HR's formal order for a session, to a set of trainees."""

    course = models.ForeignKey(
        "courses.Course", verbose_name=_("course"), on_delete=models.PROTECT, related_name="orders"
    )
    session = models.ForeignKey(
        "courses.Session",
        verbose_name=_("session"),
        on_delete=models.PROTECT,
        related_name="orders",
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

    @property
    def rule(self) -> str:
        """What the order's notices are about (notices.Delivery.rule)."""
        return f"order:{self.pk}"


class OrderNumberCounter(models.Model):
    """The last order number handed out in a fiscal year. Locked (SELECT … FOR UPDATE) while a
    number is taken, so two courses ordering at once never get the same number."""

    fiscal_year = models.PositiveSmallIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.fiscal_year}: {self.last}"


class Audience(models.TextChoices):
    """Who on a course or session an お知らせ goes to."""

    CONFIRMED = "confirmed", _("Confirmed (ordered ones included)")
    REQUESTED = "requested", _("Awaiting a decision or nominated")
    WAITLISTED = "waitlisted", _("Waitlisted")
    NOT_COMPLETED = "not_completed", _("Confirmed, not yet completed")


class Announcement(models.Model):
    """An お知らせ HR wrote to a course's or a session's people, chosen by state: what was sent,
    by whom, to how many (each delivery is a notices.Delivery about ``rule``)."""

    course = models.ForeignKey(
        "courses.Course", verbose_name=_("course"), on_delete=models.PROTECT, related_name="+"
    )
    session = models.ForeignKey(
        "courses.Session", verbose_name=_("session"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )  # fmt: skip
    audience = models.JSONField(_("sent to"), default=list)
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("message"), max_length=5000)
    sent_by = models.ForeignKey(
        "trainees.User", verbose_name=_("sent by"), null=True, on_delete=models.SET_NULL,
        related_name="+",
    )  # fmt: skip
    sent_at = models.DateTimeField(_("sent"), default=timezone.now)
    recipients = models.PositiveIntegerField(_("recipients"), default=0)

    class Meta:
        verbose_name = _("announcement")
        verbose_name_plural = _("announcements")
        ordering = ["-sent_at", "-id"]

    def __str__(self) -> str:
        return self.subject

    @property
    def rule(self) -> str:
        return f"announcement:{self.pk}"

    def audience_labels(self) -> list[str]:
        labels = dict(Audience.choices)
        return [str(labels.get(code, code)) for code in self.audience]


class PlaceStatusImport(FileImport):
    """状態の一括変更: a list of a session's people with what becomes of their place — 修了 or
    未修了 decided by HR (a session held outside), back to the course's rules, or 取消 —
    previewed and then applied whole, or not at all."""

    session = models.ForeignKey(
        "courses.Session", on_delete=models.CASCADE, related_name="status_imports"
    )
    # The changes, as checked (enrollments.status_import.PlannedChange, one per line).
    plan = models.JSONField(default=list, blank=True)

    class Meta(FileImport.Meta):
        verbose_name = _("place status import")
        verbose_name_plural = _("place status imports")


class AttendanceImport(FileImport):
    """出欠の一括取込: a session's filled-in sign-in sheet (one line per person and day),
    previewed and then recorded whole — or not at all (lib.imports.FileImport: the file, its
    problems, who confirmed it)."""

    session = models.ForeignKey(
        "courses.Session", on_delete=models.CASCADE, related_name="attendance_imports"
    )
    # The marks to record, as checked (enrollments.attendance_import.PlannedMark, one per line).
    plan = models.JSONField(default=list, blank=True)

    class Meta(FileImport.Meta):
        verbose_name = _("attendance import")
        verbose_name_plural = _("attendance imports")
