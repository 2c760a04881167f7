"""A pre-test is not passed or failed: attempts scored before this rule lose their 合格."""

from django.db import migrations


def forget_pretest_passes(apps, schema_editor):
    Attempt = apps.get_model("assessments", "Attempt")
    Attempt.objects.filter(test__kind="pre").exclude(passed=None).update(passed=None)


class Migration(migrations.Migration):
    dependencies = [("assessments", "0001_initial")]

    operations = [migrations.RunPython(forget_pretest_passes, migrations.RunPython.noop)]
