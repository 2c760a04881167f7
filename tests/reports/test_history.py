"""My history (受講履歴確認): every fiscal year, outcomes, hours, the test score, the report."""

from __future__ import annotations

import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.urls import reverse

from assessments import services
from audit.models import AuditEvent
from courses.models import Category
from enrollments.models import Status
from reports.selectors import hours_by_year, trainee_history
from tests.assessments.factories import make_form, make_test, values
from tests.courses.factories import SessionFactory
from tests.enrollments.factories import completed, enrol
from tests.trainees.factories import TraineeFactory, UserFactory
from trainees.roles import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def person():
    trainee = TraineeFactory(name="区民 花子")
    trainee.user = UserFactory(username="300009", roles=[Role.TRAINEE])
    trainee.save(update_fields=["user"])
    return trainee


def test_history_lists_every_year_with_outcome_hours_score_and_report(person):
    old = SessionFactory(course__fiscal_year=2019, course__title="新規採用職員研修",
                         days=[datetime.date(2019, 5, 1), datetime.date(2019, 5, 2)])  # fmt: skip
    done = enrol(person, old)
    completed(done)
    now = SessionFactory(course__fiscal_year=2026, course__title="個人情報保護研修",
                         course__category=Category.SPECIALIST, course__requires_attendance=False)  # fmt: skip
    place = enrol(person, now)
    test = make_test(now.course)
    attempt = services.attempt_start(test=test, enrollment=place, actor=None)
    services.attempt_submit(attempt=attempt, actor=None)
    services.attempt_adjust(attempt=attempt, score=Decimal("3.5"), reason="再採点", actor=None)
    form = make_form(now.course, review=False)
    services.report_save(form=form, enrollment=place, answers=values(form), submit=True, actor=None)
    cancelled = enrol(person, SessionFactory(course__fiscal_year=2024), status=Status.CANCELLED)
    enrol(person, SessionFactory(course__fiscal_year=2025), status=Status.REQUESTED)  # not history
    rows = trainee_history(person)
    assert [r.enrollment.course.fiscal_year for r in rows] == [2026, 2024, 2019]
    latest, gave_up, first = rows
    assert latest.score == pytest.approx(50.0) and latest.report_state == "提出済み"
    assert gave_up.enrollment == cancelled and gave_up.outcome == "cancelled"
    assert first.outcome == "completed" and first.hours == Decimal("15.0")  # 2 × 9:30–17:00
    assert latest.outcome == "completed"  # the course asks for nothing more
    assert hours_by_year(rows) == [(2026, Decimal("7.5")), (2019, Decimal("15.0"))]
    assert [r.enrollment.course.fiscal_year for r in trainee_history(person, fiscal_year=2019)] == [2019]  # fmt: skip
    assert [r.enrollment for r in trainee_history(person, category=Category.SPECIALIST)] == [place]


def test_the_page_and_its_export(client, person, page_queries):
    for year in (2022, 2023):
        place = enrol(
            person, SessionFactory(course__fiscal_year=year, course__title="=HYPERLINK(1)")
        )
        completed(place)
    client.force_login(person.user)
    client.get(reverse("my_history"))
    own = ["the trainee", "the places with their scores and reports", "their days",
           "history records"]  # fmt: skip
    with page_queries(*own, mfa=False):
        response = client.get(reverse("my_history"))
    page = response.content.decode()
    assert response.status_code == 200 and "2022" in page and "2023" in page
    for _n in range(5):
        enrol(person, SessionFactory(course__fiscal_year=2021))
    with page_queries(*own, mfa=False):
        assert client.get(reverse("my_history")).status_code == 200
    response = client.get(reverse("my_history_export") + "?format=csv&fiscal_year=2023")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert len(rows) == 2 and rows[1][0] == "2023" and rows[1][2].startswith("'=")
    assert AuditEvent.objects.filter(kind="history.exported").exists()


def test_nobody_sees_anyone_elses_history(client, person):
    other = UserFactory(username="300010", roles=[Role.TRAINEE])
    TraineeFactory(user=other)
    enrol(person, SessionFactory(course__title="他人の研修"))
    client.force_login(other)
    assert "他人の研修" not in client.get(reverse("my_history")).content.decode()
