"""Tests (テスト): authoring with versioned questions, attempts, answers saved as given,
submission scored from the stored questions, and the server's time limit.

The time limit: an answer saved after the deadline plus GRACE is refused, and an attempt whose
deadline (plus GRACE) has passed is submitted by the server with the answers saved until then
(`auto_submitted`), whether the trainee comes back to submit, reloads the page, or HR opens the
results. Nothing typed after the limit counts.
"""

from __future__ import annotations

import datetime
import random
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import TypeVar

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from assessments.models import (
    ATTEMPT_GRACE,
    CHOICE_KINDS,
    SHORT_ANSWER_MAX,
    Answer,
    Attempt,
    AttemptQuerySet,
    Choice,
    Question,
    QuestionKind,
    Test,
)
from assessments.scoring import (
    ForgedAnswer,
    choices_score,
    number_correct,
    number_parse,
    short_text_correct,
)
from assessments.selectors import attempt_question_map
from audit.services import audit_event_record
from courses.events import announce
from enrollments.models import Enrollment, Status
from trainees.models import User

AnswerResult = TypeVar("AnswerResult")
GRACE = ATTEMPT_GRACE
_random = random.SystemRandom()


class Refused(ValidationError):
    """A request the trainee's page could not have sent (a forged id): nothing is written, and
    the view records the refusal as an audit event once the transaction has rolled back."""

    def __init__(self, message: str, *, reason: str, attempt_id: int | None = None) -> None:
        super().__init__(message)
        self.reason = reason
        self.attempt_id = attempt_id


# --- Authoring ---------------------------------------------------------------------------------


@transaction.atomic
def test_save(*, test: Test, actor: User | None, copy_questions: bool = False) -> Test:
    """A test's settings, new or changed. A course has at most one test of each kind (pre,
    post); a new test may start with a copy of the course's other test's questions."""
    created = test.pk is None
    clash = Test.objects.filter(course_id=test.course_id, kind=test.kind).exclude(pk=test.pk)
    if clash.exists():
        raise ValidationError({"kind": _("This course already has a test of this kind.")})
    test.full_clean()
    test.save()
    audit_event_record(
        kind="test.saved",
        user=actor,
        detail={"test": test.pk, "course": test.course_id, "created": created},
    )
    if created and copy_questions:
        other = Test.objects.filter(course_id=test.course_id).exclude(pk=test.pk).first()
        if other is not None:
            test_copy_questions(source=other, target=test, actor=actor)
    return test


def _given(question: Question) -> bool:
    """Whether an attempt has been given this version (every attempt is given every current
    question, so: an attempt started since the version was made)."""
    return Attempt.objects.filter(
        test_id=question.test_id, started_at__gte=question.created_at
    ).exists()


def _validate_question(kind: str, fields: dict, choices: list[dict]) -> None:
    for name, limit in (("text", 2000), ("explanation", 2000)):
        if len(fields.get(name) or "") > limit:
            raise ValidationError(
                _("%(field)s: at most %(limit)s characters (now %(n)s).")
                % {"field": {"text": _("question"), "explanation": _("explanation (解説)")}[name],
                   "limit": f"{limit:,}",
                   "n": f"{len(fields[name]):,}"}
            )  # fmt: skip
    for number, choice in enumerate(choices, start=1):
        if len(choice["text"]) > 500:
            raise ValidationError(
                _("Choice %(number)s: at most 500 characters (now %(n)s).")
                % {"number": number, "n": f"{len(choice['text']):,}"}
            )
    if kind in CHOICE_KINDS:
        if len(choices) < 2:
            raise ValidationError(_("A choice question needs at least two choices."))
        right = sum(1 for c in choices if c["is_correct"])
        if kind in (QuestionKind.SINGLE, QuestionKind.TRUE_FALSE) and right != 1:
            raise ValidationError(_("Mark exactly one choice as correct."))
        if kind == QuestionKind.MULTIPLE and right < 1:
            raise ValidationError(_("Mark at least one choice as correct."))
    elif kind == QuestionKind.SHORT and not [a for a in fields.get("accepted_answers", []) if a]:
        raise ValidationError(_("Give at least one accepted answer."))
    elif kind == QuestionKind.NUMBER and fields.get("number_answer") is None:
        raise ValidationError(_("Give the correct number."))


