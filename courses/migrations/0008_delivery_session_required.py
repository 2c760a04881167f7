# The backfill in 0007 ran in its own transaction (PostgreSQL refuses to alter a table with
# pending foreign-key checks from the same transaction).

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('courses', '0007_enrolment_support'),
    ]

    operations = [
        migrations.AlterField(
            model_name='delivery',
            name='session',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='courses.session'),
        ),
    ]
