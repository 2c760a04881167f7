"""Where each place counts (``Enrollment.counted_in``), kept on the place so that the dashboards
group a fiscal year's places without joining them to the staff table (at 100,000 staff the
completion matrix's hash of every trainee was two thirds of its time).

Filled for the places there are as ``COALESCE(organisation at the time, trainee's organisation
now)`` — what the dashboards computed on every read until now — then made required. On
PostgreSQL the dashboards' covering index carries it instead of the organisation at the time,
which no grouped count reads any more.
"""

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import OuterRef, Subquery
from django.db.models.functions import Coalesce

INDEX = [
    "DROP INDEX IF EXISTS enrollment_course_status_cover",
    "CREATE INDEX enrollment_course_status_cover ON enrollments_enrollment "
    "(course_id, status) INCLUDE (id, counted_in_id, completion, trainee_id, session_id)",
]
INDEX_BEFORE = [
    "DROP INDEX IF EXISTS enrollment_course_status_cover",
    "CREATE INDEX enrollment_course_status_cover ON enrollments_enrollment "
    "(course_id, status) INCLUDE (id, organisation_id, completion, trainee_id, session_id)",
]


def fill(apps, schema_editor):  # type: ignore[no-untyped-def]
    enrollment = apps.get_model("enrollments", "Enrollment")
    trainee = apps.get_model("trainees", "Trainee")
    now = trainee.objects.filter(pk=OuterRef("trainee_id")).values("organisation_id")[:1]
    enrollment.objects.update(counted_in_id=Coalesce("organisation_id", Subquery(now)))


def _index(statements: list[str]):  # type: ignore[no-untyped-def]
    def run(apps, schema_editor):  # type: ignore[no-untyped-def]
        if schema_editor.connection.vendor != "postgresql":
            return
        for statement in statements:
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("enrollments", "0010_dashboard_indexes"),
        ("trainees", "0011_trainee_status_employment_index"),
    ]

    operations = [
        migrations.AddField(
            model_name="enrollment",
            name="counted_in",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="trainees.organisation",
                verbose_name="organisation counted in",
            ),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="enrollment",
            name="counted_in",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="trainees.organisation",
                verbose_name="organisation counted in",
            ),
        ),
        migrations.RunPython(_index(INDEX), _index(INDEX_BEFORE)),
    ]
