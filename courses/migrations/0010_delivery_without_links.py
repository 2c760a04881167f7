# In its own migration (transaction): PostgreSQL refuses to alter a table with pending
# trigger events from the data migration in 0009.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("courses", "0009_delivery_about_rule"),
    ]

    operations = [
        migrations.RemoveConstraint(model_name="delivery", name="delivery_once_per_trainee"),
        migrations.RemoveConstraint(model_name="delivery", name="delivery_once_per_decision"),
        migrations.RemoveIndex(model_name="delivery", name="delivery_order_status"),
        migrations.RemoveField(model_name="delivery", name="order"),
        migrations.RemoveField(model_name="delivery", name="session"),
        migrations.AlterField(
            model_name="delivery",
            name="rule",
            field=models.CharField(max_length=60, verbose_name="about"),
        ),
        migrations.AddConstraint(
            model_name="delivery",
            constraint=models.UniqueConstraint(
                fields=("trainee", "kind", "rule"), name="delivery_once_per_rule"
            ),
        ),
        migrations.AddIndex(
            model_name="delivery",
            index=models.Index(fields=["rule", "status"], name="delivery_rule_status"),
        ),
    ]
