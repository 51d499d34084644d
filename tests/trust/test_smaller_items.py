"""The smaller findings of the probe, each kept as a regression test."""

from __future__ import annotations

import pytest

from config.throttles import ResilientScopedRateThrottle
from tests.factories import MeasureFactory
from tests.rectification.helpers import add_evidence

pytestmark = pytest.mark.django_db

FEEDBACK = "（一）关于“学习领会不够深刻”问题的整改\n一是制定学习计划。二是开展专题学习。"


def test_a_liaison_counts_only_their_units_measures_of_a_problem(
    client_for, liaison_a, measure_a, measure_b
):
    MeasureFactory(problem=measure_a.problem, seq=3, lead_unit=measure_b.lead_unit)
    problems = client_for(liaison_a).get("/api/v1/problems/").json()["results"]
    assert [(p["measures_total"], p["measures_closed"]) for p in problems] == [(1, 0)]
    stats = client_for(liaison_a).get(f"/api/v1/rounds/{measure_a.problem.round_id}/stats/")
    assert [p["measures_total"] for p in stats.json()["problem_list"]] == [1]


def test_the_round_list_page_counts_a_liaisons_own_measures_only(
    client, liaison_a, office, measure_a, measure_b
):
    from rectification.models import Measure

    Measure.objects.filter(pk=measure_b.pk).update(
        status=Measure.Status.CLOSED, closed_at=measure_b.created_at
    )
    counts = {}
    for who in (liaison_a, office):
        client.force_login(who)
        rounds = client.get("/rounds/").context["rounds"]
        counts[who.username] = [(r.problem_count, r.measure_count, r.closed_count) for r in rounds]
    assert counts == {"liaison_a": [(1, 1, 0)], "clerk": [(1, 2, 1)]}


def test_office_still_counts_every_measure(client_for, office, measure_a, measure_b):
    problems = client_for(office).get("/api/v1/problems/").json()["results"]
    assert [p["measures_total"] for p in problems] == [2]


@pytest.mark.parametrize("who", ["leader", "liaison_a"])
def test_feedback_parsing_is_for_office_staff(client_for, people, who):
    response = client_for(people[who]).post("/api/v1/feedback/parse/", {"text": FEEDBACK})
    assert response.status_code == 403


def test_feedback_parsing_is_rate_limited(client_for, office, monkeypatch):
    monkeypatch.setattr(ResilientScopedRateThrottle, "THROTTLE_RATES", {"feedback_parse": "3/min"})
    client = client_for(office)
    answers = [
        client.post("/api/v1/feedback/parse/", {"text": FEEDBACK}).status_code for _ in range(5)
    ]
    assert answers == [200, 200, 200, 429, 429]


def test_a_rate_limit_with_its_cache_down_lets_the_request_through(client_for, office, monkeypatch):
    class Down:
        def get(self, *args, **kwargs):
            raise ConnectionError("cache down")

        set = get

    monkeypatch.setattr(ResilientScopedRateThrottle, "cache", Down())
    response = client_for(office).post("/api/v1/feedback/parse/", {"text": FEEDBACK})
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("path", "param"),
    [
        ("/api/v1/evidence/", "measure"),
        ("/api/v1/extensions/", "measure"),
        ("/api/v1/notifications/", "measure"),
        ("/api/v1/measures/", "problem"),
        ("/api/v1/measures/", "lead_unit"),
        ("/api/v1/measures/", "round"),
        ("/api/v1/problems/", "aspect"),
        ("/api/v1/aspects/", "round"),
    ],
)
def test_filters_do_not_tell_which_ids_exist(
    client_for, liaison_a, liaison_b, measure_b, path, param
):
    add_evidence(measure_b, liaison_b)
    hidden = {
        "measure": measure_b.pk,
        "problem": measure_b.problem_id,
        "lead_unit": measure_b.lead_unit_id,
        "round": measure_b.problem.round_id,
        "aspect": 1,
    }[param]
    client = client_for(liaison_a)
    seen = client.get(path, {param: hidden})
    missing = client.get(path, {param: 999_999_999})
    assert (seen.status_code, missing.status_code) == (200, 200)
    assert seen.json()["count"] == missing.json()["count"] == 0
    assert client.get(path, {param: "abc"}).status_code == 400
    assert client.get(path, {param: str(10**30)}).status_code == 400


@pytest.mark.parametrize("header", ['W/"abc"', '"0"', '"2"', "abc", '"1', '""'])
def test_an_if_match_naming_another_version_fails_the_precondition(
    client_for, office, measure_a, header
):
    client = client_for(office)
    response = client.patch(
        f"/api/v1/measures/{measure_a.pk}/", {"text": "改"}, HTTP_IF_MATCH=header
    )
    assert response.status_code == 412
    assert response.json()["code"] == "precondition_failed"
    transition = client_for(office).post(
        f"/api/v1/measures/{measure_a.pk}/reopen/", {"reason": "x"}, HTTP_IF_MATCH=header
    )
    assert transition.status_code == 412


@pytest.mark.parametrize("header", ['"1"', 'W/"1"', '"7", "1"', "*"])
def test_an_if_match_naming_the_current_version_passes(client_for, office, measure_a, header):
    response = client_for(office).patch(
        f"/api/v1/measures/{measure_a.pk}/", {"text": "改"}, HTTP_IF_MATCH=header
    )
    assert response.status_code == 200
    assert response["ETag"] == '"2"'


def test_a_write_to_a_measure_without_if_match_answers_428(client_for, office, measure_a):
    client = client_for(office)
    patch = client.patch(f"/api/v1/measures/{measure_a.pk}/", {"text": "悄悄改"})
    assert patch.status_code == 428 and patch.json()["code"] == "precondition_required"
    put = client.put(f"/api/v1/measures/{measure_a.pk}/", {"text": "悄悄改"})
    assert put.status_code in (400, 428)
    delete = client.delete(f"/api/v1/measures/{measure_a.pk}/")
    assert delete.status_code == 428
    measure_a.refresh_from_db()
    assert measure_a.text != "悄悄改" and measure_a.version == 1
