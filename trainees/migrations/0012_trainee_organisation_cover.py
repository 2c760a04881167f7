"""A coordinator's staff read from an index alone (PostgreSQL): the organisation, with the id
and the login in the index, in place of the plain index on the organisation (which it leads
with, so every lookup by organisation still has its index and a roster import writes one index,
not two). SQLite has no INCLUDE: there it is the plain index under the new name."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("trainees", "0011_trainee_status_employment_index"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="trainee",
            index=models.Index(
                fields=["organisation"], include=("id", "user"), name="trainee_org_cover"
            ),
        ),
        migrations.AlterField(
            model_name="trainee",
            name="organisation",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="trainees",
                to="trainees.organisation",
                verbose_name="organisation",
            ),
        ),
    ]
