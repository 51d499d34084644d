# Feedback due dates and conclusion records of clues and petitions; existing rows get the default due date.

import calendar
import datetime

from django.conf import settings
from django.db import migrations, models

import config.fields
import findings.models


def _add_months(day: datetime.date, months: int) -> datetime.date:
    # A copy of inspections.models.add_months as it is today: a migration keeps its own.
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return day.replace(
        year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1])
    )


def fill_feedback_due(apps, schema_editor):
    """Every clue and petition already recorded gets the default due date; none is lost.

    A petition concluded before it was received (a slip the new constraint refuses) keeps its
    conclusion, dated on its receipt day.
    """
    months = settings.CLUE_FEEDBACK_MONTHS
    for model_name, start in (("ProblemClue", "transferred_on"), ("Petition", "received_on")):
        model = apps.get_model("findings", model_name)
        rows = list(model.objects.filter(feedback_due__isnull=True).only("pk", start))
        for row in rows:
            row.feedback_due = _add_months(getattr(row, start), months)
        model.objects.bulk_update(rows, ["feedback_due"], batch_size=1000)
    petition = apps.get_model("findings", "Petition")
    petition.objects.filter(concluded_on__lt=models.F("received_on")).update(
        concluded_on=models.F("received_on")
    )


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0005_merge_second_factor_and_administrators'),
        ('findings', '0002_text_maximums'),
        ('inspections', '0003_text_maximums'),
    ]

    operations = [
        migrations.AddField(
            model_name='petition',
            name='document',
            field=models.FileField(blank=True, max_length=200, upload_to=findings.models.conclusion_upload_to, verbose_name='conclusion document'),
        ),
        migrations.AddField(
            model_name='petition',
            name='document_name',
            field=models.CharField(blank=True, max_length=255, verbose_name='document file name'),
        ),
        migrations.AddField(
            model_name='petition',
            name='document_sha256',
            field=models.CharField(blank=True, max_length=64, verbose_name='document SHA-256'),
        ),
        migrations.AddField(
            model_name='petition',
            name='feedback_due',
            field=models.DateField(blank=True, help_text='Left empty, three months after the transfer or receipt.', null=True, verbose_name='feedback due'),
        ),
        migrations.AddField(
            model_name='petition',
            name='outcome',
            field=config.fields.BoundedTextField(blank=True, max_length=10000, verbose_name='outcome'),
        ),
        migrations.AddField(
            model_name='problemclue',
            name='concluded_on',
            field=models.DateField(blank=True, null=True, verbose_name='concluded on'),
        ),
        migrations.AddField(
            model_name='problemclue',
            name='document',
            field=models.FileField(blank=True, max_length=200, upload_to=findings.models.conclusion_upload_to, verbose_name='conclusion document'),
        ),
        migrations.AddField(
            model_name='problemclue',
            name='document_name',
            field=models.CharField(blank=True, max_length=255, verbose_name='document file name'),
        ),
        migrations.AddField(
            model_name='problemclue',
            name='document_sha256',
            field=models.CharField(blank=True, max_length=64, verbose_name='document SHA-256'),
        ),
        migrations.AddField(
            model_name='problemclue',
            name='feedback_due',
            field=models.DateField(blank=True, help_text='Left empty, three months after the transfer or receipt.', null=True, verbose_name='feedback due'),
        ),
        migrations.RunPython(fill_feedback_due, migrations.RunPython.noop),
    ]
