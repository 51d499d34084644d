"""The sweep reads only what is due: next_rung_on, kept by every write and moved on by the
sweep, and held to the old full walk (tests/rectification/sweep_reference.py)."""

from __future__ import annotations

import datetime
import random
import zoneinfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import User
from rectification import services
from rectification.models import Measure, first_rung_on, restart_ladders
from reminders import services as reminders
from reminders.models import Escalation, ReminderLog
from reminders.services import Kind
from tests.factories import MeasureFactory, ProblemFactory, UnitFactory, UserFactory

from .sweep_reference import fresh_keys, recorded_since

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
START = datetime.date(2026, 11, 10)
S = Measure.Status


def at(day: datetime.date, hour: int = 9) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour), tzinfo=SHANGHAI)


def days(n: int) -> datetime.timedelta:
    return datetime.timedelta(days=n)


def sweep() -> reminders.SweepResult:
    return reminders.sweep(dispatch=lambda delivery_id: None)


def last_ids() -> tuple[int, int]:
    last_log = ReminderLog.objects.order_by("-id").values_list("id", flat=True).first()
    last_escalation = Escalation.objects.order_by("-id").values_list("id", flat=True).first()
    return last_log or 0, last_escalation or 0


@pytest.mark.parametrize("offset", range(-40, 45))
def test_the_next_rung_is_the_first_day_the_ladder_answers_otherwise(offset, settings):
    deadline = START + days(offset)
    measure = Measure(deadline=deadline, status=S.IN_PROGRESS)
    rung = reminders.ladder_step(measure, START)
    expected = next(
        START + days(n)
        for n in range(1, 400)
        if reminders.ladder_step(measure, START + days(n)) != rung
    )

    assert reminders.next_rung_after(measure, START) == expected


def test_a_measure_with_no_rung_to_come_is_never_read_again():
    assert reminders.next_rung_after(Measure(deadline=None, is_long_term=True), START) is None
    closed = Measure(deadline=START, status=S.CLOSED)
    assert reminders.next_rung_after(closed, START) is None
    assert first_rung_on(START, S.CLOSED, False) is None
    assert first_rung_on(START, S.IN_PROGRESS, False) == START - days(20)


def test_every_save_puts_the_measure_back_at_its_first_rung(time_machine, problem, unit_a):
    time_machine.move_to(at(START), tick=False)
    measure = MeasureFactory(problem=problem, lead_unit=unit_a, deadline=START + days(5))
    Measure.objects.filter(pk=measure.pk).update(next_rung_on=START + days(6))

    measure.deadline = START + days(50)
    measure.save(update_fields=["deadline"])

    measure.refresh_from_db()
    assert measure.next_rung_on == START + days(30)
    measure.status = S.CLOSED
    measure.closed_at = timezone.now()
    measure.save()
    measure.refresh_from_db()
    assert measure.next_rung_on is None


@pytest.fixture
def spread(time_machine, problem, unit_a, unit_b, liaison_a, liaison_b, office):
    """Sixty measures of units A and B on every rung, some far from their first colour."""
    time_machine.move_to(at(START), tick=False)
    for n in range(60):
        MeasureFactory(
            problem=problem,
            lead_unit=unit_a if n % 2 else unit_b,
            deadline=START + days(n - 30),
        )


def _rerun_queries() -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        result = sweep()
    assert result.total == 0
    return [q["sql"] for q in queries.captured_queries]


def test_a_rerun_the_same_day_reads_no_measure_that_is_not_due(spread, problem, unit_a):
    sweep()

    queries = _rerun_queries()
    # 18: the office staff; the due measures by next_rung_on (none); the two daily reads of
    # coloured measures nobody can be told of (without lead unit, units without liaison);
    # the submissions waiting for review and the chain's (none); urge notices, round
    # reports, clues and petitions (none open); the digest's claim, five statements with
    # its savepoint, rolled back for want of items; the mails and robots to batch; the
    # deliveries to queue again.
    assert len(queries) == 18
    measure_reads = [sql for sql in queries if 'FROM "rectification_measure"' in sql]
    # The due read, and the two that carry their own small filters (no lead unit, or a
    # unit without liaison), and the two working-day reads of submitted measures.
    assert len(measure_reads) == 5
    due_read = measure_reads[0]
    assert '"rectification_measure"."next_rung_on" <=' in due_read

    # Ten times as many measures, none due: the rerun's queries stay the same.
    for n in range(600):
        MeasureFactory(problem=problem, lead_unit=unit_a, deadline=START + days(60 + n % 30))
    assert len(_rerun_queries()) == 18


def test_a_sweep_moves_each_measure_on_to_its_next_rung(spread):
    sweep()

    behind = Measure.objects.filter(next_rung_on__lte=START).count()
    assert behind == 0
    # The 20-day green stands until the yellow 10 days before.
    green = Measure.objects.get(deadline=START + days(20))
    assert green.next_rung_on == START + days(10)
    red = Measure.objects.get(deadline=START - days(1))
    assert red.next_rung_on == START + days(7)


