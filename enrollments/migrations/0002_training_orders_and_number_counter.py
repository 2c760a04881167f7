"""Training orders move here from the courses app (rows kept: the table is taken over in
Django's state, then renamed); order numbers come from a per-fiscal-year counter row; a session
day with attendance or absence notices can no longer be deleted (PROTECT)."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


def move_content_types(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    if not ContentType.objects.filter(app_label="enrollments", model="trainingorder").exists():
        ContentType.objects.filter(app_label="courses", model="trainingorder").update(
            app_label="enrollments"
        )


def fill_counters(apps, schema_editor):
    """Start each year's counter at the highest number already given ("2026-0042" -> 42)."""
    TrainingOrder = apps.get_model("enrollments", "TrainingOrder")
    Counter = apps.get_model("enrollments", "OrderNumberCounter")
    last: dict[int, int] = {}
    for number in TrainingOrder.objects.values_list("number", flat=True):
        year, _sep, sequence = number.partition("-")
        if year.isdigit() and sequence.isdigit():
            last[int(year)] = max(last.get(int(year), 0), int(sequence))
    Counter.objects.bulk_create(
        [Counter(fiscal_year=year, last=value) for year, value in last.items()]
    )


class Migration(migrations.Migration):

    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("courses", "0011_move_out_notices_materials_orders"),
        ("enrollments", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="TrainingOrder",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("number", models.CharField(max_length=30, unique=True, verbose_name="order number")),
                        ("issued_on", models.DateField(verbose_name="order date")),
                        ("created_at", models.DateTimeField(default=django.utils.timezone.now, verbose_name="created")),
                        ("course", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="orders", to="courses.course", verbose_name="course")),
                        ("issued_by", models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="+", to=settings.AUTH_USER_MODEL, verbose_name="issued by")),
                        ("session", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="orders", to="courses.session", verbose_name="session")),
                    ],
                    options={
                        "db_table": "courses_trainingorder",
                        "verbose_name": "training order",
                        "verbose_name_plural": "training orders",
                        "ordering": ["-created_at", "-id"],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(move_content_types, migrations.RunPython.noop),
        migrations.AlterModelTable(name="trainingorder", table=None),
        migrations.CreateModel(
            name="OrderNumberCounter",
            fields=[
                ("fiscal_year", models.PositiveSmallIntegerField(primary_key=True, serialize=False)),
                ("last", models.PositiveIntegerField(default=0)),
            ],
        ),
        migrations.RunPython(fill_counters, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="absencenotice",
            name="day",
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="+", to="courses.sessionday"),
        ),
        migrations.AlterField(
            model_name="attendance",
            name="day",
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="+", to="courses.sessionday"),
        ),
    ]
