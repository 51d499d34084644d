"""An evaluation's authors: everyone who wrote its scores. The evaluations kept so far name
their creator as their author (who scored by hand was kept as text only)."""

from django.conf import settings
from django.db import migrations, models


def creators_are_authors(apps, schema_editor):
    Evaluation = apps.get_model("supervision", "Evaluation")
    Authors = Evaluation.authors.through
    Authors.objects.bulk_create(
        [
            Authors(evaluation_id=pk, user_id=created_by_id)
            for pk, created_by_id in Evaluation.objects.values_list("pk", "created_by_id")
        ],
        batch_size=1000,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("supervision", "0002_text_maximums"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="evaluation",
            name="authors",
            field=models.ManyToManyField(
                blank=True, related_name="+", to=settings.AUTH_USER_MODEL, verbose_name="authors"
            ),
        ),
        migrations.RunPython(creators_are_authors, migrations.RunPython.noop),
    ]
