"""The migration of the split: today's administrators become the system administrator."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("accounts", "0003_supervisor_role")]
AFTER = [("accounts", "0004_three_administrators")]


@pytest.mark.django_db(transaction=True)
def test_it_makes_every_admin_the_system_administrator_and_nothing_else_changes():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps.get_model("accounts", "User")
    old.objects.create(username="old_admin", role="admin", is_staff=True)
    old.objects.create(username="old_clerk", role="office")

    executor = MigrationExecutor(connection)
    executor.migrate(AFTER)
    new = executor.loader.project_state(AFTER).apps.get_model("accounts", "User")

    roles = dict(new.objects.values_list("username", "role"))
    assert roles == {"old_admin": "system_admin", "old_clerk": "office"}
