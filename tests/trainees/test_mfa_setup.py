"""The forced authenticator set-up for HR administrators and auditors: it says why, asks for
no second password right after logging in, shows only the set-up in the menu, keeps the same
secret when the page is reloaded, and ends with a way on."""

from __future__ import annotations

import pyotp
import pytest
from django.urls import reverse

from tests.conftest import totp_code
from tests.trainees.factories import PASSWORD, UserFactory
from trainees.roles import Role

pytestmark = pytest.mark.django_db


def test_the_forced_set_up_explains_and_keeps_its_secret(client):
    UserFactory(username="100099", roles=[Role.HR_ADMIN, Role.TRAINEE])
    client.post(reverse("account_login"), {"login": "100099", "password": PASSWORD})
    response = client.get(reverse("hr_home"), follow=True)
    assert response.request["PATH_INFO"] == "/accounts/2fa/totp/activate/"  # no password again
    page = response.content.decode()
    assert "認証アプリ" in page
    nav = response.context["nav_links"]
    assert [item.url for item in nav] == ["/accounts/2fa/totp/activate/"]  # only the set-up
    secret = response.context["form"].secret
    assert client.get("/accounts/2fa/totp/activate/").context["form"].secret == secret
    done = client.post("/accounts/2fa/totp/activate/", {"code": totp_code(secret)}, follow=True)
    assert pyotp.TOTP(secret).verify(totp_code(secret))
    assert done.request["PATH_INFO"] == "/accounts/2fa/recovery-codes/"
    assert reverse("home") in done.content.decode()  # the way on
