"""The office's pages cost the same number of queries for 5 rows as for 50.

Each page is measured at both sizes: the counts must be equal (nothing per row) and within
the bound written beside it, which says where each query goes.
"""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from findings.models import Petition, ProblemClue
from rectification.models import (
    Evidence,
    Extension,
    Measure,
    MeasureComment,
    ProgressReport,
    StatusChange,
)
from tests.budgets import SECURITY_LOG_ROW
from tests.factories import MeasureFactory, ProblemFactory, RoundFactory, UnitFactory

pytestmark = pytest.mark.django_db


def queries(user, url: str) -> int:
    client = Client()
    client.force_login(user)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(captured)


def fill_round(inspection_round, rows: int, units) -> None:
    for i in range(rows):
        problem = ProblemFactory(round=inspection_round, seq=i + 1)
        MeasureFactory(
            problem=problem,
            seq=1,
            lead_unit=units[i % len(units)],
            deadline=datetime.date(2026, 12, 1) + datetime.timedelta(days=i),
        )


def fill_handling(inspection_round, rows: int) -> None:
    for i in range(rows):
        ProblemClue.objects.create(
            round=inspection_round,
            summary=f"线索{i}",
            transferred_to="区纪委监委",
            transferred_on=datetime.date(2026, 7, 1),
        )
        Petition.objects.create(
            round=inspection_round, summary=f"信访{i}", received_on=datetime.date(2026, 7, 2)
        )


def units(unit_top, n: int = 5):
    return [UnitFactory(parent=unit_top) for _ in range(n)]


# (url name, needs: "round" | "problem" | "measure" | None, bound)
PAGES = [
    # session, user, the bell, the round, its problems with their measures (and their
    # cooperating units) for the bars, the feedback date's neighbours.
    ("round-timeline", "round", 8),
    # session, user, the bell, the round, the target-unit, jurisdiction and team choices,
    # and the round's team.
    ("round-edit", "round", 9),
    ("round-create", None, 7),
    # session, user, the bell, the round, aspects, and the unit choices of each blank
    # measure form of the formset (a fixed number of forms, whatever the round holds).
    ("problem-create", "round", 11),
    ("problem-edit", "problem", 7),
    ("measures-add", "problem", 10),
    # session, user, the bell, the measure (with its problem), unit choices, its units.
    ("measure-edit", "measure", 9),
    ("aspect-create", "round", 5),
    # session, user, the bell, the rounds to filter by, the page's count and its rows.
    ("clue-list", None, 7 + SECURITY_LOG_ROW),  # each opening is in the security log
    ("petition-list", None, 7 + SECURITY_LOG_ROW),
]


@pytest.mark.parametrize(("name", "needs", "bound"), PAGES, ids=[p[0] for p in PAGES])
def test_each_office_page_costs_the_same_for_5_or_50_rows(office, unit_top, name, needs, bound):
    counts = []
    for rows in (5, 50):
        inspection_round = RoundFactory(target_unit=unit_top)
        fill_round(inspection_round, rows, units(unit_top))
        fill_handling(inspection_round, rows)
        problem = inspection_round.problems.order_by("seq").first()
        target = {
            "round": inspection_round.pk,
            "problem": problem.pk,
            "measure": problem.measures.get().pk,
            None: None,
        }[needs]
        url = reverse(name, args=[target] if target else [])
        counts.append(queries(office, url))
    assert counts[0] == counts[1], f"{name}: {counts[0]} queries for 5 rows, {counts[1]} for 50"
    assert counts[1] <= bound, f"{name}: {counts[1]} queries, bound {bound}"


def test_the_dashboard_with_filters_costs_the_same_for_5_or_50_units(leader, unit_top):
    counts = []
    for rows in (5, 50):
        inspection_round = RoundFactory(target_unit=unit_top)
        chosen = units(unit_top, rows)
        fill_round(inspection_round, rows, chosen)
        url = (
            f"{reverse('dashboard')}?round={inspection_round.pk}&unit={chosen[0].pk}"
            "&as_of=2026-12-10"
        )
        counts.append(queries(leader, url))
    assert counts[0] == counts[1]
    # the unfiltered page's 19 (see tests/dashboard), plus the chosen round and unit, plus
    # one where the day rollup is asked for a day it is not counted on (as_of) and the
    # numbers are read from the deadline cells instead.
    assert counts[1] <= 23


# The lists the dashboard's numbers open (rectification/filters.py): each number's measures
# are picked inside the list's own query, so none costs a query more than the plain list.
DRILLDOWNS = [
    "counted=overdue",
    "counted=closed_on_time",
    "counted=extended",
    "category=party_building&problem_completed=true",
    "due_month=2026-12",
    "closed_month=2026-11",
]


@pytest.mark.parametrize("query", DRILLDOWNS)
def test_a_list_opened_from_a_dashboard_number_costs_the_same_for_5_or_50(leader, unit_top, query):
    counts = []
    for rows in (5, 50):
        inspection_round = RoundFactory(target_unit=unit_top)
        fill_round(inspection_round, rows, units(unit_top))
        url = f"{reverse('measure-list')}?round={inspection_round.pk}&as_of=2026-12-10&{query}"
        counts.append(queries(leader, url))
    assert counts[0] == counts[1]
    # session and user, the bell, the count, the page's rows (with their cooperating units).
    assert counts[1] <= 6


def fill_record(measure, rows: int, actor) -> None:
    """`rows` of each kind of entry in the measure's record: history, progress, evidence,
    extension requests and comments."""
    for i in range(rows):
        StatusChange.objects.create(
            measure=measure,
            from_status=Measure.Status.NOT_STARTED,
            to_status=Measure.Status.IN_PROGRESS,
            action=StatusChange.Action.START,
            actor=actor,
        )
        ProgressReport.objects.create(
            measure=measure, author=actor, period="2026-11-H1", text=f"进展{i}", percent=10
        )
        Evidence.objects.create(
            measure=measure,
            file=f"evidence/{i}.pdf",
            original_name=f"佐证{i}.pdf",
            size=100,
            content_type="application/pdf",
            sha256="0" * 64,
            uploaded_by=actor,
        )
        Extension.objects.create(
            measure=measure,
            requested_by=actor,
            old_deadline=measure.deadline,
            new_deadline=datetime.date(2027, 1, 1),
            reason="需延期",
            status=Extension.Status.REJECTED,
            decided_by=actor,
        )
        MeasureComment.objects.create(measure=measure, author=actor, text=f"意见{i}")


def test_the_measure_page_costs_the_same_for_a_short_or_a_long_record(office, unit_top):
    counts = []
    for rows in (5, 50):
        inspection_round = RoundFactory(target_unit=unit_top)
        fill_round(inspection_round, 1, units(unit_top, 2))
        measure = Measure.objects.get(problem__round=inspection_round)
        fill_record(measure, rows, office)
        counts.append(queries(office, reverse("measure-detail", args=[measure.pk])))
    assert counts[0] == counts[1], (
        f"{counts[0]} queries for 5 rows of each kind, {counts[1]} for 50"
    )
    # session, user, the bell, the user's unit (the header); the measure with its problem,
    # round, aspect and lead unit; its people (lead official, submitter, signer); its
    # cooperating units; its extension requests and its evidence (each read once, for its
    # list and the timeline); its history; its progress; its comments and their earlier
    # texts; the urge notices pressing on it.
    assert counts[1] <= 13
