"""Every completion report names its trainee (filled by 0005)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("assessments", "0005_completionreport_trainee"),
    ]

    operations = [
        migrations.AlterField(
            model_name="completionreport",
            name="trainee",
            field=models.ForeignKey(
                editable=False, on_delete=django.db.models.deletion.PROTECT, related_name="+",
                to="trainees.trainee",
            ),
        ),
    ]
