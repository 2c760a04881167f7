"""Completion reports: draft, submit, the department's review with notices, completion."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from assessments import services
from assessments.models import CompletionReport, ReportField, ReportForm
from notices.models import Delivery, Notice
from tests.assessments.factories import make_form, values
from tests.courses.factories import SessionFactory
from tests.enrollments.factories import enrol
from tests.trainees.factories import TraineeFactory, UserFactory
from trainees.roles import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def place(organisation, coordinator):
    session = SessionFactory(course__requires_attendance=False, course__requires_report=True)
    trainee = TraineeFactory(organisation=organisation)
    trainee.user = UserFactory(username=trainee.staff_number, roles=[Role.TRAINEE])
    trainee.save(update_fields=["user"])
    return enrol(trainee, session)


def test_draft_then_submit_then_review_cycle(place, coordinator):
    form = make_form(place.course)
    draft = services.report_save(form=form, enrollment=place, answers=values(form, learned=""), submit=False, actor=None)  # fmt: skip
    assert draft.state == CompletionReport.State.DRAFT
    # The report keeps its place's trainee (the reviewers' lists select by it).
    assert CompletionReport.objects.filter(trainee=place.trainee).get() == draft
    with pytest.raises(ValidationError, match="研修で学んだこと"):
        services.report_save(form=form, enrollment=place, answers=values(form, learned=""), submit=True, actor=None)  # fmt: skip
    report = services.report_save(form=form, enrollment=place, answers=values(form), submit=True, actor=None)  # fmt: skip
    assert report.state == CompletionReport.State.SUBMITTED
    place.refresh_from_db()
    assert "report" in place.completion_missing  # review still to come
    assert Notice.objects.filter(user=coordinator, kind="report").exists()
    with pytest.raises(ValidationError, match="直してほしい点"):
        services.report_review(report=report, acknowledge=False, comment="", actor=coordinator)
    services.report_review(report=report, acknowledge=False, comment="具体的な活用方法を", actor=coordinator)  # fmt: skip
    report.refresh_from_db()
    assert report.state == CompletionReport.State.RETURNED and report.review_round == 1
    assert Delivery.objects.filter(kind="report", rule=f"report:{report.pk}:1").count() == 1
    assert Notice.objects.filter(user=place.trainee.user, kind="report").count() == 1
    services.report_save(form=form, enrollment=place, answers=values(form, opinion="演習を増やして"), submit=True, actor=None)  # fmt: skip
    services.report_review(report=report, acknowledge=True, comment="", actor=coordinator)
    report.refresh_from_db()
    assert report.state == CompletionReport.State.ACKNOWLEDGED
    place.refresh_from_db()
    assert place.completion == "completed"
    assert Notice.objects.filter(user=place.trainee.user, kind="report").count() == 2
    with pytest.raises(ValidationError, match="確認済みのため"):
        services.report_save(form=form, enrollment=place, answers=values(form), submit=True, actor=None)  # fmt: skip


def test_without_review_submitting_completes(place):
    form = make_form(place.course, review=False)
    services.report_save(form=form, enrollment=place, answers=values(form), submit=True, actor=None)
    place.refresh_from_db()
    assert place.completion == "completed"


def test_limits_are_named_and_nothing_is_written(place):
    form = make_form(place.course)
    with pytest.raises(ValidationError, match="400"):
        services.report_save(form=form, enrollment=place, answers=values(form, learned="あ" * 401), submit=False, actor=None)  # fmt: skip
    with pytest.raises(ValidationError, match="1〜5"):
        services.report_save(form=form, enrollment=place, answers=values(form, rating="9"), submit=False, actor=None)  # fmt: skip
    with pytest.raises(ValidationError):
        services.report_save(form=form, enrollment=place, answers={"99999": "x"}, submit=False, actor=None)  # fmt: skip
    assert not CompletionReport.objects.exists()


def test_every_form_of_the_course_is_needed(place):
    form = make_form(place.course, review=False)
    pre = ReportForm(course=place.course, purpose=ReportForm.Purpose.PRE_TASK, title="事前課題")
    services.report_form_save(form=pre, fields=[ReportField(label="課題", max_length=100)], actor=None)  # fmt: skip
    services.report_save(form=form, enrollment=place, answers=values(form), submit=True, actor=None)
    place.refresh_from_db()
    assert "report" in place.completion_missing
    field = str(pre.fields.get().pk)
    services.report_save(form=pre, enrollment=place, answers={field: "済"}, submit=True, actor=None)
    place.refresh_from_db()
    assert place.completion == "completed"
