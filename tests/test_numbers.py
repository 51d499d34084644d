"""The numbers of DESIGN.md section 6, on a hand-built set of measures with known answers.

`build_measure_set` makes one round whose every measure was chosen for one rule; the expected
values below are counted by hand from the table in its docstring, never recomputed.
"""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

import pytest

from accounts.models import Unit, User
from findings.models import Problem
from findings.selectors import problems_visible_to
from rectification.models import Extension, Measure
from rectification.selectors import measure_numbers, measures_visible_to, problem_numbers

from .factories import MeasureFactory, ProblemFactory, RoundFactory

AS_OF = datetime.date(2026, 9, 1)
SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(day: str, time: str = "10:00") -> datetime.datetime:
    """A moment in Shanghai local time."""
    return datetime.datetime.fromisoformat(f"{day}T{time}").replace(tzinfo=SHANGHAI)


def d(day: str) -> datetime.date:
    return datetime.date.fromisoformat(day)


def build_measure_set(*, unit_a: Unit, unit_b: Unit, office: User, liaison: User) -> dict:
    """One round, five problems, eleven measures; D = 2026-09-01.

    | m   | prob | lead | coop | status      | deadline   | submitted   | why                 |
    |-----|------|------|------|-------------|------------|-------------|---------------------|
    | m1  | P1   | A    |      | closed      | 2026-08-20 | 08-15       | on time             |
    | m2  | P1   | A    |      | closed      | 2026-08-25 | 08-28       | late                |
    | m3  | P2   | B    |      | in_progress | 2026-08-10 |             | overdue             |
    | m4  | P2   | A    |      | submitted   | 2026-09-01 | 08-30       | due today: soon     |
    | m5  | P2   | A    |      | not_started | 2026-09-30 |             | neither             |
    | m11 | P2   | A    |      | not_started | 2026-12-31 |             | neither             |
    | m6  | P3   | A    |      | in_progress | (none)     |             | long-term           |
    | m9  | P3   | A    |      | not_started | 2026-08-01 |             | long-term, past due |
    | m7  | P4   | A    | B    | in_progress | 2026-09-08 |             | extended from 08-01 |
    | m8  | P4   | A    |      | closed      | 2026-08-31 | 09-01 00:30 | late (local date)   |
    | m10 | P5   | A    |      | closed      | 2026-10-01 | 08-27       | early, not yet due  |

    m8 was submitted at 16:30 UTC on 31 August, which is already 1 September in Shanghai:
    it is late, and counting dates in UTC would wrongly call it on time.
    """
    inspection_round = RoundFactory(name="2026年第五轮巡察", target_unit=unit_a)
    problems = {
        name: ProblemFactory(round=inspection_round, seq=seq, title=f"问题{name}")
        for seq, name in enumerate(["P1", "P2", "P3", "P4", "P5"], start=1)
    }
    units = {"A": unit_a, "B": unit_b}
    rows = [
        ("m1", "P1", "A", "closed", "2026-08-20", at("2026-08-15"), False),
        ("m2", "P1", "A", "closed", "2026-08-25", at("2026-08-28"), False),
        ("m3", "P2", "B", "in_progress", "2026-08-10", None, False),
        ("m4", "P2", "A", "submitted", "2026-09-01", at("2026-08-30"), False),
        ("m5", "P2", "A", "not_started", "2026-09-30", None, False),
        ("m11", "P2", "A", "not_started", "2026-12-31", None, False),
        ("m6", "P3", "A", "in_progress", None, None, True),
        ("m9", "P3", "A", "not_started", "2026-08-01", None, True),
        ("m7", "P4", "A", "in_progress", "2026-09-08", None, False),
        ("m8", "P4", "A", "closed", "2026-08-31", at("2026-09-01", "00:30"), False),
        ("m10", "P5", "A", "closed", "2026-10-01", at("2026-08-27"), False),
    ]
    measures: dict[str, Measure] = {}
    seqs: dict[str, int] = {}
    for name, problem, lead, status, deadline, submitted_at, long_term in rows:
        seqs[problem] = seqs.get(problem, 0) + 1
        closed = status == Measure.Status.CLOSED
        measures[name] = MeasureFactory(
            problem=problems[problem],
            seq=seqs[problem],
            text=f"整改措施{name}",
            lead_unit=units[lead],
            status=status,
            deadline=d(deadline) if deadline else None,
            is_long_term=long_term,
            submitted_at=submitted_at,
            submitted_by=liaison if submitted_at else None,
            closed_at=submitted_at + datetime.timedelta(days=2) if closed else None,
            closed_by=office if closed else None,
        )
    measures["m7"].cooperating_units.add(unit_b)

    # m7's deadline in force is the approved extension's; the rejected and pending
    # requests on m3 and m5 change nothing and are not counted as extended.
    Extension.objects.create(
        measure=measures["m7"],
        requested_by=liaison,
        old_deadline=d("2026-08-01"),
        new_deadline=d("2026-09-08"),
        reason="施工季节受限",
        status=Extension.Status.APPROVED,
        decided_by=office,
        decided_at=at("2026-07-25"),
    )
    Extension.objects.create(
        measure=measures["m3"],
        requested_by=liaison,
        old_deadline=d("2026-08-10"),
        new_deadline=d("2026-10-10"),
        reason="人手不足",
        status=Extension.Status.REJECTED,
        decided_by=office,
        decided_at=at("2026-08-05"),
    )
    Extension.objects.create(
        measure=measures["m5"],
        requested_by=liaison,
        old_deadline=d("2026-09-30"),
        new_deadline=d("2026-11-30"),
        reason="等待上级批复",
    )
    return {"round": inspection_round, "problems": problems, "measures": measures}


