"""Every number of the dashboard opens the measure list holding exactly the measures it counts:
the KPI cards, the rows of the unit table and the data of each chart, under a few filters.

The expected measures are found here in Python, row by row, from the rules of DESIGN.md
section 6 (Measure.is_overdue and the like), not from the filters under test."""

from __future__ import annotations

import datetime
import html
import random
import re
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
from django.test import Client
from django.utils import timezone

from rectification.models import Extension, Measure

from ..factories import MeasureFactory, ProblemFactory, RoundFactory, UnitFactory

S = Measure.Status
AS_OF = datetime.date(2026, 6, 30)
CATEGORIES = ["party_leadership", "party_building", "personnel"]


def at(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(23, 30)))


@pytest.fixture
def spread(unit_top, office, liaison_a):
    """Two rounds, three units, 40 measures whose deadlines, sign-offs and submissions fall
    on every side of 2026-06-30 (late at night, where a UTC date would differ)."""
    rng = random.Random(21)
    units = [UnitFactory(parent=unit_top, name=f"drill-unit-{i}") for i in range(3)]
    rounds = [RoundFactory(target_unit=unit_top, name=f"drill-round-{i}") for i in range(2)]
    problems = [
        ProblemFactory(round=rounds[i % 2], seq=i + 1, category=CATEGORIES[i % 3]) for i in range(8)
    ]
    for n in range(40):
        problem = problems[n % 8]
        deadline = AS_OF + datetime.timedelta(days=rng.randint(-100, 30))
        long_term = rng.random() < 0.1
        status = rng.choice([S.NOT_STARTED, S.IN_PROGRESS, S.SUBMITTED, S.CLOSED, S.CLOSED])
        if problem.seq == 1:  # one problem completed in full
            status = S.CLOSED
        submitted = closed = None
        if status in (S.SUBMITTED, S.CLOSED):
            submitted = deadline + datetime.timedelta(days=rng.randint(-10, 5))
        if status == S.CLOSED:
            closed = min(AS_OF + datetime.timedelta(days=3), submitted + datetime.timedelta(days=2))
        measure = MeasureFactory(
            problem=problem,
            seq=n + 1,
            lead_unit=units[n % 3],
            deadline=None if long_term else deadline,
            is_long_term=long_term,
            status=status,
            submitted_at=at(submitted) if submitted else None,
            submitted_by=liaison_a if submitted else None,
            closed_at=at(closed) if closed else None,
            closed_by=office if closed else None,
        )
        if n % 7 == 0 and not long_term:
            Extension.objects.create(
                measure=measure,
                requested_by=liaison_a,
                old_deadline=deadline - datetime.timedelta(days=10),
                new_deadline=deadline,
                reason="延期",
                status=Extension.Status.APPROVED if n % 14 == 0 else Extension.Status.PENDING,
            )
    return {"units": units, "rounds": rounds}


def local_day(moment: datetime.datetime | None) -> datetime.date | None:
    return timezone.localdate(moment) if moment else None


def expected(scope: list[Measure], day: datetime.date) -> dict[str, set[int]]:
    """Each number's measures, by the written rules, one measure at a time."""
    extended = set(
        Extension.objects.filter(status=Extension.Status.APPROVED).values_list(
            "measure_id", flat=True
        )
    )
    open_problems = {m.problem_id for m in Measure.objects.exclude(status=S.CLOSED)}

    def due(m: Measure) -> bool:
        return not m.is_long_term and m.deadline is not None and m.deadline <= day

    def on_time(m: Measure) -> bool:
        submitted = local_day(m.submitted_at)
        return due(m) and m.status == S.CLOSED and submitted is not None and submitted <= m.deadline

    rules = {
        "total": lambda m: True,
        "closed": lambda m: m.status == S.CLOSED,
        "in_progress": lambda m: m.status == S.IN_PROGRESS,
        "endorsing": lambda m: m.status == S.ENDORSING,
        "reviewing": lambda m: m.status == S.REVIEWING,
        "submitted": lambda m: m.status == S.SUBMITTED,
        "not_started": lambda m: m.status == S.NOT_STARTED,
        "overdue": lambda m: m.is_overdue(day),
        "due_soon": lambda m: (
            m.status != S.CLOSED
            and m.deadline is not None
            and day <= m.deadline <= day + datetime.timedelta(days=7)
        ),
        "closed_on_time": on_time,
        "extended": lambda m: m.pk in extended,
        "problem_completed": lambda m: m.problem_id not in open_problems,
    }
    return {name: {m.pk for m in scope if rule(m)} for name, rule in rules.items()}


