"""The day the reminder sweep next reads a measure, filled for the measures there are."""

import datetime

from django.conf import settings
from django.db import migrations, models


def fill(apps, schema_editor):
    # One update per deadline rather than per row: a province has a few thousand deadlines
    # and a million measures, and date arithmetic in SQL differs between the databases.
    Measure = apps.get_model("rectification", "Measure")
    open_measures = Measure.objects.filter(deadline__isnull=False, is_long_term=False).exclude(
        status="closed"
    )
    before = datetime.timedelta(days=settings.REMINDER_GREEN_DAYS)
    deadlines = open_measures.order_by().values_list("deadline", flat=True).distinct()
    for deadline in list(deadlines):
        open_measures.filter(deadline=deadline).update(next_rung_on=deadline - before)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0005_merge_second_factor_and_administrators"),
        ("findings", "0004_clue_feedback_due_required"),
        ("rectification", "0014_rollups"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="measure",
            name="next_rung_on",
            field=models.DateField(
                blank=True, editable=False, null=True, verbose_name="next reminder due on"
            ),
        ),
        # Nothing to undo: going back drops the column, and the sweep of the older code
        # walks every open measure without it.
        migrations.RunPython(fill, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name="measure",
            index=models.Index(
                condition=models.Q(("status", "submitted")),
                fields=["submitted_at", "id"],
                name="measure_submitted_waiting",
            ),
        ),
        migrations.AddIndex(
            model_name="measure",
            index=models.Index(
                condition=models.Q(("next_rung_on__isnull", False)),
                fields=["next_rung_on", "id"],
                name="measure_next_rung",
            ),
        ),
    ]
