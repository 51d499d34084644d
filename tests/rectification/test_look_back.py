"""The look-back review (回头看): a reproducible sample, verdicts, relapses that reopen with a
new deadline, and the figures on the round page, in the report and in the ledger."""

from __future__ import annotations

import datetime
import io
import re

import pytest
from django.test import Client
from docx import Document
from openpyxl import load_workbook

from rectification.models import Measure, StatusChange
from supervision import lookback
from supervision.models import LookBack, LookBackItem

from ..factories import MeasureFactory, ProblemFactory
from .helpers import put_in_state

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 11, 20)  # conftest.SHANGHAI_TODAY
S = Measure.Status


@pytest.fixture(autouse=True)
def _clock(shanghai_clock):
    return shanghai_clock


@pytest.fixture
def closed_round(inspection_round, unit_a, unit_b, liaison_a, office2):
    """Ten signed-off measures and two open ones in one round."""
    problem = ProblemFactory(round=inspection_round, seq=9)
    closed = []
    for n in range(10):
        measure = MeasureFactory(problem=problem, seq=n + 1, lead_unit=unit_a if n % 2 else unit_b)
        closed.append(put_in_state(measure, S.CLOSED, submitted_by=liaison_a, closed_by=office2))
    MeasureFactory(problem=problem, seq=11, lead_unit=unit_a)
    MeasureFactory(problem=problem, seq=12, lead_unit=unit_b)
    return closed


def start(client, round_id: int, **body):
    return client.post("/api/v1/look-backs/", {"round": round_id, **body}, format="json")


def sampled(look_back_id: int) -> list[int]:
    return sorted(
        LookBackItem.objects.filter(look_back_id=look_back_id).values_list("measure_id", flat=True)
    )


def test_a_sample_drawn_with_a_stored_seed_gives_the_same_measures_again(
    closed_round, inspection_round, client_for, office
):
    first = start(client_for(office), inspection_round.pk, sample_size=4, seed=20261120).json()
    again = start(client_for(office), inspection_round.pk, sample_size=4, seed=20261120).json()
    other = start(client_for(office), inspection_round.pk, sample_size=4, seed=7).json()

    assert first["seed"] == 20261120 and first["sampled"] == 4
    assert sampled(first["id"]) == sampled(again["id"])
    assert set(sampled(first["id"])) <= {m.pk for m in closed_round}
    # The stored seed is all it takes to draw the sample again.
    candidates = lookback.closed_measure_ids(inspection_round)
    assert lookback.sample_ids(candidates, 4, first["seed"]) == sampled(first["id"])
    assert sampled(other["id"]) != sampled(first["id"])


def test_without_a_size_every_closed_measure_is_checked_and_a_seed_is_stored(
    closed_round, inspection_round, client_for, office
):
    body = start(client_for(office), inspection_round.pk).json()
    assert body["sampled"] == 10 and body["sample_size"] is None
    assert sampled(body["id"]) == sorted(m.pk for m in closed_round)
    assert isinstance(LookBack.objects.get().seed, int)


@pytest.mark.parametrize(
    ("body", "field"),
    [({"sample_size": 11}, "sample_size"), ({"sample_size": 0}, "sample_size")],
)
def test_a_bad_sample_is_refused_and_nothing_is_saved(
    closed_round, inspection_round, client_for, office, body, field
):
    response = start(client_for(office), inspection_round.pk, **body)
    assert response.status_code == 400 and field in response.json()
    assert not LookBack.objects.exists()


def test_only_the_office_starts_one_and_judges(
    closed_round, inspection_round, client_for, office, leader, liaison_a
):
    assert start(client_for(leader), inspection_round.pk).status_code == 403
    assert start(client_for(liaison_a), inspection_round.pk).status_code in (400, 403)
    look_back = start(client_for(office), inspection_round.pk).json()
    item = LookBackItem.objects.filter(look_back_id=look_back["id"]).first()
    url = f"/api/v1/look-back-items/{item.pk}/verdict/"
    assert client_for(leader).post(url, {"verdict": "holding"}).status_code == 403
    assert client_for(liaison_a).post(url, {"verdict": "holding"}).status_code == 404
    assert client_for(leader).get("/api/v1/look-backs/").json()["count"] == 1
    assert client_for(liaison_a).get("/api/v1/look-backs/").json()["count"] == 0