@transaction.atomic
def question_save(
    *,
    test: Test,
    question: Question | None,
    fields: dict,
    choices: list[dict],
    actor: User | None,
) -> Question:
    """Add a question or edit one. A question an attempt has already been given is not changed:
    a new version replaces it for later attempts, and the old one keeps scoring the attempts
    that answered it. `choices` are [{"text", "is_correct"}] in order (true/false: ○ and ×)."""
    kind = fields["kind"]
    if kind == QuestionKind.TRUE_FALSE and not choices:
        choices = [{"text": "○", "is_correct": True}, {"text": "×", "is_correct": False}]
    _validate_question(kind, fields, choices)
    now = timezone.now()
    versioned = False
    if question is None:
        position = (
            Question.objects.filter(test=test, retired_at__isnull=True).aggregate(
                p=Max("position")
            )["p"]
            or 0
        ) + 1
        question = Question(test=test, position=position, created_at=now, **fields)
    elif _given(question):
        Question.objects.filter(pk=question.pk).update(retired_at=now)
        question = Question(
            test=test,
            lineage=question.lineage or question.pk,
            version=question.version + 1,
            position=question.position,
            created_at=now,
            **fields,
        )
        versioned = True
    else:
        for name, value in fields.items():
            setattr(question, name, value)
    question.full_clean(exclude=["lineage"])
    question.save()
    if question.lineage is None:
        question.lineage = question.pk
        question.save(update_fields=["lineage"])
    question.choices.all().delete()
    if kind in CHOICE_KINDS:
        Choice.objects.bulk_create(
            Choice(question=question, position=i, text=c["text"], is_correct=c["is_correct"])
            for i, c in enumerate(choices, start=1)
        )
    audit_event_record(
        kind="test.question_saved",
        user=actor,
        detail={"test": test.pk, "question": question.pk, "new_version": versioned},
    )
    return question


@transaction.atomic
def question_remove(*, question: Question, actor: User | None) -> None:
    """Remove a question from the test; one attempts were given stays for their scores."""
    kept = _given(question)
    if kept:
        Question.objects.filter(pk=question.pk).update(retired_at=timezone.now())
    else:
        question.delete()
    audit_event_record(
        kind="test.question_removed",
        user=actor,
        detail={"test": question.test_id, "question": question.pk, "kept_for_attempts": kept},
    )


@transaction.atomic
def question_move(*, question: Question, up: bool, actor: User | None) -> None:
    """Swap with the neighbour above or below. Order is presentation only: attempts keep the
    order they were given, so this never makes a new version."""
    current = list(
        Question.objects.select_for_update()
        .filter(test_id=question.test_id, retired_at__isnull=True)
        .order_by("position", "id")
    )
    index = next(i for i, q in enumerate(current) if q.pk == question.pk)
    other = index - 1 if up else index + 1
    if not 0 <= other < len(current):
        return
    current[index], current[other] = current[other], current[index]
    for position, q in enumerate(current, start=1):
        if q.position != position:
            Question.objects.filter(pk=q.pk).update(position=position)
    audit_event_record(
        kind="test.question_moved",
        user=actor,
        detail={"test": question.test_id, "question": question.pk, "up": up,
                "order": [q.pk for q in current]},
    )  # fmt: skip


def current_questions(test: Test) -> list[Question]:
    return list(
        Question.objects.filter(test=test, retired_at__isnull=True)
        .prefetch_related("choices")
        .order_by("position", "id")
    )


# --- Attempts ----------------------------------------------------------------------------------


def _refuse(actor: User | None, attempt: Attempt | None, reason: str, message: str) -> Refused:
    return Refused(message, reason=reason, attempt_id=attempt.pk if attempt else None)


