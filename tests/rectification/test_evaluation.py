"""The hundred-point evaluation (百分制评估) of a hand-built round, whose expected scores are
written out below; frozen scores; the red-and-black list's order."""

from __future__ import annotations

import datetime
import warnings
import zoneinfo
from decimal import Decimal

import pytest
from django.core.paginator import UnorderedObjectListWarning

from accounts.models import Unit, User
from rectification.models import Measure
from supervision import evaluation, lookback, urges
from supervision.models import Evaluation, EvaluationScheme, EvaluationScore, RedBlackList

from ..factories import MeasureFactory, ProblemFactory, RoundFactory, UnitFactory, UserFactory

pytestmark = pytest.mark.django_db

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
TODAY = datetime.date(2026, 11, 20)  # conftest.SHANGHAI_TODAY
S = Measure.Status


def d(text: str) -> datetime.date:
    return datetime.date.fromisoformat(text)


def at(text: str) -> datetime.datetime:
    return datetime.datetime.combine(d(text), datetime.time(10), tzinfo=SHANGHAI)


@pytest.fixture(autouse=True)
def _clock(shanghai_clock):
    return shanghai_clock


def measure(problem, unit, deadline, status=S.NOT_STARTED, submitted=None, **extra) -> Measure:
    m = MeasureFactory(
        problem=problem, lead_unit=unit, deadline=d(deadline) if deadline else None, **extra
    )
    fields: dict = {"status": status}
    if submitted:
        fields.update(submitted_at=at(submitted), result_summary="已完成")
    if status == S.CLOSED:
        fields.update(closed_at=at(submitted or "2026-10-30"))
    Measure.objects.filter(pk=m.pk).update(**fields)
    m.refresh_from_db()
    return m


@pytest.fixture
def hand_built(inspection_round, office, liaison_a):
    """Units A, B and C of one round, each problem led by one unit.

    A: a1 due 10-01 signed off on time; a2 due 10-10 signed off late (10-15); a3 due 11-01
       open (overdue, and urged at interview level); a4 due 2027-01-01 not started.
       Completion 2/4, on time 1/3 (0.3333), problems 1 of 2 completed, look-back 2 of 2
       holding; manual: evidence 8, supervision 7; one interview: −2.
    B: b1 due 09-01 signed off on time; b2 due 10-01 signed off on time, then relapsed at the
       look-back and reopened with a deadline of 2026-12-31. Completion 1/2, on time 1/1 (b2
       is no longer due), problems 0 of 1, look-back 1 of 2 holding; manual 10 and 10.
    C: c1 due 2027-03-01 and c2 long-term: nothing due yet, so the completion, on-time and
       problem items are not applicable, nor the look-back; manual 8 and 9.
    """
    unit_a, unit_b, unit_c = (
        UnitFactory(name="甲单位"),
        UnitFactory(name="乙单位"),
        UnitFactory(name="丙单位"),
    )
    p = [ProblemFactory(round=inspection_round, seq=n) for n in range(1, 5)]
    a1 = measure(p[0], unit_a, "2026-10-01", S.CLOSED, "2026-09-20")
    a2 = measure(p[0], unit_a, "2026-10-10", S.CLOSED, "2026-10-15")
    a3 = measure(p[1], unit_a, "2026-11-01", S.IN_PROGRESS)
    measure(p[1], unit_a, "2027-01-01")
    b1 = measure(p[2], unit_b, "2026-09-01", S.CLOSED, "2026-08-30")
    b2 = measure(p[2], unit_b, "2026-10-01", S.CLOSED, "2026-09-25")
    measure(p[3], unit_c, "2027-03-01")
    measure(p[3], unit_c, None, S.IN_PROGRESS, is_long_term=True)

    look_back = lookback.look_back_start(actor=office, inspection_round=inspection_round)
    verdicts = {a1.pk: "holding", a2.pk: "holding", b1.pk: "holding", b2.pk: "relapsed"}
    for item in look_back.items.all():
        lookback.look_back_verdict(
            item_id=item.pk,
            actor=office,
            verdict=verdicts[item.measure_id],
            reason="反弹" if verdicts[item.measure_id] == "relapsed" else "",
            deadline=d("2026-12-31") if verdicts[item.measure_id] == "relapsed" else None,
        )
    urges.urge_issue(
        actor=office, measure=a3, level="interview", reason="严重滞后", reply_due=d("2026-11-27")
    )
    return {"A": unit_a, "B": unit_b, "C": unit_c, "a3": a3}


def scores_of(body: dict) -> dict:
    return {row["unit_name"]: row for row in body["scores"]}


def item_scores(row: dict) -> dict:
    return {key: entry["score"] for key, entry in row["items"].items()}