def test_a_relapse_reopens_with_the_new_deadline_and_its_history_row(
    closed_round, inspection_round, client_for, office
):
    look_back = start(client_for(office), inspection_round.pk, sample_size=2, seed=1).json()
    holding, relapsed = LookBackItem.objects.filter(look_back_id=look_back["id"]).order_by("id")
    api = client_for(office)

    response = api.post(
        f"/api/v1/look-back-items/{holding.pk}/verdict/",
        {"verdict": "holding", "reason": "制度执行良好"},
        format="json",
    )
    assert response.status_code == 200 and response.json()["verdict"] == "holding"
    assert holding.measure.history.get().action == StatusChange.Action.LOOK_BACK

    new_deadline = TODAY + datetime.timedelta(days=45)
    response = api.post(
        f"/api/v1/look-back-items/{relapsed.pk}/verdict/",
        {"verdict": "relapsed", "reason": "台账又出现缺项", "deadline": new_deadline.isoformat()},
        format="json",
    )
    assert response.status_code == 200, response.json()
    measure = Measure.objects.get(pk=relapsed.measure_id)
    assert measure.status == S.IN_PROGRESS and measure.deadline == new_deadline
    row = measure.history.get()
    assert row.action == StatusChange.Action.REOPEN
    assert row.field == "deadline" and row.new_value == new_deadline.isoformat()
    assert "台账又出现缺项" in row.comment
    # Both checked: the look-back is finished.
    assert LookBack.objects.get(pk=look_back["id"]).finished_at is not None

    again = api.post(
        f"/api/v1/look-back-items/{relapsed.pk}/verdict/", {"verdict": "holding"}, format="json"
    )
    assert again.status_code == 409


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"verdict": "relapsed", "deadline": "2027-01-31"}, "reason"),
        ({"verdict": "relapsed", "reason": "反弹"}, "deadline"),
        ({"verdict": "relapsed", "reason": "反弹", "deadline": "2026-01-01"}, "deadline"),
        ({"verdict": "pending"}, "verdict"),
    ],
)
def test_a_bad_verdict_changes_nothing(
    closed_round, inspection_round, client_for, office, body, field
):
    look_back = start(client_for(office), inspection_round.pk, sample_size=1, seed=3).json()
    item = LookBackItem.objects.get(look_back_id=look_back["id"])
    response = client_for(office).post(
        f"/api/v1/look-back-items/{item.pk}/verdict/", body, format="json"
    )
    assert response.status_code == 400 and field in response.json()
    item.refresh_from_db()
    assert item.verdict == "pending"
    assert Measure.objects.get(pk=item.measure_id).status == S.CLOSED
    assert not StatusChange.objects.exists()


