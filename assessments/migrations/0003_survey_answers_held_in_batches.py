"""Anonymous survey answers are held, encrypted, and released in shuffled batches.

The responses written before this were written in the same transaction as their SurveyDone row,
so PostgreSQL's ``xmin`` linked each to a person. They are written again here, every survey's
shuffled, in this migration's one transaction (new random ids, no day), and the old rows go.
"""

import random

import django.db.models.deletion
import uuid
from django.db import migrations, models


def rewrite_anonymous_responses(apps, schema_editor):
    SurveyResponse = apps.get_model("assessments", "SurveyResponse")
    SurveyAnswer = apps.get_model("assessments", "SurveyAnswer")
    shuffle = random.SystemRandom().shuffle
    old = list(SurveyResponse.objects.filter(anonymous=True))
    answers = {}
    for answer in SurveyAnswer.objects.filter(response__anonymous=True):
        answers.setdefault(answer.response_id, []).append(answer)
    shuffle(old)
    new_responses, new_answers = [], []
    for response in old:
        copy = SurveyResponse(
            survey_id=response.survey_id, session_id=response.session_id,
            organisation_id=response.organisation_id, answered_on=None, anonymous=True,
        )
        new_responses.append(copy)
        new_answers += [
            SurveyAnswer(response=copy, question_id=a.question_id, choice=a.choice,
                         choices=a.choices, text=a.text)
            for a in answers.get(response.pk, [])
        ]
    SurveyResponse.objects.filter(pk__in=[r.pk for r in old]).delete()
    SurveyResponse.objects.bulk_create(new_responses)
    SurveyAnswer.objects.bulk_create(new_answers)


class Migration(migrations.Migration):

    dependencies = [
        ('assessments', '0002_pretest_not_graded'),
        ('courses', '0011_move_out_notices_materials_orders'),
        ('enrollments', '0004_organisation_at_the_time'),
        ('trainees', '0004_encrypt_authenticator_secrets'),
    ]

    operations = [
        migrations.CreateModel(
            name='SurveyHeld',
            fields=[
                ('id', models.UUIDField(default=uuid.uuid4, editable=False, primary_key=True, serialize=False)),
                ('held_on', models.DateField(verbose_name='held since')),
                ('payload', models.TextField()),
            ],
            options={
                'verbose_name': 'survey answers waiting for their batch',
                'verbose_name_plural': 'survey answers waiting for their batch',
            },
        ),
        migrations.RemoveConstraint(
            model_name='surveyresponse',
            name='survey_response_anonymous_has_no_person',
        ),
        migrations.AlterField(
            model_name='surveyresponse',
            name='answered_on',
            field=models.DateField(blank=True, null=True, verbose_name='answered on'),
        ),
        migrations.RunPython(rewrite_anonymous_responses, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name='surveyresponse',
            constraint=models.CheckConstraint(condition=models.Q(('anonymous', False), models.Q(('answered_on__isnull', True), ('enrollment__isnull', True)), _connector='OR'), name='survey_response_anonymous_has_no_person'),
        ),
        migrations.AddField(
            model_name='surveyheld',
            name='survey',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='held', to='assessments.survey'),
        ),
    ]