MANUAL = {"甲单位": (8, 7), "乙单位": (10, 10), "丙单位": (8, 9)}


def test_the_hand_built_round_scores_as_written_out(
    hand_built, inspection_round, client_for, office
):
    api = client_for(office)
    response = api.post("/api/v1/evaluations/", {"round": inspection_round.pk}, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    # The default scheme was saved for the round and copied into the evaluation.
    assert [i["key"] for i in body["items"]] == [i["key"] for i in evaluation.DEFAULT_ITEMS]
    assert EvaluationScheme.objects.get(round=inspection_round).items == body["items"]

    for name, (evidence, supervision) in MANUAL.items():
        unit = Unit.objects.get(name=name)
        for key, score in (("evidence", evidence), ("supervision", supervision)):
            response = api.post(
                f"/api/v1/evaluations/{body['id']}/score/",
                {"unit": unit.pk, "key": key, "score": score, "note": "材料齐全"},
                format="json",
            )
            assert response.status_code == 200, response.json()
    rows = scores_of(response.json())

    assert item_scores(rows["甲单位"]) == {
        "completion": 15.0,  # 30 × 2/4
        "on_time": 6.67,  # 20 × 0.3333
        "problems": 10.0,  # 20 × 1/2
        "look_back": 10.0,  # 10 × 2/2
        "evidence": 8.0,
        "supervision": 7.0,
        "interviewed": -2.0,  # one interview × 2
        "notified": -0.0,
    }
    assert (rows["甲单位"]["total"], rows["甲单位"]["band"]) == ("54.67", "poor")

    assert item_scores(rows["乙单位"]) == {
        "completion": 15.0,  # 30 × 1/2 (b2 reopened)
        "on_time": 20.0,  # 20 × 1/1: b2's new deadline has not come
        "problems": 0.0,  # its one problem has b2 open again
        "look_back": 5.0,  # 10 × 1/2
        "evidence": 10.0,
        "supervision": 10.0,
        "interviewed": -0.0,
        "notified": -0.0,
    }
    assert (rows["乙单位"]["total"], rows["乙单位"]["band"]) == ("60.00", "fair")

    # C has nothing due: the three rate items and the look-back are not applicable, and the
    # manual items are rescaled to 100: (8 + 9) × 100 ÷ 20 = 85.
    c = rows["丙单位"]
    assert {key for key, entry in c["items"].items() if not entry["applicable"]} == {
        "completion",
        "on_time",
        "problems",
        "look_back",
    }
    assert (c["total"], c["band"]) == ("85.00", "good")

    # The round as a whole: completion 3/8 → 11.25, on time 2/4 → 10, problems 1/4 → 5,
    # look-back 3/4 → 7.5; no manual score: (33.75 × 100 ÷ 80) − 2 = 40.19.
    whole = next(row for row in response.json()["scores"] if row["unit"] is None)
    assert item_scores(whole)["completion"] == 11.25
    assert item_scores(whole)["look_back"] == 7.5
    assert (whole["total"], whole["band"]) == ("40.19", "poor")


def test_published_scores_are_frozen_whatever_happens_to_the_measures(
    hand_built, inspection_round, client_for, office, office2
):
    api = client_for(office)
    body = api.post("/api/v1/evaluations/", {"round": inspection_round.pk}, format="json").json()
    second = client_for(office2)
    assert second.post(f"/api/v1/evaluations/{body['id']}/publish/").status_code == 200
    before = scores_of(api.get(f"/api/v1/evaluations/{body['id']}/").json())

    # a3 is signed off and the scheme is changed after publication.
    Measure.objects.filter(pk=hand_built["a3"].pk).update(
        status=S.CLOSED, submitted_at=at("2026-10-30"), closed_at=at("2026-11-02")
    )
    items = [dict(i) for i in evaluation.DEFAULT_ITEMS]
    items[0]["weight"], items[1]["weight"] = 40, 10
    response = api.patch(
        f"/api/v1/evaluation-schemes/{body['scheme']}/", {"items": items}, format="json"
    )
    assert response.status_code == 200, response.json()

    assert api.post(f"/api/v1/evaluations/{body['id']}/recompute/").status_code == 409
    unit = hand_built["A"].pk
    response = api.post(
        f"/api/v1/evaluations/{body['id']}/score/",
        {"unit": unit, "key": "evidence", "score": 10},
        format="json",
    )
    assert response.status_code == 409
    after = api.get(f"/api/v1/evaluations/{body['id']}/").json()
    assert scores_of(after) == before
    assert after["items"][0]["weight"] == 30
    # A new evaluation reads the new scheme and the new state.
    fresh = api.post("/api/v1/evaluations/", {"round": inspection_round.pk}, format="json").json()
    assert scores_of(fresh)["甲单位"]["items"]["completion"]["score"] == 30.0  # 40 × 3/4


@pytest.mark.parametrize(
    ("change", "message_field"),
    [
        (lambda items: items[0].update(weight=25), "items"),  # adds up to 95
        (lambda items: items[0].update(formula="happiness"), "items"),
        (lambda items: items[6].update(level="shout"), "items"),
        (lambda items: items[1].update(key=items[0]["key"]), "items"),
        (lambda items: items[4].update(weight=-10), "items"),
    ],
)
def test_a_bad_scheme_is_refused_and_the_old_one_stays(
    inspection_round, client_for, office, change, message_field
):
    api = client_for(office)
    created = api.post("/api/v1/evaluation-schemes/", {"round": inspection_round.pk}, format="json")
    assert created.status_code == 201
    items = [dict(i) for i in evaluation.DEFAULT_ITEMS]
    change(items)
    response = api.patch(
        f"/api/v1/evaluation-schemes/{created.json()['id']}/", {"items": items}, format="json"
    )
    assert response.status_code == 400 and message_field in response.json()
    assert EvaluationScheme.objects.get().items == created.json()["items"]


def test_manual_scores_outside_the_items_range_are_refused(
    hand_built, inspection_round, client_for, office
):
    api = client_for(office)
    body = api.post("/api/v1/evaluations/", {"round": inspection_round.pk}, format="json").json()
    url = f"/api/v1/evaluations/{body['id']}/score/"
    unit = hand_built["A"].pk
    too_high = api.post(url, {"unit": unit, "key": "evidence", "score": 11}, format="json")
    assert too_high.status_code == 400 and "score" in too_high.json()
    auto = api.post(url, {"unit": unit, "key": "completion", "score": 5}, format="json")
    assert auto.status_code == 400 and "key" in auto.json()
    assert EvaluationScore.objects.get(unit_id=unit).manual == {}


def test_only_office_evaluates_and_publishes_leaders_read(
    hand_built, inspection_round, client_for, office, leader, liaison_a
):
    assert (
        client_for(leader)
        .post("/api/v1/evaluations/", {"round": inspection_round.pk}, format="json")
        .status_code
        == 403
    )
    body = (
        client_for(office)
        .post("/api/v1/evaluations/", {"round": inspection_round.pk}, format="json")
        .json()
    )
    assert client_for(leader).get("/api/v1/evaluations/").json()["count"] == 1
    assert client_for(leader).post(f"/api/v1/evaluations/{body['id']}/publish/").status_code == 403
    assert client_for(liaison_a).get("/api/v1/evaluations/").json()["count"] == 0


def _published(inspection_round, office, rows: list[tuple[str, str | None, float | None]]):
    scheme = evaluation.scheme_save(actor=office, inspection_round=inspection_round)
    made = Evaluation.objects.create(
        scheme=scheme,
        round=inspection_round,
        items=scheme.items,
        as_of=TODAY,
        # Scored by another clerk: `office` may draw lists from it.
        created_by=UserFactory(role=User.Role.OFFICE),
        status=Evaluation.Status.PUBLISHED,
        published_at=at("2026-11-20"),
        published_by=office,
    )
    for name, total, on_time in rows:
        EvaluationScore.objects.create(
            evaluation=made,
            unit=UnitFactory(name=name),
            total=Decimal(total) if total is not None else None,
            band=evaluation.band_of(Decimal(total)) if total is not None else "",
            on_time_rate=on_time,
        )
    EvaluationScore.objects.create(evaluation=made, unit=None, total=Decimal("70"))
    return made


def test_the_list_orders_units_by_score_with_ties_broken_by_on_time_rate(
    inspection_round, client_for, office, leader
):
    made = _published(
        inspection_round,
        office,
        [
            ("甲", "80.00", 0.5),
            ("乙", "95.00", 0.7),
            ("丙", "80.00", 0.9),  # ties with 甲 on the total; the better on-time rate first
            ("丁", "60.00", 1.0),
            ("戊", "40.00", None),
            ("己", None, None),  # nothing applicable: never on the list
        ],
    )
    assert [s.unit.name for s in evaluation.ranking(made)] == ["乙", "丙", "甲", "丁", "戊"]

    response = client_for(office).post(
        "/api/v1/red-black-lists/",
        {"evaluation": made.pk, "best_count": 2, "worst_count": 2},
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["period_label"] == "2026年第四季度"
    assert [(e["rank"], e["unit_name"]) for e in body["red"]] == [(1, "乙"), (2, "丙")]
    assert [(e["rank"], e["unit_name"]) for e in body["black"]] == [(5, "戊"), (4, "丁")]
    assert client_for(leader).get("/api/v1/red-black-lists/").json()["count"] == 1


def test_a_list_needs_a_published_evaluation(hand_built, inspection_round, client_for, office):
    api = client_for(office)
    body = api.post("/api/v1/evaluations/", {"round": inspection_round.pk}, format="json").json()
    response = api.post("/api/v1/red-black-lists/", {"evaluation": body["id"]}, format="json")
    assert response.status_code == 409
    assert not RedBlackList.objects.exists()


def test_bands_have_their_edges():
    assert [evaluation.band_of(Decimal(v)) for v in ("90", "89.99", "80", "60", "59.99")] == [
        "excellent",
        "good",
        "good",
        "fair",
        "poor",
    ]
    assert evaluation.band_of(None) == ""


def test_office_scores_the_round_as_a_whole(hand_built, inspection_round, client_for, office):
    # The round's own row has no unit: its lock must not reach the outer join to the unit.
    api = client_for(office)
    body = api.post("/api/v1/evaluations/", {"round": inspection_round.pk}, format="json").json()

    response = api.post(
        f"/api/v1/evaluations/{body['id']}/score/",
        {"unit": None, "key": "evidence", "score": 8, "note": "整体材料较完整"},
        format="json",
    )

    assert response.status_code == 200, response.content
    whole = next(row for row in response.json()["scores"] if row["unit"] is None)
    assert whole["items"]["evidence"]["score"] == 8.0


# --- Nobody publishes alone ---------------------------------------------------------------


def test_whoever_scored_an_evaluation_cannot_publish_it_nor_its_list(
    hand_built, inspection_round, client_for, office, office2
):
    office3 = UserFactory(username="clerk3", role=User.Role.OFFICE)
    body = (
        client_for(office)
        .post("/api/v1/evaluations/", {"round": inspection_round.pk}, format="json")
        .json()
    )
    # office2 scores one manual item: now an author as well.
    scored = client_for(office2).post(
        f"/api/v1/evaluations/{body['id']}/score/",
        {"unit": hand_built["A"].pk, "key": "evidence", "score": 8},
        format="json",
    )
    assert scored.status_code == 200

    for author in (office, office2):
        refused = client_for(author).post(f"/api/v1/evaluations/{body['id']}/publish/")
        assert refused.status_code == 403, author.username
    assert Evaluation.objects.get(pk=body["id"]).status == "draft"
    assert client_for(office3).post(f"/api/v1/evaluations/{body['id']}/publish/").status_code == 200

    # The list drawn from it: by someone who scored none of it.
    for author in (office, office2):
        refused = client_for(author).post(
            "/api/v1/red-black-lists/", {"evaluation": body["id"]}, format="json"
        )
        assert refused.status_code == 403, author.username
    drawn = client_for(office3).post(
        "/api/v1/red-black-lists/", {"evaluation": body["id"]}, format="json"
    )
    assert drawn.status_code == 201
    # And a score after publication is refused: the published evaluation is frozen.
    late = client_for(office2).post(
        f"/api/v1/evaluations/{body['id']}/score/",
        {"unit": hand_built["A"].pk, "key": "evidence", "score": 10},
        format="json",
    )
    assert late.status_code == 409


def test_an_evaluations_authors_and_publisher_are_in_the_audit_chain(
    hand_built, inspection_round, office, office2
):
    from audit.models import AuditEntry

    office3 = UserFactory(username="clerk3", role=User.Role.OFFICE)
    draft = evaluation.evaluation_create(actor=office, inspection_round=inspection_round)
    evaluation.evaluation_score_manual(
        evaluation_id=draft.pk, actor=office2, unit=hand_built["A"], key="evidence", score=8
    )
    evaluation.evaluation_publish(evaluation_id=draft.pk, actor=office3)

    changes = [
        e.changes
        for e in AuditEntry.objects.filter(
            model="supervision.evaluation", object_id=str(draft.pk)
        ).order_by("id")
    ]
    authors = [c["authors"][1] for c in changes if "authors" in c]
    assert authors[-1] == sorted([office.pk, office2.pk])
    assert any(c.get("published_by_id") == [None, office3.pk] for c in changes)


def test_the_schemes_are_listed_in_a_stable_order(client_for, office):
    """By round: a list of no order may repeat a row on one page and skip it on the next."""
    api = client_for(office)
    rounds = [RoundFactory(), RoundFactory(), RoundFactory()]
    for inspection_round in reversed(rounds):
        assert (
            api.post("/api/v1/evaluation-schemes/", {"round": inspection_round.pk}).status_code
            == 201
        )
    with warnings.catch_warnings():
        warnings.simplefilter("error", UnorderedObjectListWarning)
        body = api.get("/api/v1/evaluation-schemes/?page_size=2").json()
    assert [row["round"] for row in body["results"]] == [r.pk for r in rounds[:2]]