def test_the_figures_on_the_round_page_in_the_report_and_in_the_ledger(
    closed_round, inspection_round, client_for, office, office2, liaison_a, shanghai_clock
):
    look_back = lookback.look_back_start(
        actor=office, inspection_round=inspection_round, sample_size=3, seed=11
    )
    a, b, c = look_back.items.order_by("id")
    lookback.look_back_verdict(item_id=a.pk, actor=office, verdict="holding")
    lookback.look_back_verdict(item_id=b.pk, actor=office, verdict="holding")
    lookback.look_back_verdict(
        item_id=c.pk,
        actor=office,
        verdict="relapsed",
        reason="制度未执行",
        deadline=TODAY + datetime.timedelta(days=30),
    )
    # The relapsed measure is done again and signed off since.
    shanghai_clock.shift(datetime.timedelta(days=10))
    put_in_state(
        Measure.objects.get(pk=c.measure_id), S.CLOSED, submitted_by=liaison_a, closed_by=office2
    )
    numbers = lookback.round_look_back_numbers(inspection_round)
    assert {k: numbers[k] for k in ("checked", "holding", "relapsed", "reclosed")} == {
        "checked": 3,
        "holding": 2,
        "relapsed": 1,
        "reclosed": 1,
    }

    client = Client()
    client.force_login(office)
    html = client.get(f"/rounds/{inspection_round.pk}/").content.decode()
    figures = dict(re.findall(r'data-lb="(\w+)"[^>]*>.*?<b>(\d+)</b>', html, re.S))
    assert figures == {"sampled": "3", "holding": "2", "relapsed": "1", "reclosed": "1"}

    report = client_for(office).get(f"/api/v1/rounds/{inspection_round.pk}/public-report/")
    text = "\n".join(p.text for p in Document(io.BytesIO(b"".join(report))).paragraphs)
    assert "核查已销号整改措施3条，其中整改成效巩固2条，出现反弹1条" in text
    assert "（其中1条已再次销号）" in text

    ledger = client_for(office).get("/api/v1/ledger/export/", {"round": inspection_round.pk})
    book = load_workbook(io.BytesIO(b"".join(ledger)))
    rows = {row[0]: row[1] for row in book["统计"].iter_rows(values_only=True)}
    assert rows["“回头看”已核查措施"] == 3 and rows["“回头看”反弹并重新整改"] == 1
    assert rows["反弹后已重新销号"] == 1


def test_the_look_back_page_reopens_a_relapse(closed_round, inspection_round, office):
    look_back = lookback.look_back_start(
        actor=office, inspection_round=inspection_round, sample_size=1, seed=5
    )
    item = look_back.items.get()
    client = Client()
    client.force_login(office)
    html = client.get(f"/look-backs/{look_back.pk}/").content.decode()
    assert f'data-item="{item.pk}"' in html and "verdict-relapsed" in html
    deadline = (TODAY + datetime.timedelta(days=20)).isoformat()
    client.post(
        f"/look-back-items/{item.pk}/verdict/",
        {"verdict": "relapsed", "reason": "问题反弹", "deadline": deadline},
    )
    assert Measure.objects.get(pk=item.measure_id).status == S.IN_PROGRESS
    # A refused verdict (already given) comes back as a message, nothing changes.
    response = client.post(
        f"/look-back-items/{item.pk}/verdict/", {"verdict": "holding"}, follow=True
    )
    assert response.status_code == 200
    assert LookBackItem.objects.get(pk=item.pk).verdict == "relapsed"


@pytest.mark.parametrize("rows", [5, 50])
def test_the_look_back_lists_and_pages_cost_the_same_for_5_or_50(
    rows,
    inspection_round,
    unit_a,
    liaison_a,
    office,
    office2,
    client_for,
    django_assert_max_num_queries,
):
    problem = ProblemFactory(round=inspection_round, seq=1)
    for n in range(rows):
        put_in_state(
            MeasureFactory(problem=problem, seq=n + 1, lead_unit=unit_a),
            S.CLOSED,
            submitted_by=liaison_a,
            closed_by=office2,
        )
    look_back = lookback.look_back_start(actor=office, inspection_round=inspection_round)
    lookback.look_back_start(actor=office, inspection_round=inspection_round, sample_size=2)
    api = client_for(office)
    page = Client()
    page.force_login(office)
    page.get("/")
    # count + page, figures annotated.
    with django_assert_max_num_queries(2):
        assert api.get("/api/v1/look-backs/").json()["count"] == 2
    # count + page, measures joined.
    with django_assert_max_num_queries(2):
        body = api.get("/api/v1/look-back-items/", {"page_size": 500}).json()
    assert body["count"] == rows + 2
    # session, user, the bell, the look-back with its figures, the items with their measures.
    with django_assert_max_num_queries(6):
        assert page.get(f"/look-backs/{look_back.pk}/").status_code == 200
