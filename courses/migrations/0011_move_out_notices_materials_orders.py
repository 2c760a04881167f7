"""The inbox, templates, deliveries and outbox go to the notices app, materials and viewing
records to learning, training orders to enrollments. Only Django's idea of which app owns them
changes here: the tables stay (notices/0001, learning/0001 and enrollments/0002 take them over
and rename them), so no row is lost."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("courses", "0010_delivery_without_links"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="MaterialView"),
                migrations.DeleteModel(name="Material"),
                migrations.DeleteModel(name="Delivery"),
                migrations.DeleteModel(name="Notice"),
                migrations.DeleteModel(name="NotificationTemplate"),
                migrations.DeleteModel(name="OutboxMessage"),
                migrations.DeleteModel(name="TrainingOrder"),
            ],
            database_operations=[],
        ),
    ]
