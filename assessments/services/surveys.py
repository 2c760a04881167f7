"""Surveys (アンケート): authoring, copying a template into a course, answering, reminders.

Anonymity is kept by what is written, not by what the pages choose to show: an anonymous
response is a SurveyResponse with a random id, the session and the organisation, and its
answers; separately a SurveyDone row says that the enrolment has answered. Nothing joins the
two: no foreign key, no shared id, no day or time, and the audit event of the answer names the
survey only. Nor does the database's own bookkeeping: rows written in one transaction carry
adjacent transaction ids (PostgreSQL's ``xmin``), so a response written with its SurveyDone
could be matched to it. The answers are therefore held, encrypted, in SurveyHeld (written with
SurveyDone) and become responses later, in shuffled batches of at least SURVEY_RELEASE_BATCH,
one transaction per batch (``survey_responses_release``): within a batch, ``xmin`` and the
physical order say nothing about who answered what.
"""

from __future__ import annotations

import datetime
import json
import logging
import secrets
from itertools import groupby

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from assessments.models import (
    SURVEY_TEXT_MAX,
    Survey,
    SurveyAnswer,
    SurveyDone,
    SurveyHeld,
    SurveyQuestion,
    SurveyQuestionKind,
    SurveyResponse,
)
from assessments.services.tests import Refused
from audit import crypto
from audit.services import audit_event_record
from courses.events import announce
from courses.models import Course, Session
from courses.selectors import session_notice_values
from enrollments.models import Enrollment, Status
from lib.tasks import task_named
from notices.models import NoticeKind
from notices.services import Recipient, notice_send_by_template
from trainees.models import User


@transaction.atomic
def survey_save(*, survey: Survey, actor: User | None) -> Survey:
    """A survey's settings. Once people have answered, its anonymity stays as they were told."""
    created = survey.pk is None
    if not created:
        stored = Survey.objects.filter(pk=survey.pk).values_list("anonymous", flat=True).first()
        if stored is not None and stored != survey.anonymous and _has_responses(survey):
            raise ValidationError(
                {"anonymous": _("People have answered: the survey's anonymity stays as they "
                                "were told.")}
            )  # fmt: skip
    survey.full_clean()
    survey.save()
    audit_event_record(
        kind="survey.saved",
        user=actor,
        detail={"survey": survey.pk, "course": survey.course_id, "created": created},
    )
    return survey


def _has_responses(survey: Survey) -> bool:
    return SurveyDone.objects.filter(survey=survey).exists() or (
        SurveyResponse.objects.filter(survey=survey).exists()
    )


@transaction.atomic
def survey_question_save(
    *, survey: Survey, question: SurveyQuestion | None, fields: dict, actor: User | None
) -> SurveyQuestion:
    """Add or edit a question. Once people have answered, a question's type and choices stay as
    they were (the answers are stored as the index of the option chosen); the wording may still
    be corrected."""
    kind = fields["kind"]
    if kind in (SurveyQuestionKind.SINGLE, SurveyQuestionKind.MULTIPLE):
        if len(fields.get("choices", [])) < 2:
            raise ValidationError(_("A choice question needs at least two choices."))
    else:
        fields["choices"] = []
    if question is None:
        position = (
            SurveyQuestion.objects.filter(survey=survey).aggregate(p=Max("position"))["p"] or 0
        ) + 1
        question = SurveyQuestion(survey=survey, position=position)
    elif _has_responses(survey) and (
        kind != question.kind or fields["choices"] != question.choices
    ):
        raise ValidationError(
            _(
                "People have answered this survey: its questions' types and choices can no "
                "longer change."
            )
        )
    for name, value in fields.items():
        setattr(question, name, value)
    question.full_clean()
    question.save()
    audit_event_record(
        kind="survey.saved", user=actor, detail={"survey": survey.pk, "question": question.pk}
    )
    return question


@transaction.atomic
def survey_question_remove(*, question: SurveyQuestion, actor: User | None) -> None:
    if _has_responses(question.survey):
        raise ValidationError(_("People have answered this survey: its questions stay."))
    question.delete()
    audit_event_record(
        kind="survey.saved",
        user=actor,
        detail={"survey": question.survey_id, "removed_question": question.pk},
    )


@transaction.atomic
def survey_question_move(*, question: SurveyQuestion, up: bool, actor: User | None) -> None:
    questions = list(
        SurveyQuestion.objects.select_for_update()
        .filter(survey_id=question.survey_id)
        .order_by("position", "id")
    )
    index = next(i for i, q in enumerate(questions) if q.pk == question.pk)
    other = index - 1 if up else index + 1
    if not 0 <= other < len(questions):
        return
    questions[index], questions[other] = questions[other], questions[index]
    for position, q in enumerate(questions, start=1):
        SurveyQuestion.objects.filter(pk=q.pk).update(position=position)
    audit_event_record(
        kind="survey.question_moved",
        user=actor,
        detail={"survey": question.survey_id, "question": question.pk, "up": up,
                "order": [q.pk for q in questions]},
    )  # fmt: skip


