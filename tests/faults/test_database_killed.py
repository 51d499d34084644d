"""A PostgreSQL connection killed (pg_terminate_backend) in the middle of a transition: the
measure is either fully changed with its history row, or not changed at all."""

from __future__ import annotations

import psycopg2
import pytest
from django.db import connection
from django.db.utils import DatabaseError

from audit.models import AuditEntry
from rectification import services
from rectification.models import Measure, StatusChange
from tests.rectification.helpers import put_in_state

pytestmark = [pytest.mark.faults, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def kill_my_backend() -> None:
    """Terminate this connection's server process from another connection."""
    pid = connection.connection.get_backend_pid()
    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    with psycopg2.connect(**params) as killer, killer.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
    killer.close()


def killing_before(target, name: str, monkeypatch):
    """Patch `target.name` to kill the connection, then do what it was going to do."""
    original = getattr(target, name)

    def wrapper(*args, **kwargs):
        kill_my_backend()
        return original(*args, **kwargs)

    monkeypatch.setattr(target, name, wrapper)


@pytest.mark.parametrize(
    "point",
    ["before the history row", "before the measure row", "before the audit row", "at commit"],
)
def test_a_sign_off_cut_by_a_killed_connection_leaves_all_or_nothing(
    measure_a, liaison_a, office, office2, monkeypatch, point
):
    put_in_state(measure_a, Measure.Status.SUBMITTED, submitted_by=liaison_a, closed_by=office)
    version = Measure.objects.get(pk=measure_a.pk).version
    audit_rows = AuditEntry.objects.count()
    if point == "before the history row":
        killing_before(StatusChange.objects, "create", monkeypatch)
    elif point == "before the measure row":
        killing_before(Measure, "save", monkeypatch)
    elif point == "before the audit row":
        from audit import recorder

        killing_before(recorder, "_write", monkeypatch)
    else:
        from django.db.backends.base import base

        original_commit = base.BaseDatabaseWrapper._commit

        def commit(self):
            kill_my_backend()
            return original_commit(self)

        monkeypatch.setattr(base.BaseDatabaseWrapper, "_commit", commit)

    with pytest.raises(DatabaseError):
        services.measure_approve(measure_id=measure_a.pk, actor=office2)
    monkeypatch.undo()
    connection.close()  # the broken connection goes; the next query opens a new one

    measure = Measure.objects.get(pk=measure_a.pk)
    history = StatusChange.objects.filter(measure=measure_a, action="approve").count()
    assert (measure.status, measure.version, history) == (Measure.Status.SUBMITTED, version, 0)
    assert measure.closed_at is None
    assert AuditEntry.objects.count() == audit_rows


def test_the_same_sign_off_then_goes_through_whole(measure_a, liaison_a, office, office2):
    put_in_state(measure_a, Measure.Status.SUBMITTED, submitted_by=liaison_a, closed_by=office)
    services.measure_approve(measure_id=measure_a.pk, actor=office2)
    measure = Measure.objects.get(pk=measure_a.pk)
    assert measure.status == Measure.Status.CLOSED
    assert StatusChange.objects.filter(measure=measure_a, action="approve").count() == 1
