"""`rounds/{id}/stats/`: the numbers of DESIGN.md section 6 as the API serves them."""

from __future__ import annotations

import pytest

from findings.models import Petition, ProblemClue

from ..factories import ClueFactory, PetitionFactory, RoundFactory
from ..test_numbers import (
    AS_OF,
    EXPECTED_ALL,
    EXPECTED_LIAISON_B,
    EXPECTED_PROBLEMS_ALL,
    EXPECTED_PROBLEMS_LIAISON_B,
    build_measure_set,
)


@pytest.fixture
def measure_set(unit_a, unit_b, office, liaison_a):
    built = build_measure_set(unit_a=unit_a, unit_b=unit_b, office=office, liaison=liaison_a)
    inspection_round = built["round"]
    ClueFactory(round=inspection_round, status=ProblemClue.Status.CONCLUDED)
    ClueFactory(round=inspection_round, status=ProblemClue.Status.IN_HANDLING)
    PetitionFactory(round=inspection_round, status=Petition.Status.PENDING)
    return built


def stats_url(inspection_round) -> str:
    return f"/api/v1/rounds/{inspection_round.pk}/stats/"


def get_stats(client, inspection_round, **params):
    response = client.get(stats_url(inspection_round), params)
    assert response.status_code == 200, response.content
    return response.json()


@pytest.mark.parametrize("role", ["office", "leader", "admin"])
def test_it_serves_the_numbers_of_the_whole_round(measure_set, people, client_for, role):
    body = get_stats(client_for(people[role]), measure_set["round"], as_of=AS_OF.isoformat())

    assert {key: body[key] for key in EXPECTED_ALL} == EXPECTED_ALL
    assert {key: body[key] for key in EXPECTED_PROBLEMS_ALL} == EXPECTED_PROBLEMS_ALL
    assert body["as_of"] == "2026-09-01"
    assert body["round"] == measure_set["round"].pk


def test_it_lists_each_problem_with_its_derived_status(measure_set, office, client_for):
    body = get_stats(client_for(office), measure_set["round"], as_of=AS_OF.isoformat())

    rows = [
        (row["seq"], row["title"], row["status"], row["measures_total"], row["measures_closed"])
        for row in body["problem_list"]
    ]
    assert rows == [
        (1, "问题P1", "completed", 2, 2),
        (2, "问题P2", "in_progress", 4, 0),
        (3, "问题P3", "in_progress", 2, 0),
        (4, "问题P4", "in_progress", 2, 1),
        (5, "问题P5", "completed", 1, 1),
    ]


@pytest.mark.parametrize("role", ["office", "leader"])
def test_it_gives_the_office_and_leaders_the_clue_and_petition_counts(
    measure_set, people, client_for, role
):
    body = get_stats(client_for(people[role]), measure_set["round"], as_of=AS_OF.isoformat())

    # Transferred on 1 July, their feedback is due on 1 October: none is late on 1 September.
    assert body["clues"] == {"total": 2, "concluded": 1, "late": 0}
    assert body["petitions"] == {"total": 1, "concluded": 0, "late": 0}


def test_it_shows_a_cooperating_liaison_only_their_units_measures(
    measure_set, liaison_b, client_for
):
    body = get_stats(client_for(liaison_b), measure_set["round"], as_of=AS_OF.isoformat())

    assert {key: body[key] for key in EXPECTED_LIAISON_B} == EXPECTED_LIAISON_B
    assert {key: body[key] for key in EXPECTED_PROBLEMS_LIAISON_B} == EXPECTED_PROBLEMS_LIAISON_B
    assert [row["title"] for row in body["problem_list"]] == ["问题P2", "问题P4"]
    assert "clues" not in body
    assert "petitions" not in body


def test_it_gives_null_rates_for_a_round_without_measures(office, client_for, unit_top):
    empty_round = RoundFactory(name="2026年第六轮巡察", target_unit=unit_top)

    body = get_stats(client_for(office), empty_round, as_of=AS_OF.isoformat())

    assert body["total"] == 0
    assert body["problems"] == 0
    assert body["completion_rate"] is None
    assert body["on_time_rate"] is None
    assert body["problem_completion_rate"] is None
    assert body["problem_list"] == []


def test_it_counts_as_of_today_in_shanghai_by_default(
    measure_set, office, client_for, shanghai_clock
):
    body = get_stats(client_for(office), measure_set["round"])

    assert body["as_of"] == "2026-11-20"  # still 2026-11-19 in UTC
    assert body["total"] == 11


@pytest.mark.parametrize("as_of", ["2026/09/01", "yesterday", "2026-13-01"])
def test_it_refuses_an_as_of_that_is_not_a_date(measure_set, office, client_for, as_of):
    response = client_for(office).get(stats_url(measure_set["round"]), {"as_of": as_of})

    assert response.status_code == 400
    assert sorted(set(response.json()) - {"code", "codes"}) == ["as_of"]


@pytest.mark.parametrize(
    ("status", "titles"),
    [("completed", ["问题P1", "问题P5"]), ("in_progress", ["问题P2", "问题P3", "问题P4"])],
)
def test_it_filters_problems_by_their_derived_status(
    measure_set, office, client_for, status, titles
):
    response = client_for(office).get(
        "/api/v1/problems/", {"round": measure_set["round"].pk, "status": status}
    )

    assert response.status_code == 200
    assert [row["title"] for row in response.json()["results"]] == titles
    assert {row["status"] for row in response.json()["results"]} == {status}
