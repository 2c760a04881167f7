"""Issue 22: HR's お知らせ to a course's or a session's people, chosen by the state of their
place: previewed with one person's values, sent once to exactly those chosen (inbox + e-mail
through the outbox), listed with each e-mail's state."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from audit.models import AuditEvent
from courses.models import CourseKind
from enrollments.models import Announcement, Status
from enrollments.services import announcement_preview, announcement_send
from notices.models import Delivery, Notice
from tests.courses.factories import CourseFactory, SessionFactory
from tests.enrollments.factories import completed, enrol
from tests.trainees.factories import TraineeFactory, UserFactory
from trainees.roles import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def course_people(organisation):
    course = CourseFactory(kind=CourseKind.OPEN)
    first = SessionFactory(course=course, number=1)
    second = SessionFactory(course=course, number=2)

    def person(username, session, status, done=False):
        trainee = TraineeFactory(organisation=organisation, staff_number=username,
                                 user=UserFactory(username=username, roles=[Role.TRAINEE]))  # fmt: skip
        place = enrol(trainee, session, status, "applied")
        return completed(place) if done else place

    return course, first, second, {
        "done": person("500001", first, Status.CONFIRMED, done=True),
        "todo": person("500002", first, Status.CONFIRMED),
        "waiting": person("500003", first, Status.WAITLISTED),
        "asked": person("500004", second, Status.REQUESTED),
        "second": person("500005", second, Status.CONFIRMED),
    }  # fmt: skip


def reached(announcement):
    return {d.trainee.staff_number for d in Delivery.objects.filter(rule=announcement.rule)}


def test_the_chosen_states_and_nobody_else_get_it_once(course_people, hr_admin):
    course, first, _second, places = course_people
    sent = announcement_send(
        course=course, session=None, audience=["not_completed", "waitlisted"],
        subject="【持ち物】{course}", body="{name} 様\n{session}（{dates}）は電卓をお持ちください。",
        actor=hr_admin,
    )  # fmt: skip
    assert reached(sent) == {"500002", "500003", "500005"}  # not the completed, not the asking
    assert sent.recipients == 3
    second_person = Delivery.objects.get(rule=sent.rule, trainee__staff_number="500005")
    assert "第2回" in second_person.body and "名簿" in second_person.body  # their own values
    assert second_person.subject == f"【持ち物】{course.title}"
    todo = places["todo"]
    notice = Notice.objects.get(user=todo.trainee.user, kind="info")
    assert notice.link == reverse("enrollment_detail", args=[todo.pk])
    event = AuditEvent.objects.get(kind="announcement.sent")
    assert event.detail["recipients"] == 3 and event.detail["audience"] == [
        "not_completed", "waitlisted"
    ]  # fmt: skip
    # One session only.
    only_first = announcement_send(
        course=course, session=first, audience=["confirmed", "requested"], subject="s",
        body="b", actor=hr_admin,
    )  # fmt: skip
    assert reached(only_first) == {"500001", "500002"}


def test_bad_words_or_nobody_are_refused_and_nothing_is_written(course_people, hr_admin):
    course, _first, _second, _places = course_people
    with pytest.raises(ValidationError) as bad:
        announcement_send(course=course, session=None, audience=["confirmed"],
                          subject="{氏名}", body="", actor=hr_admin)  # fmt: skip
    assert set(bad.value.message_dict) == {"subject", "body"}
    empty_course = CourseFactory()
    with pytest.raises(ValidationError, match="該当"):
        announcement_send(course=empty_course, session=None, audience=["confirmed"],
                          subject="s", body="b", actor=hr_admin)  # fmt: skip
    assert not Announcement.objects.exists() and not Delivery.objects.exists()


def test_the_preview_shows_one_persons_values_and_the_count(course_people):
    course, first, _second, _places = course_people
    count, (subject, body) = announcement_preview(
        course=course, session=first, audience=["confirmed"], subject="{course}",
        body="{name} 様",
    )  # fmt: skip
    assert count == 2 and subject == course.title and body.endswith(" 様") and "名簿" in body
    assert not Delivery.objects.exists()


def test_hr_previews_sends_and_sees_each_emails_state(client, course_people, hr_admin):
    course, _first, _second, _places = course_people
    client.force_login(hr_admin)
    url = reverse("course_announce", args=[course.pk])
    prefilled = client.get(url, {"template": "reminder"}).content.decode()
    assert "【お知らせ】{course}（{session}）" in prefilled
    data = {"audience": ["confirmed"], "subject": "会場変更", "body": "{name} 様 会場が変わります"}
    preview = client.post(url, {**data, "action": "preview"}).content.decode()
    assert "会場が変わります" in preview and not Delivery.objects.exists()
    done = client.post(url, {**data, "action": "send"})
    announcement = Announcement.objects.get()
    assert done["Location"] == reverse("announcement_detail", args=[announcement.pk])
    page = client.get(done["Location"]).content.decode()
    assert "500001" in page and "500005" in page and "500003" not in page
    listing = client.get(url).content.decode()
    assert "会場変更" in listing