def in_scope(spread_data: dict, params: dict) -> list[Measure]:
    measures = Measure.objects.select_related("problem")
    if "round" in params:
        measures = measures.filter(problem__round_id=params["round"])
    if "unit" in params:
        measures = measures.filter(lead_unit_id=params["unit"])
    return list(measures)


def listed(client: Client, href: str) -> set[int]:
    """The measures the list page shows (all on one page: fewer than its 50 rows)."""
    page = client.get(html.unescape(href))
    assert page.status_code == 200
    body = page.content.decode()
    assert 'class="pager"' not in body
    ids = {int(pk) for pk in re.findall(r'<tr data-measure="(\d+)"', body)}
    assert page.context["page"].paginator.count == len(ids)
    return ids


def kpi_links(body: str) -> dict[str, str]:
    return dict(re.findall(r'<a data-kpi="(\w+)"[^>]*href="([^"]+)"', body))


KPI_NUMBERS = {  # card: (the number it shows, the set it opens)
    "total": ("total", "total"),
    "closed": ("closed", "closed"),
    "in_progress": ("in_progress", "in_progress"),
    "endorsing": ("endorsing", "endorsing"),
    "reviewing": ("reviewing", "reviewing"),
    "submitted": ("submitted", "submitted"),
    "overdue": ("overdue", "overdue"),
    "due_soon": ("due_soon", "due_soon"),
    "completion_rate": ("closed", "closed"),
    "on_time_rate": ("closed_on_time", "closed_on_time"),
    "extended": ("extended", "extended"),
    "problem_completion_rate": (None, "problem_completed"),
}


def filter_sets(spread_data: dict) -> list[dict]:
    first_round, second_round = spread_data["rounds"]
    unit = spread_data["units"][1]
    return [
        {"as_of": AS_OF.isoformat()},
        {"round": first_round.pk, "as_of": AS_OF.isoformat()},
        {"round": second_round.pk, "unit": unit.pk, "as_of": "2026-05-20"},
        {"unit": spread_data["units"][0].pk, "as_of": "2026-07-03"},
    ]


@pytest.fixture
def leader_client(leader) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(leader)
    return client


@pytest.mark.parametrize("which", range(4))
def test_each_kpi_card_opens_exactly_the_measures_it_counts(spread, leader_client, which):
    params = filter_sets(spread)[which]
    day = datetime.date.fromisoformat(params["as_of"])
    page = leader_client.get("/dashboard/", params)
    summary = page.context["summary"]
    links = kpi_links(page.content.decode())
    want = expected(in_scope(spread, params), day)
    assert set(KPI_NUMBERS) <= set(links)
    for card, (number, measures) in KPI_NUMBERS.items():
        got = listed(leader_client, links[card])
        assert got == want[measures], card
        if number is not None:
            assert summary[number] == len(got), card
    # The completed problems' measures are those of the problems the rate counts completed.
    problems = {m.problem_id for m in in_scope(spread, params) if m.pk in want["problem_completed"]}
    assert len(problems) == summary["problems_completed"]


@pytest.mark.parametrize("which", range(4))
def test_each_row_of_the_unit_table_opens_exactly_its_measures(spread, leader_client, which):
    params = filter_sets(spread)[which]
    day = datetime.date.fromisoformat(params["as_of"])
    page = leader_client.get("/dashboard/", params)
    body = page.content.decode()
    rows = {row["unit"]: row for row in page.context["unit_rows"]}
    table = body[body.index('id="unit-numbers"') :]
    table = table[: table.index("</section>")]
    scope = in_scope(spread, params)
    checked = 0
    for unit_id, row_html in re.findall(r'<tr data-unit="(\d+)">(.*?)</tr>', table, re.S):
        want = expected([m for m in scope if m.lead_unit_id == int(unit_id)], day)
        for number, href in re.findall(r'data-number="(\w+)" href="([^"]+)"', row_html):
            got = listed(leader_client, href)
            assert got == want[number], (unit_id, number)
            assert rows[int(unit_id)][number] == len(got)
            checked += 1
    assert checked == 5 * len({m.lead_unit_id for m in scope})


