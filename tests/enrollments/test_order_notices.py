"""An order's notice says by when to report absence even when the session has no cancellation
deadline, links to the person's place (or the materials of an e-learning course), and its
links are clickable in the inbox."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from courses.models import DeliveryMode
from enrollments.models import Enrollment
from enrollments.services import order_issue
from notices.models import Notice
from tests.courses.factories import SessionFactory
from tests.trainees.factories import TraineeFactory, UserFactory

pytestmark = pytest.mark.django_db


def with_account():
    trainee = TraineeFactory()
    trainee.user = UserFactory(username=f"u{trainee.staff_number}", email=trainee.email)
    trainee.save()
    return trainee


def test_the_order_notice_has_a_deadline_and_leads_to_the_place(client, settings):
    settings.PORTAL_BASE_URL = "http://127.0.0.1:8123"
    session = SessionFactory(
        days=[datetime.date(2027, 1, 11)], cancellation_deadline=None,
        course__delivery=DeliveryMode.CLASSROOM,
    )  # fmt: skip
    person = with_account()
    order_issue(session=session, trainee_ids=[person.pk], actor=None)
    notice = Notice.objects.get(kind="order")
    assert "取消・欠席の連絡期限：2027年1月10日 17:00" in notice.body
    assert "http://127.0.0.1:8123/inbox/" in notice.body
    place = Enrollment.objects.get(trainee=person)
    assert notice.link == reverse("enrollment_detail", args=[place.pk])
    client.force_login(person.user)
    page = client.get(reverse("inbox")).content.decode()
    assert '<a href="http://127.0.0.1:8123/inbox/"' in page


def test_an_elearning_order_leads_to_the_materials():
    session = SessionFactory(course__delivery=DeliveryMode.ELEARNING)
    order_issue(session=session, trainee_ids=[with_account().pk], actor=None)
    assert Notice.objects.get(kind="order").link == reverse(
        "learning_course", args=[session.course_id]
    )
