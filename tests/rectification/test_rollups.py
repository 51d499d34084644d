"""The rollups of DESIGN.md section 6 stay exact through every kind of write.

The triggers sit below every writer, so the test drives writes of every shape a writer makes:
the services (edits, extensions, deletes, transitions), a model's save() as the admin and the
imports do, a queryset's update() as the bulk actions and the look-back do, raw SQL, and
moves of a problem between rounds. After each, every rollup cell is compared with the live
rows, and the numbers read from the rollups with the numbers counted from the measures.
Run on PostgreSQL by default; with DATABASE_URL=sqlite:///… it runs on SQLite.
"""

from __future__ import annotations

import datetime
import io
import random

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone

from findings.models import Problem
from rectification import rollups, services
from rectification.models import (
    Extension,
    Measure,
    MeasureDayRollup,
    MeasureRollup,
    ProblemRollup,
    RollupDay,
    today,
)
from rectification.selectors import (
    Cells,
    cell_numbers,
    cell_numbers_by_unit,
    cell_problem_numbers,
    cell_problem_numbers_by_category,
    cell_trend,
    measure_numbers,
    measure_numbers_by_unit,
    measure_trend,
    problem_cells,
    problem_numbers,
    problem_numbers_by_category,
)
from tests.factories import MeasureFactory, ProblemFactory, RoundFactory, UnitFactory

pytestmark = pytest.mark.django_db(transaction=False)

STATUSES = [s.value for s in Measure.Status]
CATEGORIES = [c.value for c in Problem.Category]


def assert_exact(rounds, units, rng: random.Random | None = None) -> None:
    """Every cell against the live rows; and the numbers read both ways, for every round
    and unit at three dates, or (with `rng`, between two full checks) for one of each."""
    assert rollups.differences() == []
    day = today()
    dates = [day, day - datetime.timedelta(days=20), day + datetime.timedelta(days=9)]
    round_choices, unit_choices = [None, *rounds], [None, *units]
    if rng is not None:
        dates = [rng.choice(dates)]
        round_choices, unit_choices = [rng.choice(round_choices)], [rng.choice(unit_choices)]
    for as_of in dates:
        for round_ in round_choices:
            round_ids = None if round_ is None else [round_.pk]
            for unit in unit_choices:
                live = Measure.objects.all()
                if round_ is not None:
                    live = live.filter(problem__round=round_)
                if unit is not None:
                    live = live.filter(lead_unit=unit)
                cells = Cells(round_ids, unit.pk if unit else None)
                assert cell_numbers(cells, as_of) == measure_numbers(live, as_of)
            live = Measure.objects.all() if round_ is None else live_round(round_)
            # Keyed by unit: where the measures with no lead unit sort differs by database.
            assert by_unit(cell_numbers_by_unit(Cells(round_ids), as_of)) == by_unit(
                measure_numbers_by_unit(live, as_of)
            )
            assert cell_trend(round_ids, None, as_of) == measure_trend(live, as_of)
            problems = Problem.objects.all()
            if round_ is not None:
                problems = problems.filter(round=round_)
            assert cell_problem_numbers(problem_cells(round_ids)) == problem_numbers(problems)
            assert cell_problem_numbers_by_category(problem_cells(round_ids)) == (
                problem_numbers_by_category(problems)
            )


def by_unit(rows: list[dict]) -> dict:
    return {row["unit"]: row for row in rows}


def live_round(round_):
    return Measure.objects.filter(problem__round=round_)


