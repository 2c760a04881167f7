"""Personal data never reaches the application log (stdout/stderr): plant sentinels and look."""

from __future__ import annotations

import logging

import pytest
from django.urls import reverse

from tests.conftest import totp_code
from tests.trainees.factories import UserFactory
from trainees.roles import Role

SENTINEL_NAME = "歩哨 絹代"
SENTINEL_PASSWORD = "Sentinel-Pa55-qv7"
SENTINEL_WRONG = "Sentinel-Wr0ng-zz9"
SENTINEL_EMAIL = "sentinel.kinuyo@example.jp"


@pytest.mark.django_db
def test_login_and_pages_leave_no_personal_data_in_logs(client, caplog, capfd, settings):
    settings.LOGGING_CONFIG = None
    user = UserFactory(
        username="424242",
        full_name=SENTINEL_NAME,
        email=SENTINEL_EMAIL,
        password=SENTINEL_PASSWORD,
        roles=[Role.HR_ADMIN, Role.TRAINEE],
        totp=True,
    )
    code = totp_code(user.totp_secret)
    with caplog.at_level(logging.DEBUG):
        client.post(reverse("account_login"), {"login": SENTINEL_EMAIL, "password": SENTINEL_WRONG})
        client.post(reverse("account_login"), {"login": "424242", "password": SENTINEL_PASSWORD})
        client.post(reverse("mfa_authenticate"), {"code": code})
        assert client.session["_auth_user_id"] == str(user.pk)
        assert SENTINEL_NAME in client.get("/me/").content.decode()
        client.get("/hr/", {"q": SENTINEL_NAME})
        client.get("/audit/")  # 403 for HR: logged as a warning by Django
        client.get("/no-such-page/", {"email": SENTINEL_EMAIL})  # 404, logged as a warning
    captured = capfd.readouterr()
    logs = caplog.text + captured.out + captured.err
    assert "Forbidden" in logs or "Not Found" in logs  # the log did capture the requests
    for sentinel in (SENTINEL_NAME, SENTINEL_PASSWORD, SENTINEL_WRONG, SENTINEL_EMAIL, code):
        assert sentinel not in logs, f"{sentinel!r} leaked into the application log"
