"""Surveys: answering once, anonymity that holds in the tables, the ≥5 rule, reminders."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction

from assessments import selectors, services
from assessments.models import Survey, SurveyAnswer, SurveyDone, SurveyHeld, SurveyResponse
from notices.models import Delivery, Notice
from tests.assessments.factories import answers, make_survey, release_held_answers
from tests.courses.factories import SessionFactory
from tests.enrollments.factories import enrol
from tests.trainees.factories import OrganisationFactory, TraineeFactory, UserFactory
from trainees.roles import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def course_places():
    session = SessionFactory(course__requires_attendance=False, course__requires_survey=True)
    organisation = OrganisationFactory(code="140000", name="福祉部")
    return session, [enrol(TraineeFactory(organisation=organisation), session) for _ in range(6)]


def test_answering_completes_and_only_once(course_places):
    session, places = course_places
    survey = make_survey(session.course)
    services.survey_answer(survey=survey, enrollment=places[0], answers=answers(survey), actor=None)
    places[0].refresh_from_db()
    assert places[0].completion == "completed"
    with pytest.raises(ValidationError, match="回答済み"):
        services.survey_answer(survey=survey, enrollment=places[0], answers=answers(survey), actor=None)  # fmt: skip
    # Held (encrypted) until its batch is released; then one response with its four answers.
    assert SurveyHeld.objects.count() == 1 and not SurveyResponse.objects.exists()
    assert "資料が良かった" not in SurveyHeld.objects.get().payload
    assert release_held_answers() == 1
    assert SurveyResponse.objects.count() == 1 and SurveyAnswer.objects.count() == 4
    assert not SurveyHeld.objects.exists()


def test_bad_answers_name_the_question_and_write_nothing(course_places):
    session, places = course_places
    survey = make_survey(session.course)
    bad = answers(survey, satisfaction=7)
    with pytest.raises(ValidationError) as caught:
        services.survey_answer(survey=survey, enrollment=places[0], answers=bad, actor=None)
    assert "研修全体の満足度" in " ".join(caught.value.messages)
    missing = answers(survey)
    del missing[survey.questions.get(position=2).pk]
    with pytest.raises(ValidationError, match="研修の長さ"):
        services.survey_answer(survey=survey, enrollment=places[0], answers=missing, actor=None)
    too_long = answers(survey, text="あ" * 2001)
    with pytest.raises(ValidationError, match="2000"):
        services.survey_answer(survey=survey, enrollment=places[0], answers=too_long, actor=None)
    with pytest.raises(services.Refused):
        services.survey_answer(survey=survey, enrollment=places[0], answers={**answers(survey), 99999: 1}, actor=None)  # fmt: skip
    assert not SurveyResponse.objects.exists() and not SurveyDone.objects.exists()


def test_an_anonymous_response_cannot_be_joined_to_a_person(course_places):
    """Every relation of the response, answer and held tables, walked: none reaches an
    enrolment, a trainee or a user; the ids are random; an anonymous response has no date."""
    session, places = course_places
    survey = make_survey(session.course)
    for place in places[:5]:
        services.survey_answer(survey=survey, enrollment=place, answers=answers(survey), actor=None)
    release_held_answers()
    assert not SurveyResponse.objects.exclude(answered_on=None).exists()
    person_models = {
        apps.get_model("enrollments", "Enrollment"),
        apps.get_model("trainees", "Trainee"),
        apps.get_model("trainees", "User"),
        SurveyDone,
    }
    for model in (SurveyResponse, SurveyAnswer, SurveyHeld):
        for field in model._meta.get_fields():
            if field.is_relation and field.related_model in person_models:
                # Only the named (non-anonymous) survey's link, and it is empty here.
                assert model is SurveyResponse and field.name == "enrollment"
                assert not SurveyResponse.objects.filter(enrollment__isnull=False).exists()
            if isinstance(field, models.DateTimeField):
                pytest.fail(f"{model.__name__}.{field.name} stores a time of day")
        assert isinstance(model._meta.pk, models.UUIDField)
    # Nothing on the person's side points at a response either.
    for model in person_models:
        for field in model._meta.get_fields():
            assert field.related_model not in (SurveyResponse, SurveyAnswer, SurveyHeld), (
                model,
                field,
            )
    # The database constraint holds even if code were wrong.
    response = SurveyResponse.objects.first()
    response.enrollment = places[0]
    with pytest.raises(IntegrityError), transaction.atomic():
        response.save()


def test_a_named_survey_links_the_response(course_places):
    session, places = course_places
    survey = make_survey(session.course, anonymous=False)
    services.survey_answer(survey=survey, enrollment=places[0], answers=answers(survey), actor=None)
    assert SurveyResponse.objects.get().enrollment_id == places[0].pk
    header, rows = selectors.survey_rows(survey)
    assert header[:2] == ["職員番号", "氏名"] and rows[0][1] == places[0].trainee.name


def test_results_tally_and_the_five_rule(course_places):
    session, places = course_places
    survey = make_survey(session.course)
    other_org = OrganisationFactory(code="150000", name="土木部")
    outsider = enrol(TraineeFactory(organisation=other_org), session)
    for i, place in enumerate([*places[:5], outsider]):
        services.survey_answer(survey=survey, enrollment=place, answers=answers(survey, satisfaction=i % 2), actor=None)  # fmt: skip
    release_held_answers()
    results = selectors.survey_results(survey)
    assert results["respondents"] == 6 and results["done"] == 6 and results["expected"] == 7
    satisfaction = results["tallies"][0]
    assert [n for _label, n, _p in satisfaction.counts] == [3, 3, 0, 0, 0]
    assert float(satisfaction.mean) == 4.5
    useful = results["tallies"][2]
    assert [n for _l, n, _p in useful.counts] == [6, 0, 6]
    assert results["tallies"][3].texts == ["資料が良かった"] * 6
    # 福祉部 has 5 (shown); 土木部 has 1 (hidden).
    assert [row["organisation__name"] for row in results["organisations"]] == ["福祉部"]
    assert results["organisations_hidden"] == 1


def test_reminders_reach_only_those_who_have_not_answered(course_places):
    session, places = course_places
    for place in places:
        place.trainee.user = UserFactory(username=place.trainee.staff_number, roles=[Role.TRAINEE])
        place.trainee.save(update_fields=["user"])
    survey = make_survey(session.course)
    services.survey_answer(survey=survey, enrollment=places[0], answers=answers(survey), actor=None)
    assert services.survey_remind(survey=survey, actor=None) == 5
    assert services.survey_remind(survey=survey, actor=None) == 0  # the same day: not twice
    reminded = set(Delivery.objects.filter(kind="reminder").values_list("trainee_id", flat=True))
    assert reminded == {p.trainee_id for p in places[1:]}
    assert Notice.objects.filter(kind="reminder").count() == 5
    assert not Notice.objects.filter(user__trainee=places[0].trainee).exists()


def test_a_template_is_copied_into_a_course(course_places):
    session, _places = course_places
    template = make_survey(SessionFactory().course)
    template.course = None
    template.save()
    survey = services.survey_from_template(template=template, course=session.course, actor=None)
    assert [q.text for q in survey.questions.all()] == [q.text for q in template.questions.all()]
    with pytest.raises(ValidationError):
        services.survey_from_template(template=template, course=session.course, actor=None)


def test_the_anonymous_export_hides_small_organisations_and_the_day(course_places):
    session, places = course_places
    survey = make_survey(session.course)
    loner = enrol(TraineeFactory(organisation=OrganisationFactory(code="150000", name="土木部")), session)  # fmt: skip
    for place in [*places[:5], loner]:
        services.survey_answer(survey=survey, enrollment=place, answers=answers(survey), actor=None)
    release_held_answers()
    header, rows = selectors.survey_rows(survey)
    assert "氏名" not in header
    organisations = sorted(row[2] for row in rows)
    assert organisations.count("福祉部") == 5 and "土木部" not in organisations
    assert all(row[0] == "" for row in rows)  # no day
    results = selectors.survey_results(survey)
    assert results["organisations"][0]["mean"] == pytest.approx(5.0)


def test_an_empty_survey_is_not_shown_or_answered_and_the_standard_template_is_offered(
    course_places,
):
    """Issue 18, item 24."""
    from assessments.forms import SurveyCreateForm

    session, places = course_places
    template = make_survey(SessionFactory().course)
    template.course = None
    template.save()
    assert SurveyCreateForm().fields["template"].initial == template.pk
    empty = services.survey_save(survey=Survey(course=session.course, title="空"), actor=None)
    assert selectors.enrollment_assessments(places[0]).survey is None
    with pytest.raises(ValidationError, match="設問がありません"):
        services.survey_answer(survey=empty, enrollment=places[0], answers={}, actor=None)
    assert not SurveyDone.objects.exists()
    places[0].refresh_from_db()
    assert "survey" in places[0].completion_missing or places[0].completion != "completed"


def test_anonymity_stays_as_people_were_told_once_they_answered(client, hr_admin, course_places):
    """The rule is the service's (issue 19, section 2: it lived in the view): changing the
    anonymity is refused once anyone answered — by the page and by any other caller."""
    session, places = course_places
    survey = make_survey(session.course)
    was = survey.anonymous
    survey.anonymous = not was
    services.survey_save(survey=survey, actor=None)  # nobody answered yet: allowed
    services.survey_answer(survey=survey, enrollment=places[0], answers=answers(survey), actor=None)
    survey.anonymous = was
    with pytest.raises(ValidationError, match="匿名"):
        services.survey_save(survey=survey, actor=None)
    assert Survey.objects.get(pk=survey.pk).anonymous is (not was)
    survey.title = "研修アンケート（改）"
    survey.anonymous = not was
    services.survey_save(survey=survey, actor=None)  # other settings still change
    assert Survey.objects.get(pk=survey.pk).title == "研修アンケート（改）"
