"""The deliveries that reached nobody by e-mail, by rule, in an index of their own (partial:
the few failed or without an address). HR's home asks which orders have any by the rule's
prefix, a LIKE that the (rule, status) index takes only under the "C" collation: at 100,000
staff it read all 48,000 deliveries' entries for none (5 ms)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("notices", "0007_approval_notices"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="delivery",
            index=models.Index(
                condition=models.Q(("status__in", ["failed", "no_email"])),
                fields=["rule"],
                name="delivery_undelivered",
            ),
        ),
    ]
