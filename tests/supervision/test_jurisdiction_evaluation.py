"""The city evaluates its counties (市对县考核评价) on a hand-built set, the scores written out:
each county over its whole scope, a joint round's measure counted for the county, frozen on
publication, published by a second person, read by a county for its own row only."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Jurisdiction, User
from config.errors import NotAllowed, WrongState
from rectification.models import Measure, today
from supervision import jurisdiction_evaluation as evaluations
from supervision.models import JurisdictionEvaluation, UrgeNotice
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def days(n: int) -> datetime.timedelta:
    return datetime.timedelta(days=n)


@pytest.fixture
def scored(tree):
    """甲县: its own measure signed off on time, the city's joint measure led by its unit
    overdue, one interview (约谈) urge notice. 乙县: its one measure signed off on time."""
    day, m = today(), tree["measures"]
    closed = {"status": Measure.Status.CLOSED}

    def signed_off(measure, deadline, on):
        # Submitted (the on-time test) and signed off on the same day.
        moment = timezone.make_aware(datetime.datetime.combine(on, datetime.time(10)))
        Measure.objects.filter(pk=measure.pk).update(
            deadline=deadline, submitted_at=moment, closed_at=moment, **closed
        )

    signed_off(m["a"], day - days(10), day - days(12))
    signed_off(m["b"], day - days(3), day - days(4))
    Measure.objects.filter(pk=m["joint"].pk).update(
        deadline=day - days(5), status=Measure.Status.IN_PROGRESS
    )
    UrgeNotice.objects.create(
        round=tree["rounds"]["a"], unit=tree["units"]["a"], level="interview",
        reason="整改滞后", reply_due=day + days(7), issued_by=tree["offices"]["a"],
    )  # fmt: skip
    made = evaluations.jurisdiction_evaluation_create(
        actor=tree["offices"]["city"], jurisdiction=tree["j"]["city"], title="2026年度考核"
    )
    evaluations.jurisdiction_score_manual(
        evaluation_id=made.pk, actor=tree["offices"]["city"],
        jurisdiction_id=tree["j"]["a"].pk, key="leadership", score=8, note="机制健全",
    )  # fmt: skip
    return made


def scores_of(evaluation) -> dict:
    return {
        s.jurisdiction.short_name: (s.total, s.band, {k: v["score"] for k, v in s.items.items()})
        for s in evaluation.scores.select_related("jurisdiction")
    }


def test_each_county_is_scored_over_its_whole_scope(tree, scored):
    assert scores_of(scored) == {
        # 30×½ + 20×½ + 20×½ + 8 = 43 of the applicable 80, rescaled: 53.75, less 2 for the
        # interview = 51.75 (差). The look-back and the unscored manual item are left out.
        "甲县": (Decimal("51.75"), "poor", {
            "completion": 15.0, "on_time": 10.0, "problems": 10.0, "look_back": None,
            "leadership": 8.0, "linkage": None, "interviewed": -2.0, "notified": -0.0,
        }),
        # 30 + 20 + 20 of the applicable 70: 100 (好).
        "乙县": (Decimal("100.00"), "excellent", {
            "completion": 30.0, "on_time": 20.0, "problems": 20.0, "look_back": None,
            "leadership": None, "linkage": None, "interviewed": -0.0, "notified": -0.0,
        }),
    }  # fmt: skip


def test_publication_freezes_and_needs_a_second_person(tree, scored):
    city = tree["offices"]["city"]
    with pytest.raises(NotAllowed):  # the author publishes nothing alone
        evaluations.jurisdiction_evaluation_publish(evaluation_id=scored.pk, actor=city)
    second = UserFactory(role=User.Role.OFFICE, jurisdiction=tree["j"]["city"])
    evaluations.jurisdiction_evaluation_publish(evaluation_id=scored.pk, actor=second)
    before = scores_of(scored)

    Measure.objects.filter(pk=tree["measures"]["joint"].pk).update(
        status=Measure.Status.CLOSED, closed_at=timezone.now()
    )
    with pytest.raises(WrongState):
        evaluations.jurisdiction_evaluation_recompute(evaluation_id=scored.pk, actor=second)
    assert scores_of(scored) == before
    red, black = evaluations.red_and_black(evaluations.scores_visible_to(second, scored))
    assert [s.jurisdiction.short_name for s in red] == ["乙县"]
    assert [s.jurisdiction.short_name for s in black] == ["甲县"]


def test_a_county_reads_its_own_row_of_a_published_one_and_nothing_before(tree, scored, client):
    office_a, office_b = tree["offices"]["a"], tree["offices"]["b"]
    assert scored not in evaluations.jurisdiction_evaluations_visible_to(office_a)
    second = UserFactory(role=User.Role.OFFICE, jurisdiction=tree["j"]["city"])
    evaluations.jurisdiction_evaluation_publish(evaluation_id=scored.pk, actor=second)

    client.force_login(office_a)
    page = client.get(reverse("jurisdiction-evaluation-detail", args=[scored.pk]))
    assert page.status_code == 200
    assert [r["score"].jurisdiction.short_name for r in page.context["rows"]] == ["甲县"]
    api = client.get(reverse("api:jurisdiction-evaluation-detail", args=[scored.pk]))
    assert [s["jurisdiction"] for s in api.json()["scores"]] == [tree["j"]["a"].pk]
    # The county changes nothing of it, and cannot start one: nothing lies below it.
    assert (
        client.post(
            reverse("jurisdiction-evaluation-detail", args=[scored.pk]), {"action": "recompute"}
        ).status_code
        == 403
    )
    with pytest.raises(NotAllowed):
        evaluations.jurisdiction_evaluation_recompute(evaluation_id=scored.pk, actor=office_b)
    other = Jurisdiction.objects.create(name="丙市委巡察办", level=Jurisdiction.Level.CITY)
    stranger = UserFactory(role=User.Role.OFFICE, jurisdiction=other)
    client.force_login(stranger)
    assert (
        client.get(reverse("jurisdiction-evaluation-detail", args=[scored.pk])).status_code == 404
    )


def test_the_city_drafts_scores_and_publishes_on_the_pages(tree, client, django_assert_num_queries):
    city = tree["offices"]["city"]
    client.force_login(city)
    made = client.post(reverse("jurisdiction-evaluation-list"), {"title": "", "as_of": ""})
    evaluation = JurisdictionEvaluation.objects.get()
    assert made.status_code == 302 and evaluation.title.startswith(f"{today().year}年度江城市")
    url = reverse("jurisdiction-evaluation-detail", args=[evaluation.pk])
    client.post(url, {"action": "score", "jurisdiction": tree["j"]["b"].pk, "key": "linkage",
                      "score": "9.5", "note": "配合良好"})  # fmt: skip
    client.post(url, {"action": "score", "jurisdiction": tree["j"]["b"].pk, "key": "linkage",
                      "score": "99"})  # over the weight: refused, nothing changed  # fmt: skip
    assert evaluation.scores.get(jurisdiction=tree["j"]["b"]).manual["linkage"]["score"] == 9.5
    client.get(url)
    with django_assert_num_queries(5):  # session, user, bell, the evaluation, its rows
        assert client.get(url).status_code == 200
    with django_assert_num_queries(4):  # session, user, bell, the page of evaluations
        assert client.get(reverse("jurisdiction-evaluation-list")).status_code == 200
    second = UserFactory(role=User.Role.OFFICE, jurisdiction=tree["j"]["city"])
    client.force_login(second)
    client.post(url, {"action": "publish"})
    evaluation.refresh_from_db()
    assert evaluation.status == JurisdictionEvaluation.Status.PUBLISHED
