"""Assessments: tests (テスト), surveys (アンケート) and completion reports (受講結果報告).

A test's questions are versioned: editing or removing a question that an attempt has already
been given makes a new version and retires the old one, so an attempt keeps scoring against the
questions it showed. An anonymous survey's responses carry no link to a person: the response
rows have a random id, the day and the organisation only, and a separate SurveyDone row records
that the enrolment has answered (see surveys in assessments/services.py).
"""

from __future__ import annotations

import datetime
import uuid
from decimal import Decimal
from typing import Any

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# A save that left the browser just before the time limit still counts.
ATTEMPT_GRACE = datetime.timedelta(seconds=30)

# Text lengths a trainee may type (the pages say them; the services refuse longer).
SHORT_ANSWER_MAX = 200
SURVEY_TEXT_MAX = 2000


class Test(models.Model):
    """A course's 事前テスト or 事後テスト, with its rules."""

    __test__ = False  # not a pytest test class, whatever its name

    class Kind(models.TextChoices):
        PRE = "pre", _("Pre-test")
        POST = "post", _("Post-test")

    class Counting(models.TextChoices):
        BEST = "best", _("The best attempt counts")
        LAST = "last", _("The last attempt counts")
        FIRST = "first", _("The first attempt counts")

    class Reveal(models.TextChoices):
        AT_ONCE = "at_once", _("At once, after submitting")
        AFTER_CLOSE = "after_close", _("After the test closes")
        NEVER = "never", _("Never")

    class PassUnit(models.TextChoices):
        PERCENT = "percent", _("percentage of the points")
        POINTS = "points", _("points")

    course = models.ForeignKey(
        "courses.Course", verbose_name=_("course"), on_delete=models.CASCADE, related_name="tests"
    )
    kind = models.CharField(_("kind"), max_length=4, choices=Kind.choices, default=Kind.POST)
    title = models.CharField(_("title"), max_length=200)
    instructions = models.TextField(_("instructions"), blank=True, max_length=2000)
    pass_mark = models.DecimalField(
        _("pass mark"), max_digits=6, decimal_places=2, default=Decimal(60),
        validators=[MinValueValidator(Decimal(0))],
    )  # fmt: skip
    pass_unit = models.CharField(
        _("pass mark in"), max_length=7, choices=PassUnit.choices, default=PassUnit.PERCENT
    )
    attempts_allowed = models.PositiveSmallIntegerField(
        _("attempts allowed"), default=1, validators=[MinValueValidator(1), MaxValueValidator(10)]
    )
    counting = models.CharField(
        _("which attempt counts"), max_length=5, choices=Counting.choices, default=Counting.BEST
    )
    time_limit_minutes = models.PositiveSmallIntegerField(
        _("time limit (minutes)"), null=True, blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(600)],
    )  # fmt: skip
    shuffle_questions = models.BooleanField(_("shuffle the questions"), default=False)
    shuffle_choices = models.BooleanField(_("shuffle the choices"), default=False)
    one_per_page = models.BooleanField(_("one question per page"), default=False)
    opens_at = models.DateTimeField(_("opens"), null=True, blank=True)
    closes_at = models.DateTimeField(_("closes"), null=True, blank=True)
    show_score = models.CharField(
        _("score shown"), max_length=11, choices=Reveal.choices, default=Reveal.AT_ONCE
    )
    show_answers = models.CharField(
        _("correct answers and explanations shown"), max_length=11, choices=Reveal.choices,
        default=Reveal.AFTER_CLOSE,
    )  # fmt: skip
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("test")
        verbose_name_plural = _("tests")
        ordering = ["course", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["course", "kind"], name="test_one_per_kind"),
            models.CheckConstraint(
                condition=models.Q(closes_at__isnull=True)
                | models.Q(opens_at__isnull=True)
                | models.Q(closes_at__gt=models.F("opens_at")),
                name="test_closes_after_opening",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def is_open(self, now: datetime.datetime | None = None) -> bool:
        now = now or timezone.now()
        return (self.opens_at is None or self.opens_at <= now) and (
            self.closes_at is None or now < self.closes_at
        )

    def revealed(self, setting: str, now: datetime.datetime | None = None) -> bool:
        if setting == self.Reveal.AT_ONCE:
            return True
        if setting == self.Reveal.AFTER_CLOSE:
            return self.closes_at is not None and self.closes_at <= (now or timezone.now())
        return False

    @property
    def graded(self) -> bool:
        """Only a post-test is passed or failed. A pre-test measures where trainees start (its
        score is compared with the post-test's for the gain); it has no pass mark."""
        return self.kind == self.Kind.POST

    def passes(self, score: Decimal, max_score: Decimal) -> bool | None:
        """Whether the score passes; None for a pre-test, which is not passed or failed."""
        if not self.graded:
            return None
        if self.pass_unit == self.PassUnit.POINTS:
            return score >= self.pass_mark
        return max_score > 0 and score * 100 >= self.pass_mark * max_score


class QuestionKind(models.TextChoices):
    SINGLE = "single", _("Single choice")
    MULTIPLE = "multiple", _("Multiple choice")
    TRUE_FALSE = "truefalse", _("True or false")
    SHORT = "short", _("Short text")
    NUMBER = "number", _("Number")


CHOICE_KINDS = (QuestionKind.SINGLE, QuestionKind.MULTIPLE, QuestionKind.TRUE_FALSE)


class Question(models.Model):
    """One version of a test question. `lineage` is the first version's id (the same question
    through its edits); `retired_at` is set when a newer version replaced it or it was removed
    after attempts had been given it."""

    test = models.ForeignKey(
        Test, verbose_name=_("test"), on_delete=models.CASCADE, related_name="questions"
    )
    lineage = models.PositiveBigIntegerField(_("question"), null=True, blank=True, db_index=True)
    version = models.PositiveSmallIntegerField(_("version"), default=1)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    kind = models.CharField(_("question type"), max_length=9, choices=QuestionKind.choices)
    text = models.TextField(_("question"), max_length=2000)
    points = models.DecimalField(
        _("points"), max_digits=5, decimal_places=2, default=Decimal(1),
        validators=[MinValueValidator(Decimal("0.01"))],
    )  # fmt: skip
    partial_credit = models.BooleanField(_("partial credit"), default=False)
    # Short text: the answers accepted (compared after folding, see scoring.answer_fold).
    accepted_answers = models.JSONField(_("accepted answers"), default=list, blank=True)
    number_answer = models.DecimalField(
        _("correct number"), max_digits=14, decimal_places=4, null=True, blank=True
    )
    tolerance = models.DecimalField(
        _("tolerance (±)"), max_digits=14, decimal_places=4, default=Decimal(0)
    )
    explanation = models.TextField(_("explanation (解説)"), blank=True, max_length=2000)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    retired_at = models.DateTimeField(_("retired"), null=True, blank=True)

    class Meta:
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        ordering = ["test", "position", "id"]
        indexes = [models.Index(fields=["test", "retired_at"], name="question_test_current")]

    def __str__(self) -> str:
        return self.text[:50]


class Choice(models.Model):
    question = models.ForeignKey(
        Question, verbose_name=_("question"), on_delete=models.CASCADE, related_name="choices"
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    text = models.CharField(_("choice"), max_length=500)
    is_correct = models.BooleanField(_("correct"), default=False)

    class Meta:
        verbose_name = _("choice")
        verbose_name_plural = _("choices")
        ordering = ["question", "position", "id"]

    def __str__(self) -> str:
        return self.text[:50]


class AttemptQuerySet(models.QuerySet["Attempt"]):
    def overdue(self, now: datetime.datetime | None = None) -> AttemptQuerySet:
        """Open attempts past their time limit or the test's closing, beyond the grace (the
        database's form of Attempt.overdue)."""
        limit = (now or timezone.now()) - ATTEMPT_GRACE
        return self.filter(state=Attempt.State.IN_PROGRESS).filter(
            models.Q(deadline__lt=limit) | models.Q(test__closes_at__lt=limit)
        )


class Attempt(models.Model):
    """One enrolment's attempt at a test: the questions it was given (in its order), the
    deadline the server set, and the score once submitted."""

    class State(models.TextChoices):
        IN_PROGRESS = "open", _("In progress")
        SUBMITTED = "submitted", _("Submitted")

    test = models.ForeignKey(
        Test, verbose_name=_("test"), on_delete=models.PROTECT, related_name="attempts"
    )
    enrollment = models.ForeignKey(
        "enrollments.Enrollment", verbose_name=_("enrolment"), on_delete=models.PROTECT,
        related_name="attempts",
    )  # fmt: skip
    number = models.PositiveSmallIntegerField(_("attempt"))
    state = models.CharField(
        _("state"), max_length=9, choices=State.choices, default=State.IN_PROGRESS
    )
    question_ids = models.JSONField(default=list)
    choice_order = models.JSONField(default=dict)  # {question id: [choice ids in shown order]}
    started_at = models.DateTimeField(_("started"), default=timezone.now)
    deadline = models.DateTimeField(_("time limit ends"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    # Submitted by the server at the time limit, with the answers saved until then.
    auto_submitted = models.BooleanField(_("submitted at the time limit"), default=False)
    score = models.DecimalField(_("score"), max_digits=7, decimal_places=2, null=True, blank=True)
    max_score = models.DecimalField(_("out of"), max_digits=7, decimal_places=2, default=0)
    passed = models.BooleanField(_("passed"), null=True, blank=True)
    adjusted_score = models.DecimalField(
        _("adjusted score"), max_digits=7, decimal_places=2, null=True, blank=True
    )
    adjust_reason = models.CharField(_("reason for the adjustment"), max_length=500, blank=True)

    objects = AttemptQuerySet.as_manager()

    class Meta:
        verbose_name = _("attempt")
        verbose_name_plural = _("attempts")
        ordering = ["test", "enrollment", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["enrollment", "test", "number"], name="attempt_number_once"
            ),
            models.UniqueConstraint(
                fields=["enrollment", "test"],
                condition=models.Q(state="open"),
                name="attempt_one_open",
            ),
            models.CheckConstraint(
                condition=models.Q(state="open", submitted_at__isnull=True, score__isnull=True)
                | models.Q(state="submitted", submitted_at__isnull=False, score__isnull=False),
                name="attempt_scored_when_submitted",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.test_id}:{self.enrollment_id}#{self.number}"

    @property
    def final_score(self) -> Decimal | None:
        return self.adjusted_score if self.adjusted_score is not None else self.score

    @property
    def percent(self) -> Decimal | None:
        if self.final_score is None or not self.max_score:
            return None
        return (self.final_score * 100 / self.max_score).quantize(Decimal("0.1"))

    def overdue(self, now: datetime.datetime | None = None) -> bool:
        """Still open past its time limit or the test's closing, beyond the grace: it is to be
        submitted with what was saved (by the minute's job, the trainee's hand-in or HR)."""
        when = now or timezone.now()
        return self.state == self.State.IN_PROGRESS and any(
            limit is not None and when > limit + ATTEMPT_GRACE
            for limit in (self.deadline, self.test.closes_at)
        )


class Answer(models.Model):
    """What an attempt answered to one of its questions (saved as it is given)."""

    attempt = models.ForeignKey(
        Attempt, verbose_name=_("attempt"), on_delete=models.CASCADE, related_name="answers"
    )
    question = models.ForeignKey(
        Question, verbose_name=_("question"), on_delete=models.PROTECT, related_name="answers"
    )
    # The choices ticked (a table rather than a list, so the item analysis counts them in SQL).
    choices = models.ManyToManyField(Choice, verbose_name=_("choices ticked"), blank=True)
    text = models.CharField(_("answer"), max_length=SHORT_ANSWER_MAX, blank=True)
    saved_at = models.DateTimeField(_("saved"), default=timezone.now)
    points = models.DecimalField(_("points"), max_digits=5, decimal_places=2, null=True)

    class Meta:
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        constraints = [
            models.UniqueConstraint(fields=["attempt", "question"], name="answer_once"),
        ]

    def __str__(self) -> str:
        return f"{self.attempt_id}:{self.question_id}"


# --- Surveys ---------------------------------------------------------------------------------


class SurveyQuestionKind(models.TextChoices):
    SATISFACTION = "satisfaction", _("5-point scale: satisfied … dissatisfied")
    AGREEMENT = "agreement", _("5-point scale: agree … disagree")
    SINGLE = "single", _("Single choice")
    MULTIPLE = "multiple", _("Multiple choice")
    TEXT = "text", _("Free text")


SCALE_LABELS: dict[str, list[str]] = {
    SurveyQuestionKind.SATISFACTION: ["大変満足", "満足", "普通", "やや不満", "不満"],
    SurveyQuestionKind.AGREEMENT: [
        "そう思う", "ややそう思う", "どちらともいえない", "あまりそう思わない", "そう思わない"
    ],
}  # fmt: skip


class Survey(models.Model):
    """A course's アンケート, or (without a course) a template HR copies into courses."""

    course = models.OneToOneField(
        "courses.Course", verbose_name=_("course"), on_delete=models.CASCADE, null=True,
        blank=True, related_name="survey",
    )  # fmt: skip
    title = models.CharField(_("title"), max_length=200)
    instructions = models.TextField(_("instructions"), blank=True, max_length=2000)
    anonymous = models.BooleanField(
        _("anonymous"), default=True,
        help_text=_(
            "Responses cannot be traced back to the person; HR sees only who has answered."
        ),
    )  # fmt: skip
    opens_at = models.DateTimeField(_("opens"), null=True, blank=True)
    closes_at = models.DateTimeField(_("closes"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("survey")
        verbose_name_plural = _("surveys")
        ordering = ["course", "title"]

    def __str__(self) -> str:
        return self.title

    @property
    def is_template(self) -> bool:
        return self.course_id is None

    def is_open(self, now: datetime.datetime | None = None) -> bool:
        now = now or timezone.now()
        return (self.opens_at is None or self.opens_at <= now) and (
            self.closes_at is None or now < self.closes_at
        )


class SurveyQuestion(models.Model):
    survey = models.ForeignKey(
        Survey, verbose_name=_("survey"), on_delete=models.CASCADE, related_name="questions"
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    kind = models.CharField(_("question type"), max_length=12, choices=SurveyQuestionKind.choices)
    text = models.CharField(_("question"), max_length=500)
    required = models.BooleanField(_("required"), default=True)
    choices = models.JSONField(_("choices"), default=list, blank=True)

    class Meta:
        verbose_name = _("survey question")
        verbose_name_plural = _("survey questions")
        ordering = ["survey", "position", "id"]

    def __str__(self) -> str:
        return self.text[:50]

    @property
    def options(self) -> list[str]:
        """The labels a choice or scale question offers, in order (index = stored value)."""
        return SCALE_LABELS.get(self.kind, self.choices)

    @property
    def is_scale(self) -> bool:
        return self.kind in SCALE_LABELS


class SurveyResponse(models.Model):
    """One answered survey. Anonymous: a random id, the session and the organisation the person
    belonged to — nothing that leads to the person: no enrolment, no day or time, no serial
    number, and not even the database transaction it was answered in, since anonymous
    responses are written in shuffled batches of several (SurveyHeld, survey_responses_release)
    long after SurveyDone. Named (survey not anonymous): the enrolment and the day too, which the
    trainee is told before answering."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    survey = models.ForeignKey(
        Survey, verbose_name=_("survey"), on_delete=models.CASCADE, related_name="responses"
    )
    session = models.ForeignKey(
        "courses.Session", verbose_name=_("session"), on_delete=models.CASCADE, related_name="+"
    )
    organisation = models.ForeignKey(
        "trainees.Organisation", verbose_name=_("organisation"), on_delete=models.SET_NULL,
        null=True, blank=True, related_name="+",
    )  # fmt: skip
    answered_on = models.DateField(_("answered on"), null=True, blank=True)  # named only
    anonymous = models.BooleanField(default=True)
    enrollment = models.ForeignKey(
        "enrollments.Enrollment", verbose_name=_("enrolment"), on_delete=models.CASCADE,
        null=True, blank=True, related_name="+",
    )  # fmt: skip

    class Meta:
        verbose_name = _("survey response")
        verbose_name_plural = _("survey responses")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(anonymous=False)
                | models.Q(enrollment__isnull=True, answered_on__isnull=True),
                name="survey_response_anonymous_has_no_person",
            ),
        ]

    def __str__(self) -> str:
        return str(self.id)


class SurveyAnswer(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    response = models.ForeignKey(SurveyResponse, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(SurveyQuestion, on_delete=models.CASCADE, related_name="answers")
    # Scale and single choice: the option's index; multiple: the indexes; text: the text.
    choice = models.PositiveSmallIntegerField(null=True, blank=True)
    choices = models.JSONField(default=list, blank=True)
    text = models.TextField(blank=True, max_length=SURVEY_TEXT_MAX)

    class Meta:
        verbose_name = _("survey answer")
        verbose_name_plural = _("survey answers")
        constraints = [
            models.UniqueConstraint(fields=["response", "question"], name="survey_answer_once"),
        ]

    def __str__(self) -> str:
        return str(self.id)


class SurveyHeld(models.Model):
    """An anonymous survey's answers waiting for their batch. Written in the same transaction
    as SurveyDone — so a database reader can link the two — which is why what it holds is
    encrypted (audit.crypto, a key the database never sees): the session, the organisation and
    the answers. survey_responses_release turns a survey's held answers into SurveyResponse rows
    in one transaction, shuffled, once there are enough of them, and deletes these."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="held")
    held_on = models.DateField(_("held since"))
    payload = models.TextField()

    class Meta:
        verbose_name = _("survey answers waiting for their batch")
        verbose_name_plural = _("survey answers waiting for their batch")

    def __str__(self) -> str:
        return str(self.id)


class SurveyDone(models.Model):
    """That an enrolment has answered the survey — and nothing about what it answered."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="done")
    enrollment = models.ForeignKey(
        "enrollments.Enrollment", on_delete=models.CASCADE, related_name="surveys_done"
    )
    answered_on = models.DateField(_("answered on"))

    class Meta:
        verbose_name = _("survey answered")
        verbose_name_plural = _("surveys answered")
        constraints = [
            models.UniqueConstraint(fields=["survey", "enrollment"], name="survey_done_once"),
        ]

    def __str__(self) -> str:
        return f"{self.survey_id}:{self.enrollment_id}"


# --- Completion reports ----------------------------------------------------------------------


class Reviewer(models.TextChoices):
    COORDINATOR = "coordinator", _("The department coordinator")
    SUPERVISOR = "supervisor", _("The trainee's supervisor (所属長)")


class ReportForm(models.Model):
    """The form of a course's 受講結果報告 (or of its 事前課題, due before the first day)."""

    class Purpose(models.TextChoices):
        REPORT = "report", _("Completion report")
        PRE_TASK = "pre_task", _("Pre-course assignment")

    course = models.ForeignKey(
        "courses.Course", verbose_name=_("course"), on_delete=models.CASCADE,
        related_name="report_forms",
    )  # fmt: skip
    purpose = models.CharField(
        _("purpose"), max_length=8, choices=Purpose.choices, default=Purpose.REPORT
    )
    title = models.CharField(_("title"), max_length=200)
    instructions = models.TextField(_("instructions"), blank=True, max_length=2000)
    requires_review = models.BooleanField(
        _("department review (所属長確認)"), default=False,
        help_text=_("The trainee's coordinator acknowledges the report or returns it."),
    )  # fmt: skip
    reviewer = models.CharField(
        _("reviewed by"), max_length=11, choices=Reviewer.choices, default=Reviewer.COORDINATOR,
        help_text=_("Who acknowledges or returns the report, where it is reviewed."),
    )  # fmt: skip
    due_date = models.DateField(_("due"), null=True, blank=True)

    class Meta:
        verbose_name = _("report form")
        verbose_name_plural = _("report forms")
        ordering = ["course", "purpose"]
        constraints = [
            models.UniqueConstraint(
                fields=["course", "purpose"], name="report_form_one_per_purpose"
            )
        ]

    def __str__(self) -> str:
        return self.title


class ReportField(models.Model):
    class Kind(models.TextChoices):
        TEXT = "text", _("Text")
        RATING = "rating", _("Self-assessment 1–5")

    form = models.ForeignKey(ReportForm, on_delete=models.CASCADE, related_name="fields")
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    label = models.CharField(_("label"), max_length=200)
    kind = models.CharField(_("type"), max_length=6, choices=Kind.choices, default=Kind.TEXT)
    required = models.BooleanField(_("required"), default=True)
    max_length = models.PositiveSmallIntegerField(
        _("maximum length"),
        default=2000,
        validators=[MinValueValidator(10), MaxValueValidator(8000)],
    )

    class Meta:
        verbose_name = _("report field")
        verbose_name_plural = _("report fields")
        ordering = ["form", "position", "id"]

    def __str__(self) -> str:
        return self.label


class CompletionReport(models.Model):
    """A trainee's report: a draft until submitted; editable until acknowledged."""

    class State(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")
        RETURNED = "returned", _("Returned for changes")
        ACKNOWLEDGED = "acknowledged", _("Acknowledged")

    form = models.ForeignKey(ReportForm, on_delete=models.PROTECT, related_name="reports")
    enrollment = models.ForeignKey(
        "enrollments.Enrollment", verbose_name=_("enrolment"), on_delete=models.PROTECT,
        related_name="reports",
    )  # fmt: skip
    # The place's trainee, kept on the report (a place never changes hands): the reviewers'
    # lists select a department's reports by it without joining every place (issue 23: at
    # 100,000 staff the join read the whole table of places, 190 ms for a page of 50).
    trainee = models.ForeignKey(
        "trainees.Trainee", on_delete=models.PROTECT, related_name="+", editable=False
    )
    answers = models.JSONField(default=dict)  # {field id: text or rating}
    state = models.CharField(_("state"), max_length=12, choices=State.choices, default=State.DRAFT)
    saved_at = models.DateTimeField(_("saved"), default=timezone.now)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    reviewed_at = models.DateTimeField(_("reviewed"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        "trainees.User", verbose_name=_("reviewed by"), on_delete=models.SET_NULL, null=True,
        blank=True, related_name="+",
    )  # fmt: skip
    review_comment = models.CharField(_("review comment"), max_length=1000, blank=True)
    review_round = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("completion report")
        verbose_name_plural = _("completion reports")
        constraints = [
            models.UniqueConstraint(fields=["form", "enrollment"], name="report_once"),
        ]
        indexes = [
            # With the author, the time and the key (PostgreSQL; SQLite keeps the plain index):
            # the reports waiting for review, read by HR's and the coordinator's homes, come
            # from the index alone rather than each report's row (6,000 waiting at a city's
            # size: 5.3 → 2.5 ms for a coordinator, 5.5 → 3.3 for HR).
            models.Index(
                fields=["form", "state"],
                include=["trainee", "submitted_at", "id"],
                name="report_form_state_cover",
            )
        ]

    def __str__(self) -> str:
        return f"{self.form_id}:{self.enrollment_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.trainee_id is None and self.enrollment_id is not None:
            self.trainee_id = self.enrollment.trainee_id
        super().save(*args, **kwargs)