def chart_url(base: str, extra: dict) -> str:
    """What static/js/dashboard.js opens for a clicked datum: the page's list, narrowed."""
    parts = urlsplit(html.unescape(base))
    query = dict(parse_qsl(parts.query))
    query.update({k: str(v) for k, v in extra.items()})
    return f"{parts.path}?{urlencode(query)}"


@pytest.mark.parametrize("which", range(4))
def test_each_bar_slice_and_point_opens_exactly_its_measures(
    spread, leader_client, client_for, leader, which
):
    params = filter_sets(spread)[which]
    day = datetime.date.fromisoformat(params["as_of"])
    page = leader_client.get("/dashboard/", params).content.decode()
    base = re.search(r'data-measures-url="([^"]+)"', page).group(1)
    api = client_for(leader)
    summary = api.get("/api/v1/dashboard/summary/", params).json()
    units = api.get("/api/v1/dashboard/units/", params).json()
    trend = api.get("/api/v1/dashboard/trend/", params).json()
    scope = in_scope(spread, params)
    want = expected(scope, day)

    for row in summary["by_status"]:  # the status slices
        got = listed(leader_client, chart_url(base, {"counted": row["status"]}))
        assert got == want[row["status"]] and len(got) == row["count"]

    for row in summary["by_category"]:  # problems, and completed problems, by category
        of_category = {m.pk for m in scope if m.problem.category == row["category"]}
        got = listed(leader_client, chart_url(base, {"category": row["category"]}))
        assert got == of_category
        assert len({m.problem_id for m in scope if m.pk in got}) == row["problems"]
        completed = chart_url(base, {"category": row["category"], "problem_completed": "true"})
        got = listed(leader_client, completed)
        assert got == of_category & want["problem_completed"]
        assert len({m.problem_id for m in scope if m.pk in got}) == row["problems_completed"]

    for row in units["worst"]:  # the black list's bars: a unit's overdue measures
        overdue = {"lead_unit": row["unit"], "counted": "overdue"}
        got = listed(leader_client, chart_url(base, overdue))
        assert got == {m.pk for m in scope if m.lead_unit_id == row["unit"]} & want["overdue"]
        assert len(got) == row["overdue"]
    for row in units["best"]:  # the red list's bars: the unit's measures its rate is of
        got = listed(leader_client, chart_url(base, {"lead_unit": row["unit"]}))
        assert len(got) == row["total"]

    assert trend["results"]
    for row in trend["results"]:  # the burn-up's months: falling due, and signed off, in it
        month = datetime.date.fromisoformat(row["month"] + "-01")
        due = {
            m.pk
            for m in scope
            if not m.is_long_term
            and m.deadline is not None
            and m.deadline <= day
            and m.deadline.replace(day=1) == month
        }
        closed = {
            m.pk
            for m in scope
            if m.status == S.CLOSED
            and m.closed_at is not None
            and local_day(m.closed_at) <= day
            and local_day(m.closed_at).replace(day=1) == month
        }
        assert listed(leader_client, chart_url(base, {"due_month": row["month"]})) == due
        assert len(due) == row["due"]
        assert listed(leader_client, chart_url(base, {"closed_month": row["month"]})) == closed
        assert len(closed) == row["closed"]


def test_the_list_keeps_the_numbers_filters_when_searched_again(spread, leader_client):
    page = leader_client.get("/measures/", {"counted": "overdue", "as_of": "2026-05-20"})
    body = page.content.decode()
    assert '<input type="hidden" name="counted" value="overdue">' in body
    assert '<input type="hidden" name="as_of" value="2026-05-20">' in body


def test_a_month_not_understood_is_left_out_and_said(spread, leader_client):
    page = leader_client.get("/measures/", {"closed_month": "June"})
    assert page.context["filter"].errors
    assert page.context["page"].paginator.count == Measure.objects.count()
