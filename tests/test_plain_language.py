"""English that reads as English and Japanese that reads as Japanese (issue 18, items 25–26):
one minute is a minute, lists are joined as each language joins them, a submitted report is not
offered as a task to write again, and a badge does not repeat its heading."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import translation

from assessments import services
from assessments.models import Test
from lib.japanese import list_join
from tests.assessments.factories import make_form, make_test, values
from tests.courses.factories import SessionFactory
from tests.enrollments.factories import enrol
from tests.trainees.factories import TraineeFactory, UserFactory
from trainees.roles import Role

pytestmark = pytest.mark.django_db


def test_lists_join_in_the_readers_language():
    with translation.override("ja"):
        assert list_join(["講義", "演習"]) == "講義、演習"
    with translation.override("en"):
        assert list_join(["lecture", "exercise"]) == "lecture, exercise"


@pytest.fixture
def place():
    session = SessionFactory(course__requires_attendance=False, course__title="個人情報保護研修")
    trainee = TraineeFactory()
    trainee.user = UserFactory(username=trainee.staff_number, roles=[Role.TRAINEE], language="en")
    trainee.save(update_fields=["user"])
    return enrol(trainee, session)


def test_the_tasks_page_after_a_report_is_submitted(client, place):
    make_test(place.course, kind=Test.Kind.PRE, title="事前テスト", time_limit_minutes=1)
    form = make_form(place.course)
    client.force_login(place.trainee.user)
    url = reverse("enrollment_tasks", args=[place.pk])
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Time limit: 1 minute." in page and "1 minutes" not in page
    assert "Write the report" in page
    services.report_save(form=form, enrollment=place, answers=values(form), submit=True, actor=None)
    page = client.get(url).content.decode()
    assert "Write the report" not in page and "View or change what you sent" in page
    user = place.trainee.user
    user.language = "ja"
    user.save(update_fields=["language"])
    page = client.get(url).content.decode()
    assert "報告を書く" not in page and "提出した内容を見る・直す" in page
    # The test is called 事前テスト: its kind is not repeated as a badge beside the heading.
    assert '<span class="badge">事前テスト</span>' not in page and "事前テスト" in page