@transaction.atomic
def attempt_start(
    *, test: Test, enrollment: Enrollment, actor: User | None, now: datetime.datetime | None = None
) -> Attempt:
    """The attempt to work on: the open one if there is one (resumed where it was), else a new
    one if the test is open and attempts remain. Under the enrolment's row lock, so two tabs
    starting at once get the same attempt, and never more than the allowed number."""
    now = now or timezone.now()
    enrollment = Enrollment.objects.select_for_update().get(pk=enrollment.pk)
    if enrollment.course_id != test.course_id or enrollment.status != Status.CONFIRMED:
        raise ValidationError(_("This test is for trainees with a place on the course."))
    _close_expired(Attempt.objects.filter(test=test, enrollment=enrollment), now)
    current = Attempt.objects.filter(
        test=test, enrollment=enrollment, state=Attempt.State.IN_PROGRESS
    ).first()
    if current is not None:
        return current
    if not test.is_open(now):
        raise ValidationError(_("This test is not open now."))
    used = Attempt.objects.filter(test=test, enrollment=enrollment).count()
    if used >= test.attempts_allowed:
        raise ValidationError(
            _("You have used all %(n)s attempts allowed for this test.")
            % {"n": test.attempts_allowed}
        )
    questions = current_questions(test)
    if not questions:
        raise ValidationError(_("This test has no questions yet."))
    if test.shuffle_questions:
        _random.shuffle(questions)
    order = {}
    for question in questions:
        ids = [c.pk for c in question.choices.all()]
        if test.shuffle_choices and question.kind != QuestionKind.TRUE_FALSE:
            _random.shuffle(ids)
        order[str(question.pk)] = ids
    deadline = None
    if test.time_limit_minutes:
        deadline = now + datetime.timedelta(minutes=test.time_limit_minutes)
    if test.closes_at and (deadline is None or test.closes_at < deadline):
        deadline = test.closes_at
    try:
        with transaction.atomic():
            attempt = Attempt.objects.create(
                test=test,
                enrollment=enrollment,
                number=used + 1,
                question_ids=[q.pk for q in questions],
                choice_order=order,
                started_at=now,
                deadline=deadline,
                max_score=sum((q.points for q in questions), Decimal(0)),
            )
    except IntegrityError:  # pragma: no cover - the row lock above serialises starts
        raise ValidationError(_("The attempt could not be started; try again.")) from None
    audit_event_record(
        kind="attempt.started",
        user=actor,
        detail={"test": test.pk, "attempt": attempt.pk, "number": attempt.number},
    )
    return attempt


def _locked(attempt: Attempt) -> Attempt:
    return Attempt.objects.select_for_update().select_related("test").get(pk=attempt.pk)


def _expired(attempt: Attempt, now: datetime.datetime) -> bool:
    return attempt.deadline is not None and now > attempt.deadline + GRACE


def _clean_answer(
    attempt: Attempt,
    question: Question,
    selected: Sequence[str | int],
    text: str,
    actor: User | None,
) -> tuple[list[int], str]:
    """The answer as stored, or Refused / ValidationError naming what is wrong."""
    if question.kind in CHOICE_KINDS:
        own = attempt.choice_order.get(str(question.pk), [])
        try:
            ids = sorted({int(value) for value in selected})
        except (TypeError, ValueError):
            raise _refuse(actor, attempt, "choice", _("That choice is not in this test.")) from None
        if not set(ids) <= set(own):
            raise _refuse(actor, attempt, "choice", _("That choice is not in this test."))
        if question.kind != QuestionKind.MULTIPLE and len(ids) > 1:
            raise _refuse(actor, attempt, "choice", _("Choose one answer."))
        return ids, ""
    text = (text or "").strip()
    if len(text) > SHORT_ANSWER_MAX:
        raise ValidationError(
            _("An answer can be at most %(n)s characters.") % {"n": SHORT_ANSWER_MAX}
        )
    if question.kind == QuestionKind.NUMBER and text and number_parse(text) is None:
        raise ValidationError(_("Enter a number (for example 1,000 or 2.5)."))
    return [], text


