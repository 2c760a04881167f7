"""Password-reset (and invitation) links are single use and expire; a link opened but not
completed is refused once the password has changed."""

from __future__ import annotations

import datetime

import pytest
from allauth.account.forms import default_token_generator
from allauth.account.utils import user_pk_to_url_str

pytestmark = pytest.mark.django_db

NEW = "Sakura-2026-spring!"


def link(user) -> str:
    return f"/accounts/password/reset/key/{user_pk_to_url_str(user)}-{default_token_generator.make_token(user)}/"


def open_link(client, url: str):
    """Open the link as a browser does: allauth keeps the key in the session and redirects."""
    response = client.get(url)
    assert response.status_code == 302, response.status_code
    return response["Location"]


def test_a_link_works_once(client, trainee):
    url = link(trainee)
    form = open_link(client, url)
    response = client.post(form, {"password1": NEW, "password2": NEW})
    assert response.status_code == 302
    trainee.refresh_from_db()
    assert trainee.check_password(NEW)
    again = client.get(url, follow=True)
    assert again.context["token_fail"] is True
    trainee.refresh_from_db()
    assert trainee.check_password(NEW)


def test_a_half_used_link_dies_when_the_password_changes(client, trainee):
    form = open_link(client, link(trainee))
    trainee.set_password("Changed-elsewhere-42")
    trainee.save()
    response = client.post(form, {"password1": NEW, "password2": NEW}, follow=True)
    assert response.context["token_fail"] is True
    trainee.refresh_from_db()
    assert trainee.check_password("Changed-elsewhere-42")


def test_a_link_expires(client, trainee, settings, monkeypatch):
    # The generator's own clock is naive local time (Django's PasswordResetTokenGenerator).
    made = datetime.datetime.now() - datetime.timedelta(  # noqa: DTZ005
        seconds=settings.PASSWORD_RESET_TIMEOUT + 60
    )
    monkeypatch.setattr(default_token_generator, "_now", lambda: made)
    url = link(trainee)
    monkeypatch.undo()
    response = client.get(url, follow=True)
    assert response.context["token_fail"] is True
