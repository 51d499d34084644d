"""Supervision and reminders moved out of rectification into apps of their own: a database
at the migration before the move, holding the demo and generated data, migrates forward with
every table's rows and its audit chain intact.

The data is written by today's code at the newest migrations and the database then taken back
to before the move, so that the test keeps working as models grow after it."""

from __future__ import annotations

import io

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE_THE_MOVE = [
    ("rectification", "0007_reminder_round_report"),
    ("supervision", None),
    ("reminders", None),
]
MOVED = {
    "supervision": ["supervisiongroup", "urgenotice", "lookback", "evaluation", "redblacklist"],
    "reminders": ["notification", "reminderdelivery", "reminderlog", "escalationdigest"],
}


def migrate(targets) -> None:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)


def table_rows() -> dict[str, int]:
    with connection.cursor() as cursor:
        tables = sorted(connection.introspection.table_names(cursor))
        rows = {}
        for table in tables:
            if table == "django_migrations":  # the one table a migration writes to
                continue
            cursor.execute(f'SELECT COUNT(*) FROM "{table}"')
            rows[table] = cursor.fetchone()[0]
    return rows


def verify_audit() -> str:
    out = io.StringIO()
    call_command("verify_audit", stdout=out)
    return out.getvalue()


def load_demo() -> None:
    call_command("load_demo", stdout=io.StringIO())


def generate_demo_data() -> None:
    call_command("generate_demo_data", measures=5000, seed=3, stdout=io.StringIO())


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("populate", [load_demo, generate_demo_data], ids=["demo", "generated"])
def test_a_populated_database_migrates_forward_with_every_row(populate) -> None:
    # Filled by today's code at the newest migrations, then taken back to before the move
    # (what was added since goes with its migrations; the moved tables keep every row): a
    # database as an office upgrading from before the move holds it.
    populate()
    migrate(BEFORE_THE_MOVE)
    ContentType.objects.clear_cache()
    # The content types of the moved models are the old app's again.
    for app, models in MOVED.items():
        assert not ContentType.objects.filter(app_label=app, model__in=models).exists()
    verify_audit()
    before = table_rows()
    assert before["rectification_measure"] > 0
    if populate is load_demo:  # the demo holds rows of every moved kind
        assert before["rectification_urgenotice"] > 0 and before["rectification_evaluation"] > 0
        assert before["rectification_supervisiongroup_members"] > 0

    migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())

    after = table_rows()  # tables added after the move come back, filled by their migrations
    assert {table: after.get(table) for table in before} == before
    verify_audit()
    ContentType.objects.clear_cache()
    for app, models in MOVED.items():
        assert set(
            ContentType.objects.filter(app_label=app, model__in=models).values_list(
                "model", flat=True
            )
        ) == set(models)
    assert not ContentType.objects.filter(
        app_label="rectification", model__in=[m for ms in MOVED.values() for m in ms]
    ).exists()