def _copy_questions(source: Survey, target: Survey) -> None:
    SurveyQuestion.objects.bulk_create(
        SurveyQuestion(
            survey=target, position=q.position, kind=q.kind, text=q.text, required=q.required,
            choices=q.choices,
        )
        for q in source.questions.order_by("position", "id")
    )  # fmt: skip


@transaction.atomic
def survey_from_template(*, template: Survey, course: Course, actor: User | None) -> Survey:
    """The course's survey, a copy of a template (HR's standard 研修アンケート)."""
    if Survey.objects.filter(course=course).exists():
        raise ValidationError(_("This course already has a survey."))
    survey = Survey.objects.create(
        course=course, title=template.title, instructions=template.instructions,
        anonymous=template.anonymous,
    )  # fmt: skip
    _copy_questions(template, survey)
    audit_event_record(
        kind="survey.saved",
        user=actor,
        detail={"survey": survey.pk, "course": course.pk, "template": template.pk},
    )
    return survey


def survey_copy(*, source: Survey, course_id: int) -> Survey:
    """Next year's course gets the survey's questions (not its answers)."""
    survey = Survey.objects.create(
        course_id=course_id, title=source.title, instructions=source.instructions,
        anonymous=source.anonymous,
    )  # fmt: skip
    _copy_questions(source, survey)
    return survey


def _clean(question: SurveyQuestion, value: object) -> tuple[int | None, list[int], str] | None:
    """(choice, choices, text) for one answer, None when unanswered; ValidationError naming
    the question when it is invalid."""
    options = len(question.options)
    if question.kind == SurveyQuestionKind.TEXT:
        text = str(value or "").strip()
        if len(text) > SURVEY_TEXT_MAX:
            raise ValidationError(
                _("「%(question)s」: at most %(n)s characters.")
                % {"question": question.text, "n": SURVEY_TEXT_MAX}
            )
        return (None, [], text) if text else None
    values = value if isinstance(value, list) else ([value] if value not in (None, "") else [])
    try:
        indexes = sorted({int(v) for v in values})
    except (TypeError, ValueError):
        indexes = [-1]
    if any(not 0 <= i < options for i in indexes) or (
        question.kind != SurveyQuestionKind.MULTIPLE and len(indexes) > 1
    ):
        raise ValidationError(_("「%(question)s」: that is not one of the choices.") % {
            "question": question.text
        })  # fmt: skip
    if not indexes:
        return None
    if question.kind == SurveyQuestionKind.MULTIPLE:
        return None, indexes, ""
    return indexes[0], [], ""


@transaction.atomic
def survey_answer(
    *,
    survey: Survey,
    enrollment: Enrollment,
    answers: dict[int, object],
    actor: User | None,
    today: datetime.date | None = None,
) -> None:
    """Record an enrolment's answers, once. Anonymous: the response has no link to the
    enrolment; only SurveyDone says that it has answered."""
    today = today or timezone.localdate()
    enrollment = (
        Enrollment.objects.select_for_update(of=("self",))
        .select_related("trainee")
        .get(pk=enrollment.pk)
    )
    if enrollment.course_id != survey.course_id or enrollment.status != Status.CONFIRMED:
        raise ValidationError(_("This survey is for trainees with a place on the course."))
    if not survey.is_open():
        raise ValidationError(_("This survey is not open now."))
    if SurveyDone.objects.filter(survey=survey, enrollment=enrollment).exists():
        raise ValidationError(_("You have already answered this survey. Thank you."))
    questions = list(survey.questions.order_by("position", "id"))
    if not questions:
        raise ValidationError(_("This survey has no questions yet: it cannot be answered."))
    known = {q.pk for q in questions}
    if not set(answers) <= known:
        raise Refused(_("That question is not in this survey."), reason="survey_question")
    cleaned = {}
    errors = []
    for question in questions:
        try:
            value = _clean(question, answers.get(question.pk))
        except ValidationError as exc:
            errors.extend(exc.messages)
            continue
        if value is None and question.required:
            errors.append(_("「%(question)s」: please answer.") % {"question": question.text})
        elif value is not None:
            cleaned[question.pk] = value
    if errors:
        raise ValidationError(errors)
    if survey.anonymous:
        # Held, encrypted, until its batch is released (see the module's docstring).
        SurveyHeld.objects.create(
            survey=survey,
            held_on=today,
            payload=crypto.encrypt(
                json.dumps(
                    {
                        "session": enrollment.session_id,
                        "organisation": enrollment.trainee.organisation_id,
                        "answers": {str(qid): list(value) for qid, value in cleaned.items()},
                    }
                ),
                purpose=HELD_PURPOSE,
            ),
        )
        transaction.on_commit(lambda: _release_soon(survey.pk))
    else:
        response = SurveyResponse.objects.create(
            survey=survey,
            session_id=enrollment.session_id,
            organisation_id=enrollment.trainee.organisation_id,
            answered_on=today,
            anonymous=False,
            enrollment=enrollment,
        )
        SurveyAnswer.objects.bulk_create(
            SurveyAnswer(response=response, question_id=qid, choice=c, choices=cs, text=t)
            for qid, (c, cs, t) in cleaned.items()
        )
    try:
        with transaction.atomic():
            SurveyDone.objects.create(survey=survey, enrollment=enrollment, answered_on=today)
    except IntegrityError:  # pragma: no cover - the enrolment's row lock serialises answers
        raise ValidationError(_("You have already answered this survey. Thank you.")) from None
    audit_event_record(kind="survey.answered", user=actor, detail={"survey": survey.pk})
    announce(enrollment_ids=[enrollment.pk])


