# Text search by index on PostgreSQL (config/search.py): the grams function and the index of
# problem titles. Nothing on SQLite, which searches without an index.

from django.db import migrations

GRAMS = """
CREATE OR REPLACE FUNCTION search_grams(VARIADIC parts text[]) RETURNS text[]
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
DECLARE
    part text;
    chars text[];
    grams text[] := '{}';
    n int;
BEGIN
    -- Each character and each pair of neighbours, of each part apart; repeats are kept
    -- (the GIN index keeps each key once).
    FOREACH part IN ARRAY parts LOOP
        CONTINUE WHEN part IS NULL OR part = '';
        chars := string_to_array(upper(part), NULL);
        n := array_length(chars, 1);
        grams := grams || chars;
        FOR i IN 1 .. n - 1 LOOP
            grams := grams || (chars[i] || chars[i + 1]);
        END LOOP;
    END LOOP;
    RETURN grams;
END
$$;
CREATE OR REPLACE FUNCTION search_word_grams(word text) RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN length(upper(word)) < 2 THEN ARRAY[upper(word)]
    ELSE ARRAY(
        SELECT DISTINCT substr(upper(word), i, 2)
        FROM generate_series(1, length(upper(word)) - 1) AS i
    ) END
$$;
CREATE INDEX problem_title_grams ON findings_problem USING gin (search_grams(title));
"""

UNDO = """
DROP INDEX IF EXISTS problem_title_grams;
DROP FUNCTION IF EXISTS search_word_grams(text);
DROP FUNCTION IF EXISTS search_grams(VARIADIC text[]);
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(GRAMS)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(UNDO)


class Migration(migrations.Migration):
    dependencies = [
        ("findings", "0004_clue_feedback_due_required"),
    ]

    operations = [migrations.RunPython(forward, backward, elidable=False)]
