"""The migration of the split: today's administrators become the system administrator."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("accounts", "0003_supervisor_role")]
AFTER = [("accounts", "0004_three_administrators")]


@pytest.mark.django_db(transaction=True)
def test_it_makes_every_admin_the_system_administrator_and_nothing_else_changes() -> None:
    executor = MigrationExecutor(connection)
    try:
        _check_the_split(executor)
    finally:
        # Every later test needs the database at the newest migrations again.
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())


def _check_the_split(executor: MigrationExecutor) -> None:
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps.get_model("accounts", "User")
    old.objects.create(username="old_admin", role="admin", is_staff=True)
    old.objects.create(username="old_clerk", role="office")

    executor = MigrationExecutor(connection)
    executor.migrate(AFTER)
    new = executor.loader.project_state(AFTER).apps.get_model("accounts", "User")

    roles = dict(new.objects.values_list("username", "role"))
    assert roles == {"old_admin": "system_admin", "old_clerk": "office"}
