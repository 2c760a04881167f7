"""Anonymous answers become responses in shuffled batches (issue 18, item 8): a database
reader matching each SurveyDone to the response written nearest it (PostgreSQL's xmin, then
the physical order) links no better than chance."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.utils import timezone

from assessments import services
from assessments.models import SurveyAnswer, SurveyHeld, SurveyResponse
from audit.models import AuditEvent
from tests.assessments.factories import make_survey
from tests.courses.factories import SessionFactory
from tests.enrollments.factories import enrol
from tests.trainees.factories import TraineeFactory


def _answers(survey, text: str) -> dict:
    q = {question.position: question.pk for question in survey.questions.all()}
    return {q[1]: 0, q[2]: 1, q[4]: text}


@pytest.mark.django_db
def test_a_batch_is_released_when_full_or_when_it_has_waited(
    settings, django_capture_on_commit_callbacks, eager_celery
):
    settings.SURVEY_RELEASE_BATCH = 3
    session = SessionFactory(course__requires_attendance=False)
    survey = make_survey(session.course)
    places = [enrol(TraineeFactory(), session) for _ in range(5)]
    for number, place in enumerate(places[:2]):
        with django_capture_on_commit_callbacks(execute=True):
            services.survey_answer(
                survey=survey, enrollment=place, answers=_answers(survey, f"{number}"), actor=None
            )
    assert SurveyHeld.objects.count() == 2 and not SurveyResponse.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        services.survey_answer(
            survey=survey, enrollment=places[2], answers=_answers(survey, "2"), actor=None
        )
    # The third answer fills the batch: all three released together, with no day.
    assert not SurveyHeld.objects.exists()
    assert SurveyResponse.objects.filter(answered_on=None).count() == 3
    assert sorted(SurveyAnswer.objects.exclude(text="").values_list("text", flat=True)) == [
        "0", "1", "2"
    ]  # fmt: skip
    event = AuditEvent.objects.get(kind="survey.released")
    assert event.detail == {"survey": survey.pk, "responses": 3}
    # One more answer waits; the hourly job releases it only after SURVEY_RELEASE_AFTER_DAYS.
    services.survey_answer(survey=survey, enrollment=places[3], answers=_answers(survey, "3"), actor=None)  # fmt: skip
    today = timezone.localdate()
    days = settings.SURVEY_RELEASE_AFTER_DAYS
    assert services.survey_responses_release(today=today + datetime.timedelta(days=days - 1)) == 0
    assert services.survey_responses_release(today=today + datetime.timedelta(days=days)) == 1
    assert SurveyResponse.objects.count() == 4


@pytest.mark.django_db(transaction=True)
def test_xmin_and_physical_order_link_no_better_than_chance(requires_postgres, eager_celery):
    respondents = 20
    session = SessionFactory(course__requires_attendance=False)
    survey = make_survey(session.course)
    places = [enrol(TraineeFactory(), session) for _ in range(respondents)]
    for number, place in enumerate(places):
        # Each answer in its own transaction, as from the browser; the release follows it.
        services.survey_answer(
            survey=survey, enrollment=place, answers=_answers(survey, f"回答{number:02d}"),
            actor=None,
        )  # fmt: skip
    assert SurveyResponse.objects.count() == respondents and not SurveyHeld.objects.exists()
    truth = {place.pk: f"回答{number:02d}" for number, place in enumerate(places)}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT enrollment_id, xmin::text::bigint FROM assessments_surveydone "
            "WHERE survey_id = %s",
            [survey.pk],
        )
        done = cursor.fetchall()
        cursor.execute(
            "SELECT r.xmin::text::bigint, a.text FROM assessments_surveyresponse r "
            "JOIN assessments_surveyanswer a ON a.response_id = r.id AND a.text <> '' "
            "WHERE r.survey_id = %s ORDER BY r.ctid",
            [survey.pk],
        )
        responses = cursor.fetchall()
    # The batches: each transaction wrote SURVEY_RELEASE_BATCH responses (xmin says only which
    # batch, never which of its members).
    batches = {xmin for xmin, _text in responses}
    assert len(batches) == respondents // 5
    # The attack of the finding: each answered-row to the response nearest in xmin (ties in
    # physical order), each response used once.
    used: set[int] = set()
    correct = 0
    for enrollment_id, xmin in sorted(done, key=lambda row: row[1]):
        candidates = [
            (abs(r_xmin - xmin), index) for index, (r_xmin, _t) in enumerate(responses)
            if index not in used and r_xmin >= xmin
        ] or [(abs(r_xmin - xmin), index) for index, (r_xmin, _t) in enumerate(responses)
              if index not in used]  # fmt: skip
        _distance, index = min(candidates)
        used.add(index)
        correct += responses[index][1] == truth[enrollment_id]
    # Before: 20 of 20. With the batches shuffled the attack's hits are the fixed points of
    # four random orders of 5: 4 expected, and exactly P(>= 10) = 0.8 % (this test once failed
    # on 10), P(>= 17) = 5.8e-7 (computed from the distribution of fixed points of S5, summed
    # over four batches). 17 still tells a release in answer order (20) from a shuffled one.
    assert correct < 17, correct