# The whole set, as office staff or a leader sees it.
EXPECTED_ALL = {
    "total": 11,
    "closed": 4,
    "submitted": 1,
    "in_progress": 3,
    "not_started": 3,
    "long_term": 2,
    "overdue": 1,
    "due_soon": 2,
    "due_by_today": 5,
    "closed_on_time": 1,
    "extended": 1,
    "completion_rate": 0.3636,
    "on_time_rate": 0.2,
}
EXPECTED_PROBLEMS_ALL = {
    "problems": 5,
    "problems_completed": 2,
    "problems_in_progress": 3,
    "problem_completion_rate": 0.4,
}
# What liaison B sees: m3, which unit B leads, and m7, on which it cooperates.
EXPECTED_LIAISON_B = {
    "total": 2,
    "closed": 0,
    "submitted": 0,
    "in_progress": 2,
    "not_started": 0,
    "long_term": 0,
    "overdue": 1,
    "due_soon": 1,
    "due_by_today": 1,
    "closed_on_time": 0,
    "extended": 1,
    "completion_rate": 0.0,
    "on_time_rate": 0.0,
}
EXPECTED_PROBLEMS_LIAISON_B = {
    "problems": 2,
    "problems_completed": 0,
    "problems_in_progress": 2,
    "problem_completion_rate": 0.0,
}


@pytest.fixture
def measure_set(unit_a, unit_b, office, liaison_a):
    return build_measure_set(unit_a=unit_a, unit_b=unit_b, office=office, liaison=liaison_a)


def round_measures(measure_set: dict, user: User):
    return measures_visible_to(user).filter(problem__round=measure_set["round"])


def round_problems(measure_set: dict, user: User):
    return problems_visible_to(user).filter(round=measure_set["round"])


def test_it_counts_every_number_of_a_round(measure_set, office):
    numbers = measure_numbers(round_measures(measure_set, office), AS_OF)

    assert {key: numbers[key] for key in EXPECTED_ALL} == EXPECTED_ALL
    assert numbers["as_of"] == AS_OF


def test_it_counts_problems_completed_only_when_every_measure_is_closed(measure_set, office):
    numbers = problem_numbers(round_problems(measure_set, office))

    assert numbers == EXPECTED_PROBLEMS_ALL


def test_it_gives_null_rates_for_an_empty_set(db):
    numbers = measure_numbers(Measure.objects.none(), AS_OF)

    assert numbers["total"] == 0
    assert numbers["overdue"] == 0
    assert numbers["completion_rate"] is None
    assert numbers["on_time_rate"] is None


def test_it_gives_a_null_problem_rate_when_there_are_no_problems(db):
    numbers = problem_numbers(Problem.objects.none())

    assert numbers == {
        "problems": 0,
        "problems_completed": 0,
        "problems_in_progress": 0,
        "problem_completion_rate": None,
    }


def test_it_gives_a_null_on_time_rate_when_nothing_is_due_yet(measure_set, office):
    # Only m5, m11 and m10 are due after D; m10 is closed early.
    later = ["m5", "m11", "m10"]
    measures = Measure.objects.filter(pk__in=[measure_set["measures"][m].pk for m in later])

    numbers = measure_numbers(measures, AS_OF)

    assert numbers["total"] == 3
    assert numbers["closed"] == 1
    assert numbers["due_by_today"] == 0
    assert numbers["completion_rate"] == 0.3333
    assert numbers["on_time_rate"] is None