def test_every_kind_of_write_keeps_the_rollups_exact(office, liaison_a, unit_a):
    rng = random.Random(20)
    units = [unit_a, *UnitFactory.create_batch(3)]
    rounds = RoundFactory.create_batch(3)
    problems = [
        ProblemFactory(round=rng.choice(rounds), category=rng.choice(CATEGORIES)) for _ in range(30)
    ]
    day = today()
    for _ in range(200):
        MeasureFactory(
            problem=rng.choice(problems),
            lead_unit=rng.choice(units),
            deadline=day + datetime.timedelta(days=rng.randint(-60, 60)),
        )
    assert_exact(rounds, units)

    def some_measure() -> Measure:
        return rng.choice(list(Measure.objects.order_by("pk")))

    def set_status(measure: Measure, status: str) -> dict:
        now = timezone.now() - datetime.timedelta(hours=rng.randint(0, 24 * 90))
        fields = {"status": status, "submitted_at": None, "closed_at": None}
        if status not in ("not_started", "in_progress"):
            fields["submitted_at"] = now
        if status == "closed":
            fields["closed_at"] = now + datetime.timedelta(hours=rng.randint(0, 200))
        return fields

    def save_transition():  # the admin, the imports and the services all save() a measure
        measure = some_measure()
        for name, value in set_status(measure, rng.choice(STATUSES)).items():
            setattr(measure, name, value)
        measure.save()

    def bulk_transition():  # bulk actions and the look-back's reopening: queryset.update()
        ids = [some_measure().pk for _ in range(5)]
        status = rng.choice(STATUSES)
        Measure.objects.filter(pk__in=ids).update(**set_status(None, status))  # type: ignore[arg-type]

    def service_edit():
        measure = some_measure()
        changes: dict = {"deadline": day + datetime.timedelta(days=rng.randint(-30, 30))}
        if rng.random() < 0.5:
            changes["lead_unit"] = rng.choice(units)
        services.measure_update(measure_id=measure.pk, actor=office, changes=changes)

    def service_move_problem():
        measure = some_measure()
        target = rng.choice(problems)
        seq = max(target.measures.values_list("seq", flat=True), default=0) + 1
        services.measure_update(
            measure_id=measure.pk, actor=office, changes={"problem": target, "seq": seq}
        )

    def long_term():
        measure = some_measure()
        if measure.is_long_term:
            Measure.objects.filter(pk=measure.pk).update(is_long_term=False, deadline=day)
        else:
            Measure.objects.filter(pk=measure.pk).update(is_long_term=True, deadline=None)

    def no_lead_unit():
        Measure.objects.filter(pk=some_measure().pk).update(lead_unit=None)

    def extension():
        measure = some_measure()
        ext = Extension.objects.create(
            measure=measure,
            requested_by=liaison_a,
            old_deadline=measure.deadline,
            new_deadline=day + datetime.timedelta(days=rng.randint(1, 40)),
            reason="人手不足",
        )
        choice = rng.random()
        if choice < 0.5:
            services.extension_approve(extension_id=ext.pk, actor=office)
        elif choice < 0.7:
            services.extension_reject(extension_id=ext.pk, actor=office, comment="理由不足")

    def extension_undone():
        ext = Extension.objects.order_by("?").first()
        if ext is None:
            return
        if rng.random() < 0.5:
            ext.delete()
        else:
            Extension.objects.filter(pk=ext.pk).update(
                status=rng.choice(["pending", "approved", "rejected"])
            )

    def delete():  # a measure with a history is protected: those without one go
        measure = rng.choice(list(Measure.objects.filter(history=None).order_by("pk")))
        measure.extensions.all().delete()
        services.measure_delete(measure_id=measure.pk, actor=office)

    def create():
        MeasureFactory(
            problem=rng.choice(problems),
            lead_unit=rng.choice(units),
            deadline=day + datetime.timedelta(days=rng.randint(-60, 60)),
            status=rng.choice(["not_started", "in_progress"]),
        )

    def problem_moves():  # a problem moved to another round takes its measures along
        problem = rng.choice(problems)
        problem.round = rng.choice(rounds)
        problem.category = rng.choice(CATEGORIES)
        problem.save()

    def problem_created_and_deleted():
        problem = ProblemFactory(round=rng.choice(rounds))
        problems.append(problem)
        if rng.random() < 0.3:
            problems.remove(problem)
            problem.delete()

    def raw_sql():
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE rectification_measure SET status = %s, closed_at = NULL"
                " WHERE id = %s AND status <> 'closed'",
                ["in_progress", some_measure().pk],
            )

    def rolled_back():
        with pytest.raises(RuntimeError), transaction.atomic():
            Measure.objects.filter(pk=some_measure().pk).update(
                deadline=day, status="closed", closed_at=timezone.now()
            )
            raise RuntimeError

    def advance_the_day():  # the nightly recount of the day rollup, to one of the checked days
        target = day + datetime.timedelta(days=rng.choice([0, -20, 9]))
        was = RollupDay.objects.get().day
        assert rollups.advance_day(target) is (was != target)

    writes = [
        advance_the_day,
        save_transition,
        bulk_transition,
        service_edit,
        service_move_problem,
        long_term,
        no_lead_unit,
        extension,
        extension_undone,
        delete,
        create,
        problem_moves,
        problem_created_and_deleted,
        raw_sql,
        rolled_back,
    ]
    done = set()
    for step in range(140):
        write = rng.choice(writes)
        write()
        done.add(write.__name__)
        assert_exact(rounds, units, None if step % 35 == 34 else rng)
    assert done == {w.__name__ for w in writes}


