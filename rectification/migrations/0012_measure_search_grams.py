# The grams index of measures' searched text (config/search.py), on PostgreSQL only.

from django.db import migrations

INDEX = """
CREATE INDEX measure_search_grams ON rectification_measure
USING gin (search_grams(text, lead_official, result_summary));
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(INDEX)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS measure_search_grams;")


class Migration(migrations.Migration):
    dependencies = [
        ("rectification", "0011_endorsement_chain"),
        ("findings", "0005_search_grams"),
    ]

    operations = [migrations.RunPython(forward, backward, elidable=False)]