def _store(
    attempt: Attempt, question: Question, ids: list[int], text: str, now: datetime.datetime
) -> Answer:
    # One INSERT … ON CONFLICT DO UPDATE (the answer's id returned) instead of a savepoint, a
    # locking SELECT and an UPDATE: this runs on every autosave of every trainee in a test.
    [answer] = Answer.objects.bulk_create(
        [Answer(attempt=attempt, question=question, text=text, saved_at=now)],
        update_conflicts=True,
        unique_fields=["attempt", "question"],
        update_fields=["text", "saved_at"],
    )
    if question.kind in CHOICE_KINDS:  # a written answer never has ticks to clear
        answer.choices.set(ids)
    return answer


def _time_up() -> ValidationError:
    return ValidationError(
        _("The time limit has passed: the test was submitted with the answers saved.")
    )


def _while_open(
    attempt: Attempt, now: datetime.datetime, write: Callable[[Attempt], AnswerResult]
) -> AnswerResult:
    """Write into the attempt, locked, while it is open. Past its time limit it is submitted
    (committed, with what was saved) and the write refused. The one lifecycle of both ways of
    saving answers."""
    with transaction.atomic():
        attempt = _locked(attempt)
        if attempt.state != Attempt.State.IN_PROGRESS:
            raise ValidationError(
                _("This attempt has been submitted; answers can no longer change.")
            )
        if not _expired(attempt, now):
            return write(attempt)
        _submit(attempt, now, auto=True)
    raise _time_up()


def answer_save(
    *,
    attempt: Attempt,
    question_id: int,
    selected: Sequence[str | int],
    text: str,
    actor: User | None,
    now: datetime.datetime | None = None,
) -> Answer:
    """Save one answer as it is given (the page calls this on every change). After the time
    limit the attempt is submitted (committed) and the answer refused."""
    when = now or timezone.now()

    def write(attempt: Attempt) -> Answer:
        if question_id not in attempt.question_ids:
            raise _refuse(actor, attempt, "question", _("That question is not in this test."))
        question = Question.objects.get(pk=question_id)
        ids, cleaned = _clean_answer(attempt, question, selected, text, actor)
        return _store(attempt, question, ids, cleaned, when)

    return _while_open(attempt, when, write)


def _question_points(question: Question, answer: Answer | None, chosen: list[int]) -> Decimal:
    if answer is None:
        return Decimal("0.00")
    if question.kind in CHOICE_KINDS:
        choices = list(question.choices.all())
        try:
            return choices_score(
                selected=chosen,
                correct=[c.pk for c in choices if c.is_correct],
                choices=[c.pk for c in choices],
                points=question.points,
                single=question.kind != QuestionKind.MULTIPLE,
                partial=question.partial_credit,
            )
        except ForgedAnswer:  # pragma: no cover - refused when saved
            return Decimal("0.00")
    if question.kind == QuestionKind.SHORT:
        right = short_text_correct(answer.text, question.accepted_answers)
    else:
        right = question.number_answer is not None and number_correct(
            answer.text, question.number_answer, question.tolerance
        )
    return question.points if right else Decimal("0.00")


def _submit(
    attempt: Attempt,
    now: datetime.datetime,
    *,
    auto: bool,
    actor: User | None = None,
    questions: dict[int, Question] | None = None,
    answers: dict[int, Answer] | None = None,
) -> Attempt:
    """Score the locked attempt from its stored questions and saved answers (``questions``
    and ``answers`` as read by the caller, with their choices prefetched, when it has them)."""
    questions = questions if questions is not None else attempt_question_map(attempt)
    answers = answers if answers is not None else _saved_answers(attempt)
    total = Decimal(0)
    missing = []
    for qid in attempt.question_ids:
        answer = answers.get(qid)
        chosen = [c.pk for c in answer.choices.all()] if answer else []
        points = _question_points(questions[qid], answer, chosen)
        total += points
        if answer is None:
            missing.append(Answer(attempt=attempt, question_id=qid, points=points, saved_at=now))
        else:
            answer.points = points
    Answer.objects.bulk_update(list(answers.values()), ["points"])
    Answer.objects.bulk_create(missing)  # unanswered count as 0 in the item analysis
    attempt.state = Attempt.State.SUBMITTED
    attempt.submitted_at = min(now, attempt.deadline) if auto and attempt.deadline else now
    attempt.auto_submitted = auto
    attempt.score = total
    attempt.passed = attempt.test.passes(total, attempt.max_score)
    attempt.save(update_fields=["state", "submitted_at", "auto_submitted", "score", "passed"])
    audit_event_record(
        kind="attempt.submitted",
        user=None if auto else actor,
        detail={"attempt": attempt.pk, "score": str(total), "auto": auto},
    )
    announce(enrollment_ids=[attempt.enrollment_id])
    return attempt


