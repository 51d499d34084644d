"""Every list endpoint runs a fixed number of queries, whatever the number of rows.

Each endpoint is asked with 5 and with 50 rows under the same bound: a serializer that
reaches for a related row one at a time (N+1) passes with 5 rows and fails with 50.
The clients are force-authenticated, so no query is spent on the session or the token.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable

import pytest

from accounts.models import Jurisdiction, User
from rectification.models import Evidence, Extension, Measure

from .budgets import SECURITY_LOG_ROW
from .factories import (
    AspectFactory,
    ClueFactory,
    MeasureFactory,
    PetitionFactory,
    ProblemFactory,
    RoundFactory,
    UnitFactory,
    UserFactory,
)

SIZES = [5, 50]


def make_units(ctx: dict, n: int) -> str:
    for i in range(n):
        UnitFactory(name=f"街道{i}", parent=ctx["unit_top"], head=ctx["leader"])
    return "/api/v1/units/"


def make_jurisdictions(ctx: dict, n: int) -> str:
    top = Jurisdiction.objects.top()
    Jurisdiction.objects.bulk_create(
        Jurisdiction(name=f"第{i}县委巡察办", level=Jurisdiction.Level.COUNTY, parent=top)
        for i in range(n)
    )
    Jurisdiction.objects.refresh_tree()
    return "/api/v1/jurisdictions/"


def make_users(ctx: dict, n: int) -> str:
    units = [UnitFactory(name=f"科室{i}") for i in range(n)]
    User.objects.bulk_create(
        User(
            username=f"liaison{i}",
            role=User.Role.LIAISON,
            unit=units[i],
            jurisdiction_id=units[i].jurisdiction_id,
        )
        for i in range(n)
    )
    return "/api/v1/users/"


def make_rounds(ctx: dict, n: int) -> str:
    for i in range(n):
        RoundFactory(name=f"第{i}轮", target_unit=UnitFactory(name=f"被巡察单位{i}"))
    return "/api/v1/rounds/"


def make_aspects(ctx: dict, n: int) -> str:
    for i in range(n):
        AspectFactory(round=RoundFactory(target_unit=ctx["unit_top"]), seq=i + 1)
    return "/api/v1/aspects/"


def make_problems(ctx: dict, n: int) -> str:
    for i in range(n):
        aspect = AspectFactory(round=ctx["round"], seq=i + 1)
        problem = ProblemFactory(round=ctx["round"], aspect=aspect, seq=i + 1)
        MeasureFactory(problem=problem, seq=1, lead_unit=ctx["unit_a"])
        MeasureFactory(
            problem=problem,
            seq=2,
            lead_unit=ctx["unit_b"],
            status=Measure.Status.CLOSED,
            closed_at=datetime.datetime(2026, 8, 1, tzinfo=datetime.UTC),
        )
    return "/api/v1/problems/"


def _measures(ctx: dict, n: int) -> list[Measure]:
    problems = [ProblemFactory(round=ctx["round"], seq=i + 1) for i in range(n)]
    measures = []
    for i in range(n):
        measure = MeasureFactory(
            problem=problems[i],
            seq=1,
            lead_unit=ctx["unit_a"],
            lead_official_user=ctx["leader"],
            submitted_by=ctx["liaison_a"],
            closed_by=ctx["office"],
        )
        measure.cooperating_units.set([ctx["unit_b"], ctx["unit_top"]])
        measures.append(measure)
    return measures


def make_measures(ctx: dict, n: int) -> str:
    _measures(ctx, n)
    return "/api/v1/measures/"


def make_clues(ctx: dict, n: int) -> str:
    for i in range(n):
        ClueFactory(round=RoundFactory(target_unit=ctx["unit_top"]), summary=f"线索{i}")
    return "/api/v1/clues/"


def make_petitions(ctx: dict, n: int) -> str:
    for i in range(n):
        PetitionFactory(
            round=RoundFactory(target_unit=ctx["unit_top"]),
            handler_unit=UnitFactory(name=f"承办单位{i}"),
        )
    return "/api/v1/petitions/"


def make_evidence(ctx: dict, n: int) -> str:
    for i, measure in enumerate(_measures(ctx, n)):
        Evidence.objects.create(
            measure=measure,
            file=f"evidence/00/{i:064d}",
            original_name=f"佐证{i}.pdf",
            size=1024,
            content_type="application/pdf",
            sha256=f"{i:064d}",
            uploaded_by=UserFactory(role=User.Role.LIAISON, unit=ctx["unit_a"]),
        )
    return "/api/v1/evidence/"


def make_extensions(ctx: dict, n: int) -> str:
    for measure in _measures(ctx, n):
        Extension.objects.create(
            measure=measure,
            requested_by=UserFactory(role=User.Role.LIAISON, unit=ctx["unit_a"]),
            old_deadline=measure.deadline,
            new_deadline=measure.deadline + datetime.timedelta(days=30),
            reason="需要更多时间",
        )
    return "/api/v1/extensions/"


def make_stats(ctx: dict, n: int) -> str:
    make_problems(ctx, n)
    for _i in range(n):
        ClueFactory(round=ctx["round"])
        PetitionFactory(round=ctx["round"])
    return f"/api/v1/rounds/{ctx['round'].pk}/stats/"


# endpoint: (who asks, how to fill it, the bound, why that number)
ENDPOINTS: dict[str, tuple[str, Callable[[dict, int], str], int]] = {
    # count + page; parent is select_related, head is a bare id.
    "units": ("office", make_units, 2),
    # count + page; unit is select_related (admin only).
    "users": ("admin", make_users, 2),
    # count + page; parent is select_related; the tree the scope is read from is cached.
    "jurisdictions": ("office", make_jurisdictions, 2),
    # count + page + the teams; target_unit is select_related.
    "rounds": ("office", make_rounds, 3),
    # count + page; round is select_related.
    "aspects": ("office", make_aspects, 2),
    # count + page; derived status and measure counts are annotations of the page query.
    "problems": ("office", make_problems, 2),
    # count + page + one prefetch of the cooperating units.
    "measures": ("office", make_measures, 3),
    # count + page; round is select_related.
    "clues": ("office", make_clues, 2 + SECURITY_LOG_ROW),  # the security log's row
    # count + page; round and handler_unit are select_related.
    "petitions": ("office", make_petitions, 2 + SECURITY_LOG_ROW),
    # count + page; the measure scope is a subquery, uploaded_by is select_related.
    "evidence": ("office", make_evidence, 2),
    # count + page; the measure scope is a subquery, requested_by is select_related.
    "extensions": ("office", make_extensions, 2),
    # the round (get_object) + measure numbers + problem numbers + problem list
    # + clue counts + petition counts: one query each, however many problems.
    "stats": ("office", make_stats, 6),
}


@pytest.fixture
def ctx(people, unit_top, unit_a, unit_b, inspection_round) -> dict:
    return {
        **people,
        "unit_top": unit_top,
        "unit_a": unit_a,
        "unit_b": unit_b,
        "round": inspection_round,
    }


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("endpoint", list(ENDPOINTS))
def test_it_lists_with_a_fixed_number_of_queries(
    ctx, client_for, django_assert_max_num_queries, endpoint, n
):
    role, fill, bound = ENDPOINTS[endpoint]
    url = fill(ctx, n)
    client = client_for(ctx[role])

    with django_assert_max_num_queries(bound):
        response = client.get(url, {"page_size": 500})

    assert response.status_code == 200
    body = response.json()
    if endpoint == "stats":
        assert body["problems"] == n
        assert len(body["problem_list"]) == n
    else:
        assert len(body["results"]) >= n
        assert body["count"] == len(body["results"])


@pytest.mark.parametrize("n", SIZES)
def test_it_lists_a_liaisons_measures_with_a_fixed_number_of_queries(
    ctx, client_for, django_assert_max_num_queries, n
):
    _measures(ctx, n)

    # count + page + prefetch: the liaison's scope is a filter, not extra queries.
    with django_assert_max_num_queries(3):
        response = client_for(ctx["liaison_a"]).get("/api/v1/measures/", {"page_size": 500})

    assert response.json()["count"] == n


@pytest.mark.parametrize("n", SIZES)
def test_it_serves_a_liaisons_round_stats_with_a_fixed_number_of_queries(
    ctx, client_for, django_assert_max_num_queries, n
):
    make_problems(ctx, n)

    # the round + measure numbers + problem numbers + problem list; no clue counts.
    with django_assert_max_num_queries(4):
        response = client_for(ctx["liaison_b"]).get(f"/api/v1/rounds/{ctx['round'].pk}/stats/")

    assert response.json()["problems"] == n