def test_verify_rollups_names_a_corrupted_cell(unit_a, inspection_round):
    problem = ProblemFactory(round=inspection_round)
    MeasureFactory.create_batch(3, problem=problem, lead_unit=unit_a)
    call_command("verify_rollups", stdout=io.StringIO())  # exact: exits normally

    cell = MeasureRollup.objects.get(round_id=inspection_round.pk, lead_unit_id=unit_a.pk)
    MeasureRollup.objects.filter(pk=cell.pk).update(n=2)
    ProblemRollup.objects.filter(problem_id=problem.pk).update(open_measures=0)
    out = io.StringIO()
    with pytest.raises(SystemExit) as exit_info:
        call_command("verify_rollups", stdout=out, stderr=out)
    assert exit_info.value.code == 1
    text = out.getvalue()
    assert f"measures ({inspection_round.pk}, {unit_a.pk}, 'not_started'" in text
    assert "stored 2, live 3" in text
    assert f"problems ({problem.pk}," in text

    call_command("verify_rollups", "--rebuild", stdout=io.StringIO())
    assert rollups.differences() == []
    call_command("verify_rollups", stdout=io.StringIO())


def test_the_day_rollup_is_read_on_its_day_and_recounted_once(unit_a, inspection_round):
    problem = ProblemFactory(round=inspection_round)
    day = today()
    for shift in (-3, 0, 2, 12):
        MeasureFactory(problem=problem, lead_unit=unit_a, deadline=day + datetime.timedelta(shift))
    cells, later = Cells([inspection_round.pk]), day + datetime.timedelta(days=5)
    assert rollups.advance_day(day) is False  # already counted on today by the migration
    assert cells.day_rows(day).count() == 1
    assert cells.day_rows(later).count() == 0  # another day: read from the deadline cells
    assert cell_numbers(cells, later)["overdue"] == 3

    assert rollups.advance_day(later) is True
    assert cells.day_rows(later).get().overdue == 3
    assert cell_numbers(cells, later) == measure_numbers(live_round(inspection_round), later)
    assert rollups.advance_day(later) is False
    assert rollups.differences() == []


def test_the_first_sweep_of_a_day_recounts_the_day_rollup(unit_a, inspection_round, monkeypatch):
    from reminders import tasks

    problem = ProblemFactory(round=inspection_round)
    MeasureFactory(problem=problem, lead_unit=unit_a, deadline=today())  # due today: not late
    yesterday = today() - datetime.timedelta(days=1)
    assert rollups.advance_day(yesterday) is True
    cell = MeasureDayRollup.objects.get(round_id=inspection_round.pk)
    assert (cell.overdue, cell.due_soon) == (0, 1)

    call_command("send_reminders", stdout=io.StringIO())
    assert RollupDay.objects.get().day == today()
    assert rollups.differences() == []
    assert rollups.advance_day() is False  # the next sweep finds it done

    def failing(day=None):
        raise RuntimeError("database gone")

    monkeypatch.setattr(rollups, "advance_day", failing)
    tasks.count_the_day()  # logged, never raised into the sweep