HELD_PURPOSE = "survey-held"
# Named, not imported: the tasks module imports the services.
RELEASE_TASK = "assessments.tasks.release_survey_responses"
logger = logging.getLogger(__name__)


def _release_soon(survey_id: int) -> None:
    """After an answer commits: release the survey's batch if it is now full — in a
    transaction of its own, on a worker (at once where tasks run in-process)."""
    try:
        task_named(RELEASE_TASK).delay(survey_id)
    except Exception:
        logger.warning("survey release not queued", exc_info=True)


def survey_responses_release(
    *, survey_id: int | None = None, today: datetime.date | None = None
) -> int:
    """Turn held anonymous answers into responses, one survey per transaction: when at least
    SURVEY_RELEASE_BATCH are waiting, or the oldest has waited SURVEY_RELEASE_AFTER_DAYS (a
    small course would otherwise never see its results; a batch smaller than the setting is
    said in README's list of what a database reader could still learn). The batch is
    shuffled and its responses carry no day. Returns the number released."""
    today = today or timezone.localdate()
    due = today - datetime.timedelta(days=settings.SURVEY_RELEASE_AFTER_DAYS)
    surveys = SurveyHeld.objects.values_list("survey_id", flat=True).distinct()
    if survey_id is not None:
        surveys = surveys.filter(survey_id=survey_id)
    released = 0
    for pk in list(surveys):
        released += _release_one(pk, due)
    return released


@transaction.atomic
def _release_one(survey_id: int, due: datetime.date) -> int:
    held = list(SurveyHeld.objects.select_for_update(skip_locked=True).filter(survey_id=survey_id))
    if not held or (
        len(held) < settings.SURVEY_RELEASE_BATCH and min(h.held_on for h in held) > due
    ):
        return 0
    secrets.SystemRandom().shuffle(held)
    responses, answers = [], []
    for row in held:
        data = json.loads(crypto.decrypt(row.payload, purpose=HELD_PURPOSE))
        response = SurveyResponse(
            survey_id=survey_id,
            session_id=data["session"],
            organisation_id=data["organisation"],
            answered_on=None,
            anonymous=True,
        )
        responses.append(response)
        answers += [
            SurveyAnswer(response=response, question_id=int(qid), choice=c, choices=cs, text=t)
            for qid, (c, cs, t) in data["answers"].items()
        ]
    SurveyResponse.objects.bulk_create(responses)
    SurveyAnswer.objects.bulk_create(answers)
    SurveyHeld.objects.filter(pk__in=[row.pk for row in held]).delete()
    audit_event_record(
        kind="survey.released", detail={"survey": survey_id, "responses": len(responses)}
    )
    return len(responses)


@transaction.atomic
def survey_remind(*, survey: Survey, actor: User | None, today: datetime.date | None = None) -> int:
    """Remind the course's confirmed trainees who have not answered (inbox + e-mail, through
    the notices sender). One reminder per person per day: pressing again the same day sends
    nothing twice; those who answered are never reminded."""
    today = today or timezone.localdate()
    rule = f"survey:{survey.pk}:{today:%Y%m%d}"
    rows = (
        Enrollment.objects.filter(course__survey=survey, status=Status.CONFIRMED)
        .exclude(surveys_done__survey=survey)
        .order_by("session_id")
        .values_list(
            "pk", "session_id", "trainee_id", "trainee__user_id", "trainee__name",
            "trainee__email",
        )
    )  # fmt: skip
    sessions = (
        Session.objects.select_related("course", "room__venue")
        .prefetch_related("days")
        .in_bulk({row[1] for row in rows})
    )
    sent = 0
    for session_id, items in groupby(rows, key=lambda row: row[1]):
        sent += notice_send_by_template(
            kind=NoticeKind.REMINDER,
            recipients=[
                Recipient(
                    trainee_id,
                    user_id,
                    name,
                    email,
                    rule=rule,
                    link=reverse("survey_answer", args=[pk, survey.pk]),
                )
                for pk, _s, trainee_id, user_id, name, email in items
            ],
            values=session_notice_values(sessions[session_id]),
            link=reverse("trainee_home"),
        )
    audit_event_record(
        kind="survey.reminded", user=actor, detail={"survey": survey.pk, "count": sent}
    )
    return sent
