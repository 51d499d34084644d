"""The migration that gives clues and petitions their due date fills every existing row."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

# The rounds as they were then too: a round of today has fields the old models do not know.
BEFORE = [("findings", "0002_text_maximums"), ("inspections", "0003_text_maximums")]
AFTER = [("findings", "0004_clue_feedback_due_required")]


@pytest.mark.django_db(transaction=True)
def test_every_existing_clue_and_petition_gets_its_due_date_and_none_is_lost() -> None:
    executor = MigrationExecutor(connection)
    try:
        _check_the_fill(executor)
    finally:
        # Every later test needs the database at the newest migrations again.
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())


def _check_the_fill(executor: MigrationExecutor) -> None:
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    unit = old.get_model("accounts", "Unit").objects.create(name="被巡察党组织")
    inspection_round = old.get_model("inspections", "InspectionRound").objects.create(
        name="旧轮次", target_unit=unit
    )
    clue = old.get_model("findings", "ProblemClue").objects
    clue.create(
        round=inspection_round,
        summary="旧线索",
        transferred_to="区纪委监委",
        transferred_on=datetime.date(2026, 1, 31),
    )
    petition = old.get_model("findings", "Petition").objects
    petition.create(
        round=inspection_round, summary="旧信访", received_on=datetime.date(2026, 5, 10)
    )
    # A slip the new rule refuses: concluded before it was received.
    petition.create(
        round=inspection_round,
        summary="日期录错的信访",
        received_on=datetime.date(2026, 5, 10),
        status="concluded",
        concluded_on=datetime.date(2026, 5, 1),
    )

    executor = MigrationExecutor(connection)
    executor.migrate(AFTER)
    new = executor.loader.project_state(AFTER).apps

    clues = new.get_model("findings", "ProblemClue").objects.values_list("summary", "feedback_due")
    petitions = new.get_model("findings", "Petition").objects.values_list(
        "summary", "feedback_due", "concluded_on"
    )
    assert list(clues) == [("旧线索", datetime.date(2026, 4, 30))]
    assert sorted(petitions) == [
        ("日期录错的信访", datetime.date(2026, 8, 10), datetime.date(2026, 5, 10)),
        ("旧信访", datetime.date(2026, 8, 10), None),
    ]
