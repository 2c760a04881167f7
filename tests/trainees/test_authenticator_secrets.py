"""Authenticator secrets (issue 18, item 7): stored encrypted under a key of their own, shown on
no admin page, and HR cannot see other HR administrators' or auditors' authenticators."""

from __future__ import annotations

import io
import json

import pyotp
import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP
from cryptography.fernet import InvalidToken
from django.contrib import admin
from django.core.management import call_command
from django.db import connection
from django.urls import reverse

from tests.trainees.factories import UserFactory
from trainees import crypto
from trainees.roles import Role

pytestmark = pytest.mark.django_db


def _raw_data(authenticator: Authenticator) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT data FROM mfa_authenticator WHERE id = %s", [authenticator.pk])
        value = cursor.fetchone()[0]
    return value if isinstance(value, str) else json.dumps(value)


def test_secrets_are_encrypted_at_rest_and_still_verify(settings):
    user = UserFactory(roles=[Role.TRAINEE], totp=True)
    totp = Authenticator.objects.get(user=user, type=Authenticator.Type.TOTP)
    codes = Authenticator.objects.get(user=user, type=Authenticator.Type.RECOVERY_CODES)
    assert user.totp_secret not in _raw_data(totp)
    assert crypto.PREFIX in _raw_data(totp) and crypto.PREFIX in _raw_data(codes)
    seed = crypto.decrypt(codes.data["seed"])
    assert seed not in _raw_data(codes)
    assert TOTP(totp).validate_code(pyotp.TOTP(user.totp_secret).now())
    first_code = RecoveryCodes(codes).get_unused_codes()[0]
    original = settings.DATA_ENCRYPTION_KEY
    # Another key cannot read them (the key is DATA_ENCRYPTION_KEY, not SECRET_KEY).
    settings.DATA_ENCRYPTION_KEY = "the next key"
    with pytest.raises(InvalidToken):
        crypto.decrypt(totp.data["secret"])
    # Rotation: the old key as a fallback still reads; mfa_reencrypt moves to the new one.
    settings.DATA_ENCRYPTION_KEY_FALLBACKS = [original]
    call_command("mfa_reencrypt", stdout=io.StringIO())
    settings.DATA_ENCRYPTION_KEY_FALLBACKS = []
    totp.refresh_from_db()
    codes.refresh_from_db()
    # Read under the new key alone (a code was used above: allauth refuses it a second time).
    assert crypto.decrypt(totp.data["secret"]) == user.totp_secret
    assert RecoveryCodes(codes).get_unused_codes()[0] == first_code


def test_a_secret_stored_in_the_clear_is_read_and_encrypted_by_the_migration():
    import importlib

    migration = importlib.import_module("trainees.migrations.0004_encrypt_authenticator_secrets")
    user = UserFactory(roles=[Role.TRAINEE])
    secret = pyotp.random_base32()
    plain = Authenticator.objects.create(user=user, type="totp", data={"secret": secret})
    assert TOTP(plain).validate_code(pyotp.TOTP(secret).now())  # read as it was

    from django.apps import apps

    migration.encrypt_secrets(apps, None)
    plain.refresh_from_db()
    assert secret not in _raw_data(plain)
    assert crypto.decrypt(plain.data["secret"]) == secret


def _admin_pages(client, model_admin_paths):
    for path in model_admin_paths:
        yield path, client.get(path)


def test_no_admin_page_shows_a_secret_and_hr_sees_no_protected_authenticators(
    client, hr_admin, auditor
):
    trainee = UserFactory(username="300009", roles=[Role.TRAINEE], totp=True)
    other_hr = UserFactory(username="100009", roles=[Role.HR_ADMIN], totp=True)
    secrets = []
    for user in (trainee, other_hr, auditor, hr_admin):
        for authenticator in Authenticator.objects.filter(user=user):
            for value in authenticator.data.values():
                if isinstance(value, str) and crypto.is_encrypted(value):
                    secrets += [value, crypto.decrypt(value)]
    assert len(secrets) == 16

    client.force_login(hr_admin)
    listing = client.get(reverse("admin:mfa_authenticator_changelist"))
    assert listing.status_code == 200
    shown = set(listing.context["cl"].result_list.values_list("user__username", flat=True))
    assert shown == {"300009", hr_admin.username}  # not another HR administrator, not the auditor
    for authenticator in Authenticator.objects.filter(user=trainee):
        page = client.get(reverse("admin:mfa_authenticator_change", args=[authenticator.pk]))
        assert page.status_code == 200
        assert not any(secret in page.content.decode() for secret in secrets)
    for user in (other_hr, auditor):
        for authenticator in Authenticator.objects.filter(user=user):
            page = client.get(reverse("admin:mfa_authenticator_change", args=[authenticator.pk]))
            assert page.status_code in (302, 404)  # Django admin redirects a hidden object

    # Every admin page any model has, listing and first object, as the superuser too.
    superuser = UserFactory(username="root", is_superuser=True, is_staff=True, totp=True)
    for viewer in (hr_admin, superuser):
        client.force_login(viewer)
        for model, model_admin in admin.site._registry.items():
            info = (model._meta.app_label, model._meta.model_name)
            paths = [reverse("admin:{}_{}_changelist".format(*info))]
            first = model_admin.get_queryset(_request(viewer)).first()
            if first is not None:
                paths.append(reverse("admin:{}_{}_change".format(*info), args=[first.pk]))
            for path, page in _admin_pages(client, paths):
                body = page.content.decode()
                leaked = [s for s in secrets if s in body]
                assert not leaked, f"{path} shows an authenticator secret"


def _request(user):
    from django.test import RequestFactory

    request = RequestFactory().get("/")
    request.user = user
    return request