def test_restarted_ladders_are_read_again_by_the_next_sweep(spread):
    sweep()
    ReminderLog.objects.all().delete()
    Escalation.objects.all().delete()

    restart_ladders()

    assert Measure.objects.filter(next_rung_on__lte=START).count() == 51
    assert sweep().reminders[Kind.GREEN] == 10


def test_a_new_liaison_hears_the_rung_their_measures_stand_on(spread, unit_a, time_machine):
    sweep()

    newcomer = UserFactory(username="newcomer", role=User.Role.LIAISON, unit=unit_a)
    sweep()

    heard = ReminderLog.objects.filter(recipient=newcomer)
    coloured = Measure.objects.filter(lead_unit=unit_a, deadline__lte=START + days(20))
    assert heard.count() == coloured.count()


# --- The indexed sweep against the old full walk, over forty days of work ----------------


def _writes(rng: random.Random, day: datetime.date, liaisons: dict, office, office2) -> None:
    """A day's work: starts, submissions, sign-offs, returns, reopenings, extensions and
    new deadlines, through the services where the service takes no files."""
    open_measures = list(Measure.objects.exclude(status=S.CLOSED).order_by("id"))
    for measure in rng.sample(open_measures, min(len(open_measures), 40)):
        liaison = liaisons.get(measure.lead_unit_id)
        choice = rng.random()
        if measure.status == S.NOT_STARTED and liaison and choice < 0.3:
            services.measure_start(measure_id=measure.pk, actor=liaison)
        elif measure.status == S.IN_PROGRESS and liaison and choice < 0.3:
            # What measure_submit writes, without the evidence file it asks for.
            measure.status = S.SUBMITTED
            measure.result_summary = "已完成"
            measure.submitted_at = timezone.now()
            measure.submitted_by = liaison
            measure.save()
        elif measure.status == S.SUBMITTED and choice < 0.5:
            services.measure_approve(measure_id=measure.pk, actor=office)
        elif measure.status == S.SUBMITTED and choice < 0.7:
            services.measure_return(measure_id=measure.pk, actor=office, reason="佐证不足")
        elif (
            measure.status in (S.NOT_STARTED, S.IN_PROGRESS)
            and measure.deadline
            and liaison
            and choice < 0.45
        ):
            extension = services.extension_request(
                measure_id=measure.pk,
                actor=liaison,
                new_deadline=measure.deadline + days(rng.randint(3, 40)),
                reason="工程周期",
            )
            services.extension_approve(extension_id=extension.pk, actor=office2)
        elif choice < 0.55:
            services.measure_update(
                measure_id=measure.pk,
                actor=office,
                changes={"deadline": day + days(rng.randint(-15, 30))},
            )
    closed = list(Measure.objects.filter(status=S.CLOSED).order_by("id"))
    for measure in rng.sample(closed, min(len(closed), 3)):
        services.measure_reopen(
            measure_id=measure.pk,
            actor=office,
            reason="回头看反弹",
            deadline=day + days(rng.randint(0, 25)),
        )


def test_the_indexed_sweep_sends_what_the_full_walk_would_over_forty_days(
    time_machine, inspection_round, office, office2, leader
):
    time_machine.move_to(at(START), tick=False)
    rng = random.Random(20)
    units = [UnitFactory(name=f"单位{n}") for n in range(8)]
    liaisons = {
        unit.pk: UserFactory(username=f"liaison{n}", role=User.Role.LIAISON, unit=unit)
        for n, unit in enumerate(units[:-1])  # the last unit has nobody to tell
    }
    official = UserFactory(username="official", role=User.Role.LEADER)
    problems = [ProblemFactory(round=inspection_round, seq=n + 1) for n in range(20)]
    for n in range(1500):
        long_term = n % 50 == 0
        MeasureFactory(
            problem=problems[n % 20],
            seq=n // 20 + 1,
            lead_unit=None if n % 97 == 0 else units[n % 8],
            lead_official_user=official if n % 13 == 0 else None,
            deadline=None if long_term else START + days(rng.randint(-60, 75)),
            is_long_term=long_term,
        )

    sent: set[str] = set()
    escalated: set[str] = set()
    for offset in range(40):
        day = START + days(offset)
        time_machine.move_to(at(day), tick=False)
        if offset:
            _writes(rng, day, liaisons, office, office2)
        if offset == 20:
            # The unit that had nobody gets a liaison half way.
            liaisons[units[-1].pk] = UserFactory(
                username="late", role=User.Role.LIAISON, unit=units[-1]
            )

        expected = fresh_keys(day)
        log_id, escalation_id = last_ids()

        sweep()

        assert recorded_since(log_id, escalation_id) == expected, day
        sent |= {key[2] for key in expected[0]}
        escalated |= {key[1] for key in expected[1]}
        assert sweep().total == 0
    # Every kind of the ladder went out at least once, so the comparison held something.
    assert {Kind.GREEN, Kind.YELLOW, Kind.FINAL, Kind.RED} <= sent
    assert {Kind.MEASURE_WITHOUT_LEAD_UNIT, Kind.UNIT_WITHOUT_LIAISON} <= sent
    assert {Kind.RED, Kind.REVIEW_WAITING} <= escalated
