"""The measure list's filters and the overdue and colour fields each measure carries."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from rectification.models import Measure
from tests.conftest import SHANGHAI_TODAY
from tests.factories import MeasureFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("shanghai_clock")]

LIST = "/api/v1/measures/"
S = Measure.Status


def day(offset: int) -> datetime.date:
    return SHANGHAI_TODAY + datetime.timedelta(days=offset)


@pytest.fixture
def measures(problem, unit_a) -> dict[str, Measure]:
    """Measures around today; names say how each stands."""

    def make(seq: int, **fields) -> Measure:
        return MeasureFactory(problem=problem, seq=seq, lead_unit=unit_a, **fields)

    return {
        "late": make(1, deadline=day(-1), text="完善议事规则制度"),
        "today": make(2, deadline=day(0), text="开展专题学习"),
        "yellow": make(3, deadline=day(5), text="建立台账", lead_official="王明"),
        "green": make(4, deadline=day(15), text="整改督查"),
        "far": make(5, deadline=day(60), text="长远规划"),
        "closed_late": make(
            6, deadline=day(-3), status=S.CLOSED, closed_at=timezone.now(), text="已销号"
        ),
        "long_term": make(7, deadline=day(-5), is_long_term=True, text="长期坚持学习制度"),
    }


def ids(client, **params) -> set[int]:
    response = client.get(LIST, params)
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


def pks(measures: dict[str, Measure], *names: str) -> set[int]:
    return {measures[name].pk for name in names}


def test_overdue_means_strictly_past_the_deadline_and_open(measures, office, client_for):
    client = client_for(office)
    assert ids(client, overdue="true") == pks(measures, "late")
    assert ids(client, overdue="false") == pks(
        measures, "today", "yellow", "green", "far", "closed_late", "long_term"
    )


@pytest.mark.parametrize(
    ("colour", "names"),
    [
        ("red", ["late"]),
        ("yellow", ["today", "yellow"]),
        ("green", ["green"]),
        ("none", ["far", "closed_late", "long_term"]),
    ],
)
def test_the_colour_filter_follows_the_ladder(measures, office, client_for, colour, names):
    assert ids(client_for(office), colour=colour) == pks(measures, *names)


def test_due_before_and_after_include_their_day(measures, office, client_for):
    client = client_for(office)
    assert ids(client, due_before=day(0).isoformat()) == pks(
        measures, "late", "today", "closed_late", "long_term"
    )
    assert ids(client, due_after=day(5).isoformat()) == pks(measures, "yellow", "green", "far")
    both = ids(client, due_after=day(0).isoformat(), due_before=day(5).isoformat())
    assert both == pks(measures, "today", "yellow")


@pytest.mark.parametrize(
    ("q", "names"),
    [
        ("制度", ["late", "long_term"]),  # the measure's text
        ("王明", ["yellow"]),  # the lead official
        ("学习领会", ["late", "today", "yellow", "green", "far", "closed_late", "long_term"]),
        ("  ", ["late", "today", "yellow", "green", "far", "closed_late", "long_term"]),
        ("没有这个词", []),
    ],
)
def test_the_text_search_reads_measure_official_and_problem(measures, office, client_for, q, names):
    assert ids(client_for(office), q=q) == pks(measures, *names)


def test_each_measure_carries_its_overdue_flag_and_colour(measures, office, client_for):
    rows = {r["id"]: r for r in client_for(office).get(LIST).json()["results"]}
    expected = {
        "late": (True, "red"),
        "today": (False, "yellow"),
        "yellow": (False, "yellow"),
        "green": (False, "green"),
        "far": (False, "none"),
        "closed_late": (False, "none"),
        "long_term": (False, "none"),
    }
    assert {
        name: (rows[m.pk]["is_overdue"], rows[m.pk]["colour"]) for name, m in measures.items()
    } == expected