def _saved_answers(attempt: Attempt) -> dict[int, Answer]:
    return {
        a.question_id: a for a in Answer.objects.filter(attempt=attempt).prefetch_related("choices")
    }


@transaction.atomic
def attempt_submit(
    *,
    attempt: Attempt,
    actor: User | None,
    answers: dict[int, tuple[list[str], str]] | None = None,
    now: datetime.datetime | None = None,
    questions: dict[int, Question] | None = None,
) -> Attempt:
    """Submit (final): the answers sent with it are saved first (the plain-form path), then the
    attempt is scored. A second submission is refused; under the attempt's row lock, two tabs
    submitting at once end in one scored attempt. After the time limit the attempt is scored
    with what was saved before it. ``questions``: attempt_question_map(attempt), where the
    page has read them already.

    The answers are read once, under the lock, for both saving (only what changed is
    written: the page's autosave usually has it all) and scoring; read again only if the
    submission changed one (a submission's reads 11 → 4 queries, view included)."""
    now = now or timezone.now()
    attempt = _locked(attempt)
    if attempt.state != Attempt.State.IN_PROGRESS:
        raise ValidationError(_("This attempt has already been submitted."))
    questions = questions if questions is not None else attempt_question_map(attempt)
    if _expired(attempt, now):
        return _submit(attempt, now, auto=True, questions=questions)
    saved = _saved_answers(attempt)
    if _answers_store(attempt, answers or {}, actor, now, questions=questions, saved=saved):
        saved = _saved_answers(attempt)
    return _submit(attempt, now, auto=False, actor=actor, questions=questions, answers=saved)


def _answers_store(
    attempt: Attempt,
    answers: dict[int, tuple[list[str], str]],
    actor: User | None,
    now: datetime.datetime,
    *,
    questions: dict[int, Question] | None = None,
    saved: dict[int, Answer] | None = None,
) -> bool:
    """Store the posted answers that differ from the saved ones; whether any was written.
    ``questions`` and ``saved`` (every saved answer of the attempt, choices prefetched) are
    read here unless the caller has them."""
    if not set(answers) <= set(attempt.question_ids):
        raise _refuse(actor, attempt, "question", _("That question is not in this test."))
    if questions is None:
        questions = Question.objects.in_bulk(list(answers))
    cleaned = [
        (questions[qid], *_clean_answer(attempt, questions[qid], selected, text, actor))
        for qid, (selected, text) in answers.items()
    ]
    if saved is None:
        saved = {
            answer.question_id: answer
            for answer in Answer.objects.filter(
                attempt=attempt, question_id__in=list(answers)
            ).prefetch_related("choices")
        }
    before = {
        qid: (sorted(c.pk for c in answer.choices.all()), answer.text)
        for qid, answer in saved.items()
    }
    written = False
    for question, ids, text in cleaned:
        was = before.get(question.pk)
        if (was is None and (ids or text)) or (was is not None and was != (ids, text)):
            _store(attempt, question, ids, text, now)
            written = True
    return written


def answers_save(
    *,
    attempt: Attempt,
    answers: dict[int, tuple[list[str], str]],
    actor: User | None,
    now: datetime.datetime | None = None,
    questions: dict[int, Question] | None = None,
) -> None:
    """Save a page of answers (the form without JavaScript): all or none. After the time
    limit the attempt is submitted (committed) and the answers refused. ``questions`` as
    for attempt_submit."""
    when = now or timezone.now()

    def write(open_attempt: Attempt) -> bool:
        return _answers_store(open_attempt, answers, actor, when, questions=questions)

    _while_open(attempt, when, write)


