"""Each completion report keeps its place's trainee (issue 23): the reviewers' lists select a
department's reports by it instead of joining every place. Filled from the places in one
UPDATE; required by the next migration (a separate transaction: PostgreSQL refuses to alter
a table with the update's deferred foreign-key checks still pending)."""

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def fill(apps, schema_editor):
    report = apps.get_model("assessments", "CompletionReport")
    place = apps.get_model("enrollments", "Enrollment")
    report.objects.update(
        trainee_id=Subquery(place.objects.filter(pk=OuterRef("enrollment_id")).values("trainee_id"))
    )


class Migration(migrations.Migration):

    dependencies = [
        ("assessments", "0004_reportform_reviewer"),
        ("enrollments", "0010_dashboard_indexes"),
        ("trainees", "0010_planned_transfer"),
    ]

    operations = [
        migrations.AddField(
            model_name="completionreport",
            name="trainee",
            field=models.ForeignKey(
                editable=False, null=True, on_delete=django.db.models.deletion.PROTECT,
                related_name="+", to="trainees.trainee",
            ),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
