"""The measures' membership table (MeasureUnit, the liaison's scope as an index range) equals
the truth of every measure's lead unit and cooperating units after every kind of write."""

from __future__ import annotations

import datetime
import io

import pytest
from django.core.management import call_command
from django.db import connection

from rectification import services
from rectification.models import Measure, MeasureUnit, today
from tests.documents.test_ledger_export import build_ledger_round
from tests.documents.test_ledger_import import COLUMN, edited, exported, upload
from tests.factories import MeasureFactory, ProblemFactory, UnitFactory
from tests.trust.test_audit import admin_form

pytestmark = pytest.mark.django_db


COPIED = ("status", "deadline", "is_long_term", "closed_at")


def truth() -> set[tuple]:
    """(measure, unit, problem, is_lead, and the measure's COPIED) as the measures and their
    cooperating units say."""
    measures = {m["id"]: m for m in Measure.objects.values("id", "lead_unit", "problem", *COPIED)}

    def row(measure_id: int, unit_id: int, is_lead: bool) -> tuple:
        m = measures[measure_id]
        return (measure_id, unit_id, m["problem"], is_lead, *(m[name] for name in COPIED))

    lead = {row(pk, m["lead_unit"], True) for pk, m in measures.items() if m["lead_unit"]}
    through = Measure.cooperating_units.through.objects.values_list("measure", "unit")
    cooperating = {row(measure_id, unit_id, False) for measure_id, unit_id in through}
    return lead | cooperating


def table() -> set[tuple]:
    rows = MeasureUnit.objects.values_list("measure", "unit", "problem", "is_lead", *COPIED)
    assert rows.count() == len(set(rows)), "a membership row twice"
    return set(rows)


def assert_kept() -> None:
    assert table() == truth()


@pytest.fixture
def units(unit_a, unit_b):
    return unit_a, unit_b, UnitFactory(name="第三单位", short_name="三单位")


def test_the_services_keep_the_table_through_create_edit_and_delete(
    office, problem, inspection_round, units
):
    unit_a, unit_b, unit_c = units
    measure = services.measure_create(
        actor=office,
        problem=problem,
        text="建立学习制度",
        lead_unit=unit_a,
        cooperating_units=[unit_b, unit_c],
        deadline=today() + datetime.timedelta(days=30),
    )
    assert len(table()) == 3
    assert_kept()
    other_problem = ProblemFactory(round=inspection_round, seq=2)
    for changes in (
        {"lead_unit": unit_b, "cooperating_units": [unit_a]},
        {"lead_unit": None},
        {"cooperating_units": []},
        {"lead_unit": unit_c, "cooperating_units": [unit_c, unit_a]},  # both lead and help
        {"problem": other_problem},
    ):
        measure = services.measure_update(measure_id=measure.pk, actor=office, changes=changes)
        assert_kept()
    assert MeasureUnit.objects.filter(measure=measure, problem=other_problem).count() == 3
    # A measure with a history is kept (PROTECT); one without goes, and its rows with it.
    fresh = services.measure_create(
        actor=office,
        problem=problem,
        text="新措施",
        lead_unit=unit_a,
        cooperating_units=[unit_b],
        is_long_term=True,
    )
    assert MeasureUnit.objects.filter(measure=fresh).count() == 2
    services.measure_delete(measure_id=fresh.pk, actor=office)
    assert not MeasureUnit.objects.filter(measure=fresh).exists()
    assert_kept()


