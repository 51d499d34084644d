"""Today's single-office data into one jurisdiction (accounts 0006-0008, inspections 0005-0006):
a database holding the demo, taken back to before jurisdictions, migrates forward with every
row and every number unchanged, its units, accounts and rounds all in the one jurisdiction
named from the rounds' inspecting bodies.

The data is written by today's code at the newest migrations and the database then taken back,
so that the test keeps working as models grow after it."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from accounts.models import Jurisdiction, Unit, User
from inspections.models import InspectionRound
from rectification import rollups
from rectification.models import Measure
from rectification.selectors import measure_numbers, measure_numbers_by_unit
from tests.test_layout_migration import table_rows, verify_audit

BEFORE_JURISDICTIONS = [
    ("accounts", "0005_merge_second_factor_and_administrators"),
    ("inspections", "0004_round_endorsement"),
]


def migrate(targets) -> None:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)


def numbers() -> tuple:
    measures = Measure.objects.all()
    by_unit = sorted(measure_numbers_by_unit(measures), key=lambda row: row["unit"] or 0)
    return measure_numbers(measures), by_unit


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_demo_migrates_into_one_jurisdiction_with_every_row_and_number() -> None:
    call_command("load_demo", stdout=io.StringIO())
    numbers_before = numbers()
    migrate(BEFORE_JURISDICTIONS)
    with connection.cursor() as cursor:
        assert "accounts_jurisdiction" not in connection.introspection.table_names(cursor)
    verify_audit()
    rows_before = table_rows()
    assert rows_before["rectification_measure"] > 0

    migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
    Jurisdiction.objects.refresh_tree()

    rows_after = table_rows()
    assert {table: rows_after.get(table) for table in rows_before} == rows_before
    verify_audit()
    (only,) = Jurisdiction.objects.all()
    assert only.parent_id is None and only.name.endswith("办公室")
    for model in (Unit, User, InspectionRound):
        assert set(model.objects.values_list("jurisdiction_id", flat=True)) == {only.pk}
    assert numbers() == numbers_before
    assert rollups.differences() == []
