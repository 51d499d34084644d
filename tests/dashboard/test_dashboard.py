"""The dashboard API and page on a hand-built set whose numbers are written out here, the
filters, who may see it, and the query counts."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client
from django.utils import timezone

from findings.models import Petition, ProblemClue
from inspections.models import RoundReport
from rectification.models import Extension, Measure

from ..factories import MeasureFactory, ProblemFactory, RoundFactory, UnitFactory

S = Measure.Status
AS_OF = datetime.date(2026, 6, 30)


def at(day: datetime.date, hour: int = 10) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


@pytest.fixture
def hand_built(inspection_round, unit_a, unit_b, office, liaison_a):
    """Two problems in the round, six measures, as of 2026-06-30:

    problem 1 (party_leadership): m1 closed on time (deadline 03-31, submitted 03-20, closed
      04-02), m2 closed late (deadline 04-30, submitted 05-10, closed 05-12) - completed.
    problem 2 (party_building): m3 overdue in progress (deadline 05-31, unit B, extended from
      05-01), m4 due soon (deadline 07-05, unit A), m5 long-term (unit B), m6 not started due
      08-31 (unit A).
    Unit A leads m1, m2, m4, m6; unit B leads m3, m5.
    """
    p1 = ProblemFactory(round=inspection_round, seq=1, category="party_leadership")
    p2 = ProblemFactory(round=inspection_round, seq=2, category="party_building")

    def make(problem, seq, unit, deadline, status, submitted=None, closed=None, long_term=False):
        return MeasureFactory(
            problem=problem,
            seq=seq,
            lead_unit=unit,
            deadline=deadline,
            is_long_term=long_term,
            status=status,
            submitted_at=at(submitted) if submitted else None,
            submitted_by=liaison_a if submitted else None,
            closed_at=at(closed) if closed else None,
            closed_by=office if closed else None,
        )

    d = datetime.date
    make(p1, 1, unit_a, d(2026, 3, 31), S.CLOSED, d(2026, 3, 20), d(2026, 4, 2))
    make(p1, 2, unit_a, d(2026, 4, 30), S.CLOSED, d(2026, 5, 10), d(2026, 5, 12))
    m3 = make(p2, 1, unit_b, d(2026, 5, 31), S.IN_PROGRESS)
    make(p2, 2, unit_a, d(2026, 7, 5), S.IN_PROGRESS)
    make(p2, 3, unit_b, None, S.IN_PROGRESS, long_term=True)
    make(p2, 4, unit_a, d(2026, 8, 31), S.NOT_STARTED)
    Extension.objects.create(
        measure=m3,
        requested_by=liaison_a,
        old_deadline=d(2026, 5, 1),
        new_deadline=d(2026, 5, 31),
        reason="汛期",
        status=Extension.Status.APPROVED,
    )
    ProblemClue.objects.create(
        round=inspection_round,
        summary="线索",
        transferred_to="区纪委监委",
        transferred_on=d(2026, 3, 1),
    )
    Petition.objects.create(
        round=inspection_round,
        summary="信访",
        received_on=d(2026, 3, 2),
        status=Petition.Status.CONCLUDED,
        concluded_on=d(2026, 4, 1),
    )
    # Another round with one open measure, to tell the round filter works.
    other = RoundFactory(name="另一轮", target_unit=inspection_round.target_unit)
    MeasureFactory(
        problem=ProblemFactory(round=other, seq=1), seq=1, lead_unit=unit_b, deadline=d(2026, 9, 1)
    )
    return inspection_round


def test_the_summary_gives_the_numbers_written_out(hand_built, client_for, leader):
    body = (
        client_for(leader)
        .get("/api/v1/dashboard/summary/", {"round": hand_built.pk, "as_of": "2026-06-30"})
        .json()
    )
    expected = {
        "rounds": 1,
        "problems": 2,
        "problems_completed": 1,
        "problems_in_progress": 1,
        "problem_completion_rate": 0.5,
        "total": 6,
        "closed": 2,
        "endorsing": 0,
        "reviewing": 0,
        "submitted": 0,
        "in_progress": 3,
        "not_started": 1,
        "long_term": 1,
        "overdue": 1,
        "due_soon": 1,
        "due_by_today": 3,
        "closed_on_time": 1,
        "on_time_rate": 0.3333,
        "completion_rate": 0.3333,
        "extended": 1,
    }
    assert {k: body[k] for k in expected} == expected
    # The clue's feedback was due on 1 June (three months after its transfer): late.
    assert body["clues"] == {"total": 1, "concluded": 0, "late": 1}
    assert body["petitions"] == {"total": 1, "concluded": 1, "late": 0}
    assert {r["status"]: r["count"] for r in body["by_status"]} == {
        "not_started": 1,
        "in_progress": 3,
        "endorsing": 0,
        "reviewing": 0,
        "submitted": 0,
        "closed": 2,
    }
    assert {
        r["category"]: (r["problems"], r["problems_completed"]) for r in body["by_category"]
    } == {
        "party_leadership": (1, 1),
        "party_building": (1, 0),
    }


def test_the_summary_across_rounds_and_for_one_unit(hand_built, client_for, leader, unit_b):
    everything = (
        client_for(leader).get("/api/v1/dashboard/summary/", {"as_of": "2026-06-30"}).json()
    )
    assert (everything["rounds"], everything["problems"], everything["total"]) == (2, 3, 7)
    unit = (
        client_for(leader)
        .get("/api/v1/dashboard/summary/", {"unit": unit_b.pk, "as_of": "2026-06-30"})
        .json()
    )
    assert (unit["total"], unit["overdue"], unit["long_term"], unit["rounds"]) == (3, 1, 1, 2)


def test_units_rank_best_by_completion_and_worst_by_overdue(
    hand_built, client_for, leader, unit_a, unit_b
):
    body = (
        client_for(leader)
        .get("/api/v1/dashboard/units/", {"round": hand_built.pk, "as_of": "2026-06-30"})
        .json()
    )
    rows = {r["unit"]: r for r in body["results"]}
    assert (
        rows[unit_a.pk]["total"],
        rows[unit_a.pk]["closed"],
        rows[unit_a.pk]["completion_rate"],
    ) == (4, 2, 0.5)
    assert (
        rows[unit_b.pk]["total"],
        rows[unit_b.pk]["overdue"],
        rows[unit_b.pk]["completion_rate"],
    ) == (2, 1, 0.0)
    assert [r["unit"] for r in body["best"]] == [unit_a.pk, unit_b.pk]
    assert [r["unit"] for r in body["worst"]] == [unit_b.pk, unit_a.pk]


def test_the_trend_cumulates_due_and_closed_month_by_month(hand_built, client_for, leader):
    body = (
        client_for(leader)
        .get("/api/v1/dashboard/trend/", {"round": hand_built.pk, "as_of": "2026-06-30"})
        .json()
    )
    assert body["results"] == [
        {"month": "2026-03", "due": 1, "closed": 0, "cumulative_due": 1, "cumulative_closed": 0},
        {"month": "2026-04", "due": 1, "closed": 1, "cumulative_due": 2, "cumulative_closed": 1},
        {"month": "2026-05", "due": 1, "closed": 1, "cumulative_due": 3, "cumulative_closed": 2},
        {"month": "2026-06", "due": 0, "closed": 0, "cumulative_due": 3, "cumulative_closed": 2},
    ]


def test_the_page_shows_the_same_numbers_as_the_api(hand_built, leader, client_for):
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(leader)
    page = client.get("/dashboard/", {"round": hand_built.pk, "as_of": "2026-06-30"})
    summary = page.context["summary"]
    api = (
        client_for(leader)
        .get("/api/v1/dashboard/summary/", {"round": hand_built.pk, "as_of": "2026-06-30"})
        .json()
    )
    for key in ("total", "closed", "overdue", "due_soon", "problems", "extended"):
        assert summary[key] == api[key]
    html = page.content.decode()
    assert '<a data-kpi="completion_rate"' in html and "33.3%" in html and "50.0%" in html
    assert f"round={hand_built.pk}" in html  # the charts ask the API with the same filters


@pytest.mark.parametrize("path", ["summary", "units", "trend"])
def test_a_liaison_has_no_dashboard_and_bad_filters_answer_400(path, client_for, liaison_a, leader):
    assert client_for(liaison_a).get(f"/api/v1/dashboard/{path}/").status_code == 403
    bad = client_for(leader).get(f"/api/v1/dashboard/{path}/", {"as_of": "yesterday"})
    assert bad.status_code == 400 and "as_of" in bad.json()
    assert (
        client_for(leader).get(f"/api/v1/dashboard/{path}/", {"round": "999999"}).status_code == 400
    )


def test_the_dashboard_page_refuses_a_liaison_with_the_reason(liaison_a):
    client = Client()
    client.force_login(liaison_a)
    response = client.get("/dashboard/")
    assert response.status_code == 403 and 'id="error-403"' in response.content.decode()


def _fill(rows: int, inspection_round, unit_top) -> None:
    for i in range(rows):
        unit = UnitFactory(name=f"街道{i}", parent=unit_top)
        problem = ProblemFactory(round=inspection_round, seq=i + 1, category="other")
        MeasureFactory(
            problem=problem, seq=1, lead_unit=unit, deadline=AS_OF - datetime.timedelta(days=i)
        )


@pytest.mark.parametrize("rows", [5, 50])
@pytest.mark.parametrize(
    ("path", "bound"),
    [
        # measure numbers, problem numbers, rounds count, problems by category, clue counts,
        # petition counts, rectification report counts.
        ("summary", 7),
        # one grouped query of every unit's numbers from the rollups, one of the units' names
        # (a name probe per group inside the grouped query costs a probe per rollup row).
        ("units", 2),
        # the months before the as-of date's (due and signed off, from the month rollup),
        # then that month so far: due from the deadline cells, signed off from the days'.
        ("trend", 3),
    ],
)
def test_each_endpoint_costs_the_same_for_5_or_50_units(
    rows, path, bound, inspection_round, unit_top, leader, client_for, django_assert_max_num_queries
):
    _fill(rows, inspection_round, unit_top)
    client = client_for(leader)
    with django_assert_max_num_queries(bound):
        assert client.get(f"/api/v1/dashboard/{path}/").status_code == 200


@pytest.mark.parametrize("rows", [5, 50])
def test_the_page_costs_the_same_for_5_or_50_units(
    rows, inspection_round, unit_top, leader, django_assert_max_num_queries
):
    _fill(rows, inspection_round, unit_top)
    client = Client()
    client.force_login(leader)
    # session, user, the user's unit, the bell, the summary's 7, the overdue and due-soon
    # lists (2, with no cooperating units: the table does not show them), the round and unit
    # choices (2), the urge notices by level and by unit (2), the current red-and-black list
    # (1), each lead unit's numbers for the unit table (1).
    with django_assert_max_num_queries(19):
        assert client.get("/dashboard/").status_code == 200


def test_the_summary_counts_rectification_reports_sent_and_overdue(
    hand_built, client_for, leader, office
):
    d = datetime.date
    RoundReport.objects.create(round=hand_built, due=d(2026, 6, 20), recorded_by=office)
    RoundReport.objects.create(
        round=hand_built, due=d(2026, 6, 20), sent_on=d(2026, 6, 18), recorded_by=office
    )
    RoundReport.objects.create(round=hand_built, due=d(2026, 7, 20), recorded_by=office)

    body = (
        client_for(leader)
        .get("/api/v1/dashboard/summary/", {"round": hand_built.pk, "as_of": "2026-06-30"})
        .json()
    )

    # Due 06-20 and unsent is overdue on 06-30; the one due 07-20 is not yet.
    assert body["round_reports"] == {"total": 3, "sent": 1, "overdue": 1}
    page = Client()
    page.force_login(leader)
    html = page.get("/dashboard/", {"round": hand_built.pk, "as_of": "2026-06-30"}).content
    assert b'data-kpi="round_reports_overdue" class="alert"' in html


def test_the_table_of_lead_units_shows_thirty_a_page_and_pages_on(
    inspection_round, unit_top, leader
):
    import re

    _fill(35, inspection_round, unit_top)
    client = Client()
    client.force_login(leader)
    seen = []
    for page, expected in ((1, 30), (2, 5)):
        body = client.get("/dashboard/", {"page": page}).content.decode()
        table = body[body.index('id="unit-numbers"') : body.index('id="current-red-black"')]
        rows = re.findall(r'<tr data-unit="(\d+)">', table)
        assert len(rows) == expected
        assert 'class="pager"' in table
        seen += rows
    # Every lead unit once, in the order of their names.
    assert len(set(seen)) == 35
