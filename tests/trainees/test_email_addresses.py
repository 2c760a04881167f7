"""E-mail addresses are the roster's: a logged-in session cannot add one (and so cannot send
itself reset links); reset mail goes only to verified addresses; changes are audit events;
a confirmation mail to an unverified address does not carry the person's name."""

from __future__ import annotations

import pytest
from allauth.account import signals
from allauth.account.models import EmailAddress
from django.template.loader import render_to_string

from audit.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_a_logged_in_trainee_cannot_add_an_address(client, trainee):
    client.force_login(trainee)
    response = client.post("/accounts/email/", {"action_add": "", "email": "attacker@evil.example"})
    assert not EmailAddress.objects.filter(email="attacker@evil.example").exists()
    assert response.status_code == 200
    assert "名簿" in response.content.decode()


def test_an_account_without_an_address_cannot_add_one_either(client, trainee):
    EmailAddress.objects.filter(user=trainee).delete()
    trainee.email = ""
    trainee.save()
    client.force_login(trainee)
    client.post("/accounts/email/", {"action_add": "", "email": "mine@evil.example"})
    assert not EmailAddress.objects.filter(user=trainee).exists()


def test_reset_mail_goes_only_to_verified_addresses(client, trainee, mailoutbox):
    EmailAddress.objects.filter(user=trainee).update(verified=False)
    client.post("/accounts/password/reset/", {"email": trainee.email})
    assert not any("/accounts/password/reset/key/" in m.body for m in mailoutbox)
    EmailAddress.objects.filter(user=trainee).update(verified=True)
    client.post("/accounts/password/reset/", {"email": trainee.email})
    assert any("/accounts/password/reset/key/" in m.body for m in mailoutbox)


def test_address_changes_through_allauth_are_audit_events(trainee, rf):
    address = EmailAddress.objects.get(user=trainee)
    request = rf.get("/accounts/email/")
    signals.email_removed.send(
        sender=EmailAddress, request=request, user=trainee, email_address=address
    )
    signals.email_confirmed.send(sender=EmailAddress, request=request, email_address=address)
    events = AuditEvent.objects.filter(kind="account.email_changed", subject_user_id=trainee.pk)
    assert sorted(e.detail["action"] for e in events) == ["confirmed", "removed"]


def test_a_confirmation_mail_does_not_name_the_person(trainee):
    body = render_to_string(
        "account/email/email_confirmation_message.txt",
        {"user": trainee, "activate_url": "https://kenshu.example.jp/x", "current_site": None},
    )
    assert trainee.full_name not in body and trainee.username not in body
