"""Certificate batches are background jobs now (jobs.Job). A batch still queued in the outbox
names a task that is gone: it is dropped (the relay would stop at it); its files, if any, are
left to the retention's sweep of files nothing refers to."""

from django.db import migrations


def drop_queued_batches(apps, schema_editor):
    OutboxMessage = apps.get_model("notices", "OutboxMessage")
    OutboxMessage.objects.filter(
        task="reports.tasks.build_certificate_batch", relayed_at__isnull=True
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0005_certificate_valid_until"),
        ("notices", "0007_approval_notices"),
    ]

    operations = [
        migrations.RunPython(drop_queued_batches, migrations.RunPython.noop),
        migrations.DeleteModel(name="CertificateBatch"),
    ]
