"""Every response to a logged-in person is private and not stored by any cache; flash messages
(which can name people) live in the session, not in a cookie."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.courses.factories import SessionFactory
from tests.enrollments.factories import enrol
from tests.trainees.factories import TraineeFactory

pytestmark = pytest.mark.django_db


def no_store(response) -> bool:
    directives = {d.strip() for d in response.get("Cache-Control", "").split(",")}
    return {"private", "no-store"} <= directives


def test_personal_pages_and_files_are_not_cached(client, hr_admin):
    session = SessionFactory()
    record = TraineeFactory()
    enrol(record, session)
    day = session.days.first()
    client.force_login(hr_admin)
    urls = [
        "/me/",
        "/inbox/",
        f"/trainees/{record.pk}/",
        "/trainees/export/?format=csv",
        reverse("sign_in_sheet", args=[session.pk, day.pk]),
        reverse("session_page", args=[session.pk]),
        "/no-such-page/",
    ]
    for url in urls:
        response = client.get(url)
        assert no_store(response), (url, response.status_code, response.get("Cache-Control"))


def test_the_trainees_calendar_file_is_not_cached(client, trainee):
    session = SessionFactory()
    record = TraineeFactory(user=trainee)
    enrollment = enrol(record, session)
    client.force_login(trainee)
    response = client.get(reverse("enrollment_calendar", args=[enrollment.pk]))
    assert response.status_code == 200 and no_store(response)


def test_flash_messages_are_not_kept_in_a_cookie(client, hr_admin):
    session = SessionFactory()
    client.force_login(hr_admin)
    response = client.post(reverse("session_lottery", args=[session.pk]))
    assert response.status_code == 302
    assert "messages" not in response.cookies
    page = client.get(response["Location"])
    assert page.context["messages"]  # shown from the session
