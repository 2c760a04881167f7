"""Authenticator secrets stored in the clear before trainees/crypto.py are encrypted in place.

The format is written out here as it was when this migration was made ("enc:v1:" + Fernet under
a key derived from DATA_ENCRYPTION_KEY for the purpose "mfa"), so the migration gives the same
result whatever the code says later; trainees/crypto.py reads it."""

import base64
import hashlib
import hmac

from cryptography.fernet import Fernet
from django.conf import settings
from django.db import migrations

PREFIX = "enc:v1:"
SECRET_FIELDS = {"totp": ("secret",), "recovery_codes": ("seed",)}
SECRET_LIST_FIELDS = {"recovery_codes": ("migrated_codes",)}


def _encrypt(fernet, text):
    if text.startswith(PREFIX):
        return text
    return PREFIX + fernet.encrypt(text.encode("utf-8")).decode("ascii")


def encrypt_secrets(apps, schema_editor):
    digest = hmac.new(
        settings.DATA_ENCRYPTION_KEY.encode("utf-8"), b"mfa", hashlib.sha256
    ).digest()
    fernet = Fernet(base64.urlsafe_b64encode(digest))
    Authenticator = apps.get_model("mfa", "Authenticator")
    for authenticator in Authenticator.objects.all().iterator():
        data = dict(authenticator.data)
        for name in SECRET_FIELDS.get(authenticator.type, ()):
            if isinstance(data.get(name), str):
                data[name] = _encrypt(fernet, data[name])
        for name in SECRET_LIST_FIELDS.get(authenticator.type, ()):
            if isinstance(data.get(name), list):
                data[name] = [_encrypt(fernet, code) for code in data[name]]
        authenticator.data = data
        authenticator.save(update_fields=["data"])


class Migration(migrations.Migration):
    dependencies = [
        ("trainees", "0003_organisation_at_the_time"),
        ("mfa", "0003_authenticator_type_uniq"),
    ]

    operations = [migrations.RunPython(encrypt_secrets, migrations.RunPython.noop)]
