"""Authenticator secrets stored in the clear before trainees/crypto.py are encrypted in place."""

from django.db import migrations


def encrypt_secrets(apps, schema_editor):
    from trainees.crypto import data_reencrypted  # the one place that knows the format

    Authenticator = apps.get_model("mfa", "Authenticator")
    for authenticator in Authenticator.objects.all().iterator():
        authenticator.data = data_reencrypted(authenticator.type, authenticator.data)
        authenticator.save(update_fields=["data"])


class Migration(migrations.Migration):
    dependencies = [
        ("trainees", "0003_organisation_at_the_time"),
        ("mfa", "0003_authenticator_type_uniq"),
    ]

    operations = [migrations.RunPython(encrypt_secrets, migrations.RunPython.noop)]