def test_the_bulk_reassignment_keeps_the_table(client_for, office, problem, units):
    unit_a, unit_b, unit_c = units
    measures = [MeasureFactory(problem=problem, seq=i + 1, lead_unit=unit_a) for i in range(5)]
    measures[0].cooperating_units.set([unit_b])
    body = {
        "action": "update",
        "ids": [m.pk for m in measures],
        "fields": {"lead_unit": unit_c.pk, "cooperating_units": [unit_a.pk, unit_b.pk]},
    }
    response = client_for(office).post("/api/v1/measures/bulk/", body, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["changed"] == 5
    assert MeasureUnit.objects.filter(unit=unit_c, is_lead=True).count() == 5
    assert_kept()


@pytest.mark.usefixtures("shanghai_clock")
def test_a_ledger_import_keeps_the_table(
    client_for, office, inspection_round, unit_a, unit_b, liaison_a
):
    build_ledger_round(inspection_round, unit_a, unit_b, office, liaison_a)
    assert_kept()
    client = client_for(office)

    def change(sheet):
        sheet.cell(2, COLUMN["牵头单位"]).value = unit_b.name
        sheet.cell(2, COLUMN["配合单位"]).value = unit_a.name
        sheet.cell(3, COLUMN["配合单位"]).value = None

    response = upload(client, inspection_round, edited(exported(client, inspection_round), change))
    assert response.status_code == 200, response.json()
    assert response.json()["summary"]["measures_updated"] >= 1
    assert_kept()


def test_the_admin_keeps_the_table(client, measure_a, unit_b, units):
    from accounts.models import User

    root = User.objects.create_superuser("root", "root@example.gov.cn", "Xuncha-2026-ok")
    client.force_login(root)
    unit_c = units[2]
    url = f"/admin/rectification/measure/{measure_a.pk}/change/"
    response = client.post(
        url, admin_form(measure_a, lead_unit=unit_b.pk, cooperating_units=[unit_c.pk])
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert MeasureUnit.objects.filter(measure=measure_a).count() == 2
    assert_kept()
    doomed = MeasureFactory(problem=measure_a.problem, seq=9, lead_unit=unit_b)
    doomed.cooperating_units.set([unit_c])
    response = client.post(f"/admin/rectification/measure/{doomed.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not Measure.objects.filter(pk=doomed.pk).exists()
    assert_kept()


def test_writes_past_the_services_keep_the_table_too(problem, units):
    # Fixtures, QuerySet.update and bulk_create skip Python altogether: the triggers still see them.
    unit_a, unit_b, unit_c = units
    measures = Measure.objects.bulk_create(
        [MeasureFactory.build(problem=problem, seq=i + 1, lead_unit=unit_a) for i in range(3)]
    )
    assert_kept()
    Measure.objects.filter(pk=measures[0].pk).update(lead_unit=unit_b)
    Measure.cooperating_units.through.objects.bulk_create(
        [Measure.cooperating_units.through(measure=m, unit=unit_c) for m in measures]
    )
    assert_kept()
    Measure.cooperating_units.through.objects.filter(measure=measures[1]).update(unit=unit_b)
    assert_kept()
    Measure.cooperating_units.through.objects.filter(unit=unit_c).delete()
    Measure.objects.filter(pk=measures[2].pk).delete()
    assert_kept()


def test_the_migration_fills_the_table_from_existing_measures(problem, units):
    unit_a, unit_b, _ = units
    measure = MeasureFactory(problem=problem, seq=1, lead_unit=unit_a)
    measure.cooperating_units.set([unit_b])
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM rectification_measureunit")
    assert table() == set()
    from importlib import import_module

    first = import_module("rectification.migrations.0013_measure_units")
    then = import_module("rectification.migrations.0020_measure_unit_task_columns")
    # 0013's rows, with the columns 0020 adds as the column defaults of the day, then 0020's fill.
    fill = first.FILL.replace("is_lead)", "is_lead, status, is_long_term)").replace(
        "%(true)s FROM", "%(true)s, 'closed', %(true)s FROM"
    )
    fill = fill.replace("%(false)s\n", "%(false)s, 'closed', %(false)s\n")
    truthy = {"true": "1", "false": "0"} if connection.vendor == "sqlite" else {}
    with connection.cursor() as cursor:
        cursor.execute(fill % (truthy or {"true": "true", "false": "false"}))
        assert table() != truth()
        cursor.execute(then.FILL_SQLITE if connection.vendor == "sqlite" else then.FILL_POSTGRESQL)
    assert_kept()


@pytest.mark.django_db(transaction=True)
def test_migrating_a_populated_database_forward_copies_the_columns_and_keeps_them():
    from django.db.migrations.executor import MigrationExecutor
    from django.utils import timezone

    before = [("rectification", "0019_pending_extension_queue")]
    after = [("rectification", "0020_measure_unit_task_columns")]
    executor = MigrationExecutor(connection)
    try:
        executor.migrate(before)
        unit_a, unit_b = UnitFactory(name="甲单位"), UnitFactory(name="乙单位")
        problem = ProblemFactory()
        day = today()
        kinds = [
            {"status": "not_started", "deadline": day},
            {"status": "in_progress", "deadline": day + datetime.timedelta(days=3)},
            {"status": "submitted", "deadline": None, "is_long_term": True},
            {"status": "closed", "deadline": day, "closed_at": timezone.now()},
        ]
        for seq, kind in enumerate(kinds, start=1):
            with connection.cursor() as cursor:
                cursor.execute(
                    "INSERT INTO rectification_measure_cooperating_units (measure_id, unit_id) "
                    "VALUES (%s, %s)",
                    [
                        MeasureFactory(problem=problem, seq=seq, lead_unit=unit_a, **kind).pk,
                        unit_b.pk,
                    ],
                )
        with connection.cursor() as cursor:
            cursor.execute("SELECT COUNT(*) FROM rectification_measureunit")
            assert cursor.fetchone()[0] == 8
        executor = MigrationExecutor(connection)
        executor.migrate(after)
        assert len(table()) == 8
        assert_kept()
        # And the new triggers keep them from there on.
        Measure.objects.filter(status="not_started").update(
            status="in_progress", deadline=day + datetime.timedelta(days=10)
        )
        Measure.objects.filter(status="closed").update(status="in_progress", closed_at=None)
        assert_kept()
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())


def test_the_demo_generator_s_copy_keeps_the_table():
    # COPY on PostgreSQL, bulk_create elsewhere: either way row by row through the triggers.
    call_command("generate_demo_data", measures=300, seed=3, stdout=io.StringIO())
    assert MeasureUnit.objects.filter(is_lead=False).exists()
    assert_kept()


def test_the_rows_follow_the_measure_s_life(office, office2, liaison_a, problem, units):
    # The copied columns (status, deadline, long-term, sign-off time) after every step.
    from django.utils import timezone

    unit_a, unit_b, _ = units
    measure = services.measure_create(
        actor=office,
        problem=problem,
        text="健全台账",
        lead_unit=unit_a,
        cooperating_units=[unit_b],
        deadline=today() + datetime.timedelta(days=20),
    )
    assert_kept()
    services.measure_start(measure_id=measure.pk, actor=liaison_a)
    assert MeasureUnit.objects.filter(measure=measure, status="in_progress").count() == 2
    extension = services.extension_request(
        measure_id=measure.pk,
        actor=liaison_a,
        new_deadline=today() + datetime.timedelta(days=50),
        reason="工程周期",
    )
    services.extension_approve(extension_id=extension.pk, actor=office)
    assert set(MeasureUnit.objects.filter(measure=measure).values_list("deadline", flat=True)) == {
        today() + datetime.timedelta(days=50)
    }
    assert_kept()
    # What measure_submit writes, without the evidence file it asks for.
    Measure.objects.filter(pk=measure.pk).update(
        status=Measure.Status.SUBMITTED, result_summary="已完成", submitted_at=timezone.now()
    )
    assert_kept()
    services.measure_approve(measure_id=measure.pk, actor=office2)
    assert MeasureUnit.objects.filter(measure=measure, closed_at__isnull=False).count() == 2
    assert_kept()
    services.measure_reopen(
        measure_id=measure.pk,
        actor=office,
        reason="问题反弹",
        deadline=today() + datetime.timedelta(days=30),
    )
    assert_kept()
    services.measure_update(
        measure_id=measure.pk, actor=office, changes={"is_long_term": True, "deadline": None}
    )
    assert MeasureUnit.objects.filter(measure=measure, is_long_term=True).count() == 2
    assert_kept()