def _close_expired(attempts: AttemptQuerySet, now: datetime.datetime) -> int:
    """Submit, with what was saved, the open attempts whose time (or the test) has run out."""
    due = attempts.overdue(now)
    closed = 0
    for attempt in due.select_for_update(of=("self",)).select_related("test"):
        _submit(attempt, now, auto=True)
        closed += 1
    return closed


@transaction.atomic
def attempt_close_overdue(*, attempt: Attempt, now: datetime.datetime | None = None) -> bool:
    """The trainee hands in an attempt whose time is up: submitted with what was saved. False
    when it was not overdue (or already submitted)."""
    return _close_expired(Attempt.objects.filter(pk=attempt.pk), now or timezone.now()) == 1


@transaction.atomic
def attempts_close_expired(
    *, test: Test | None = None, now: datetime.datetime | None = None
) -> int:
    """The minute's job (and HR's "submit them now"): time-limited attempts left open are
    submitted with what was saved."""
    attempts = Attempt.objects.all() if test is None else Attempt.objects.filter(test=test)
    return _close_expired(attempts, now or timezone.now())


@transaction.atomic
def attempt_adjust(*, attempt: Attempt, score: Decimal, reason: str, actor: User | None) -> Attempt:
    """HR changes a submitted attempt's score, with a reason (kept and audited)."""
    attempt = _locked(attempt)
    if attempt.state != Attempt.State.SUBMITTED:
        raise ValidationError(_("Only a submitted attempt can be adjusted."))
    if not reason.strip():
        raise ValidationError(_("Give the reason for the adjustment."))
    if len(reason.strip()) > 500:
        raise ValidationError(
            _("The reason can be at most 500 characters (now %(n)s).") % {"n": len(reason.strip())}
        )
    if not Decimal(0) <= score <= attempt.max_score:
        raise ValidationError(
            _("The score must be between 0 and %(max)s.") % {"max": attempt.max_score}
        )
    before = attempt.final_score
    attempt.adjusted_score = score
    attempt.adjust_reason = reason.strip()
    attempt.passed = attempt.test.passes(score, attempt.max_score)
    attempt.save(update_fields=["adjusted_score", "adjust_reason", "passed"])
    audit_event_record(
        kind="attempt.adjusted",
        user=actor,
        detail={"attempt": attempt.pk, "from": str(before), "to": str(score)},
    )
    announce(enrollment_ids=[attempt.enrollment_id])
    return attempt


def _copy_questions(questions: list[Question], target: Test) -> None:
    for question in questions:
        choices = list(question.choices.all())
        question.pk = None
        question.test = target
        question.lineage = None
        question.version = 1
        question.retired_at = None
        question.created_at = target.created_at
        question.save()
        question.lineage = question.pk
        question.save(update_fields=["lineage"])
        Choice.objects.bulk_create(
            Choice(question=question, position=c.position, text=c.text, is_correct=c.is_correct)
            for c in choices
        )


def test_copy(*, source: Test, course_id: int) -> Test:
    """A copy of a test and its current questions on another course (next year's)."""
    questions = current_questions(source)
    copy = Test.objects.get(pk=source.pk)
    copy.pk = None
    copy.course_id = course_id
    copy.opens_at = copy.closes_at = None
    copy.created_at = timezone.now()
    copy.save()
    _copy_questions(questions, copy)
    return copy


@transaction.atomic
def test_copy_questions(*, source: Test, target: Test, actor: User | None) -> int:
    """The post-test of the same questions as the pre-test (or the other way round)."""
    questions = current_questions(source)
    _copy_questions(questions, target)
    audit_event_record(
        kind="test.question_saved",
        user=actor,
        detail={"test": target.pk, "copied_from": source.pk, "questions": len(questions)},
    )
    return len(questions)


def points_total(test: Test) -> Decimal:
    return Question.objects.filter(test=test, retired_at__isnull=True).aggregate(s=Sum("points"))[
        "s"
    ] or Decimal(0)
