"""Outbox rows not yet relayed name the delivery task by its new module."""

from django.db import migrations

RENAMED = {"courses.tasks.deliver_orders": "notices.tasks.deliver_notices"}


def forwards(apps, schema_editor):
    OutboxMessage = apps.get_model("notices", "OutboxMessage")
    for old, new in RENAMED.items():
        OutboxMessage.objects.filter(task=old).update(task=new)


def backwards(apps, schema_editor):
    OutboxMessage = apps.get_model("notices", "OutboxMessage")
    for old, new in RENAMED.items():
        OutboxMessage.objects.filter(task=new).update(task=old)


class Migration(migrations.Migration):

    dependencies = [
        ("notices", "0001_initial"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
