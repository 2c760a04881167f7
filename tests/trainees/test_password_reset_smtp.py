"""Password reset by e-mail through a real SMTP server (aiosmtpd), end to end."""

from __future__ import annotations

import email
import email.policy
import re
import socket

import pytest
from aiosmtpd.controller import Controller
from django.urls import reverse

from audit.models import AuditEvent

pytestmark = pytest.mark.django_db


class Inbox:
    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd calls handle_<COMMAND>
        self.messages.append(
            email.message_from_bytes(envelope.content, policy=email.policy.default)
        )
        return "250 OK"


@pytest.fixture
def smtp_server(settings):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    yield inbox
    controller.stop()


def test_password_reset_by_email(client, trainee, smtp_server):
    response = client.post(reverse("account_reset_password"), {"email": trainee.email})
    assert response.status_code == 302
    assert len(smtp_server.messages) == 1
    message = smtp_server.messages[0]
    assert message["To"] == trainee.email
    assert "研修管理システム" in message["Subject"]  # UTF-8 Japanese subject survives SMTP
    body = message.get_body(preferencelist=("plain",)).get_content()
    link = re.search(r"https?://[^\s]+/accounts/password/reset/key/[^\s]+/", body).group(0)

    page = client.get(link.split("testserver", 1)[-1], follow=True)
    assert page.status_code == 200
    new_password = "New-Passw0rd-2026"
    response = client.post(
        page.request["PATH_INFO"], {"password1": new_password, "password2": new_password}
    )
    assert response.status_code == 302

    client.logout()
    client.post(reverse("account_login"), {"login": "300001", "password": new_password})
    assert client.session["_auth_user_id"] == str(trainee.pk)
    kinds = set(
        AuditEvent.objects.filter(subject_user_id=trainee.pk).values_list("kind", flat=True)
    )
    assert {"password.reset_requested", "password.reset_completed"} <= kinds


def test_reset_for_an_unknown_address_reveals_nothing(client, trainee, smtp_server):
    response = client.post(reverse("account_reset_password"), {"email": "nobody@example.jp"})
    assert response.status_code == 302  # same answer as for a known address
    assert not AuditEvent.objects.filter(kind="password.reset_requested").exists()
