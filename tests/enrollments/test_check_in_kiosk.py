"""The check-in code for the room's screen: the code and the QR large, no menu, reloading
itself; and the site's icon, which used to be a 404 in the access log at every login."""

from __future__ import annotations

import pytest
from django.urls import reverse

from audit.models import AccessLog
from enrollments.services import check_in_code_for
from tests.courses.factories import SessionFactory

pytestmark = pytest.mark.django_db


def test_the_kiosk_shows_the_code_large_and_nothing_else(client, hr_admin):
    session = SessionFactory()
    day = session.days.get()
    code = check_in_code_for(day).code
    client.force_login(hr_admin)
    page = client.get(reverse("check_in_kiosk", args=[session.pk, day.pk])).content.decode()
    assert f">{code}</p>" in page and "<svg" in page
    assert 'http-equiv="refresh"' in page
    assert "nav-list" not in page and "logout" not in page


def test_without_a_code_the_kiosk_sends_hr_to_make_one(client, hr_admin):
    session = SessionFactory()
    day = session.days.get()
    client.force_login(hr_admin)
    response = client.get(reverse("check_in_kiosk", args=[session.pk, day.pk]))
    assert response["Location"] == reverse("check_in_display", args=[session.pk, day.pk])


def test_the_favicon_is_served_and_not_logged(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert not AccessLog.objects.filter(path="/favicon.ico").exists()