def test_it_counts_a_closed_measure_submitted_after_its_deadline_as_late(measure_set):
    late = Measure.objects.filter(pk=measure_set["measures"]["m2"].pk)

    numbers = measure_numbers(late, AS_OF)

    assert numbers["closed"] == 1
    assert numbers["due_by_today"] == 1
    assert numbers["closed_on_time"] == 0
    assert numbers["on_time_rate"] == 0.0
    assert numbers["completion_rate"] == 1.0


def test_it_reads_the_submission_date_in_shanghai_time(measure_set):
    # Submitted 2026-08-31 16:30 UTC = 2026-09-01 00:30 in Shanghai, a day after its deadline.
    m8 = Measure.objects.filter(pk=measure_set["measures"]["m8"].pk)

    numbers = measure_numbers(m8, AS_OF)

    assert numbers["due_by_today"] == 1
    assert numbers["closed_on_time"] == 0


def test_it_judges_an_extended_measure_against_its_new_deadline(measure_set):
    m7 = Measure.objects.filter(pk=measure_set["measures"]["m7"].pk)

    numbers = measure_numbers(m7, AS_OF)

    # Past its first deadline (08-01) but within the approved one (09-08): due soon, not overdue.
    assert numbers["overdue"] == 0
    assert numbers["due_soon"] == 1
    assert numbers["extended"] == 1
    assert measure_set["measures"]["m7"].is_overdue(AS_OF) is False


def test_it_keeps_long_term_measures_out_of_overdue_and_on_time(measure_set):
    long_term = Measure.objects.filter(pk__in=[measure_set["measures"][m].pk for m in ("m6", "m9")])

    numbers = measure_numbers(long_term, AS_OF)

    assert numbers["long_term"] == 2
    assert numbers["overdue"] == 0
    assert numbers["due_by_today"] == 0
    assert numbers["on_time_rate"] is None


def test_it_treats_a_deadline_of_today_as_due_soon_not_overdue(measure_set):
    m4 = measure_set["measures"]["m4"]

    numbers = measure_numbers(Measure.objects.filter(pk=m4.pk), AS_OF)

    assert (numbers["overdue"], numbers["due_soon"], numbers["due_by_today"]) == (0, 1, 1)
    assert m4.is_overdue(AS_OF) is False


def test_it_moves_the_numbers_with_the_as_of_date(measure_set, office):
    # A week later m4 (due 09-01, still awaiting sign-off) is overdue and m7 falls due.
    numbers = measure_numbers(round_measures(measure_set, office), AS_OF + datetime.timedelta(7))

    assert numbers["overdue"] == 2
    assert numbers["due_soon"] == 1
    assert numbers["due_by_today"] == 6
    assert numbers["on_time_rate"] == 0.1667


def test_it_shows_a_cooperating_liaison_the_measures_of_their_unit(measure_set, liaison_b):
    numbers = measure_numbers(round_measures(measure_set, liaison_b), AS_OF)

    assert {key: numbers[key] for key in EXPECTED_LIAISON_B} == EXPECTED_LIAISON_B


def test_it_counts_a_cooperating_liaisons_problems(measure_set, liaison_b):
    numbers = problem_numbers(round_problems(measure_set, liaison_b))

    assert numbers == EXPECTED_PROBLEMS_LIAISON_B


def test_it_counts_a_measure_submitted_on_its_deadline_day_as_on_time(measure_set):
    m2 = measure_set["measures"]["m2"]  # due 2026-08-25
    Measure.objects.filter(pk=m2.pk).update(submitted_at=at("2026-08-25", "23:50"))

    numbers = measure_numbers(Measure.objects.filter(pk=m2.pk), AS_OF)

    assert (numbers["due_by_today"], numbers["closed_on_time"]) == (1, 1)
    assert numbers["on_time_rate"] == 1.0


def test_it_never_counts_a_closed_measure_as_due_soon_or_overdue(measure_set):
    # m10 is closed and falls due within the week after 2026-09-25; m1 is closed and long past.
    closed = Measure.objects.filter(pk__in=[measure_set["measures"][m].pk for m in ("m1", "m10")])

    numbers = measure_numbers(closed, datetime.date(2026, 9, 28))

    assert (numbers["closed"], numbers["due_soon"], numbers["overdue"]) == (2, 0, 0)
