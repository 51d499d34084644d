"""Urge notices (督办单): the whole cycle through the API, its history rows and reminders,
who sees and who may do what, and refusals that save nothing."""

from __future__ import annotations

import datetime

import pytest

from rectification.models import Measure, StatusChange
from reminders import services as reminders
from reminders.models import Notification, ReminderLog
from reminders.services import Kind
from supervision.models import UrgeNotice, UrgeReply
from tests.factories import MeasureFactory, UserFactory

from .helpers import add_evidence

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 11, 20)  # conftest.SHANGHAI_TODAY
URL = "/api/v1/urges/"


def due(days: int) -> str:
    return (TODAY + datetime.timedelta(days=days)).isoformat()


def issue(client, **body):
    body.setdefault("level", "remind")
    body.setdefault("reason", "整改进度明显滞后")
    body.setdefault("reply_due", due(7))
    return client.post(URL, body, format="json")


def sweep(day: datetime.date) -> reminders.SweepResult:
    return reminders.sweep(as_of=day, dispatch=lambda delivery_id: None)


def actions(measure: Measure) -> list[str]:
    return list(measure.history.order_by("at", "id").values_list("action", flat=True))


@pytest.fixture(autouse=True)
def _clock(shanghai_clock):
    return shanghai_clock


def test_the_whole_urge_cycle_through_the_api(
    client_for, office, liaison_a, measure_a, time_machine
):
    office_api, liaison_api = client_for(office), client_for(liaison_a)

    # Office issues a reminder-level notice on unit A's measure.
    response = issue(office_api, measure=measure_a.pk)
    assert response.status_code == 201, response.json()
    first = response.json()
    assert first["unit"] == measure_a.lead_unit_id
    assert first["measures"] == [measure_a.pk]
    assert first["status"] == "open" and first["level"] == "remind"

    # The sweep tells the liaison once; a second sweep tells nobody again.
    sweep(TODAY)
    sweep(TODAY)
    issued = ReminderLog.objects.filter(kind=Kind.URGE_ISSUED)
    assert [log.recipient for log in issued] == [liaison_a]
    assert Notification.objects.filter(recipient=liaison_a, kind=Kind.URGE_ISSUED).count() == 1

    # Nobody replies by the due date: the liaison and the issuer hear of it, once.
    late = TODAY + datetime.timedelta(days=8)
    sweep(late)
    sweep(late)
    overdue = ReminderLog.objects.filter(kind=Kind.URGE_OVERDUE)
    assert sorted(log.recipient.username for log in overdue) == ["clerk", "liaison_a"]

    # The liaison replies with text and evidence already on the measure.
    evidence = add_evidence(measure_a, liaison_a)
    response = liaison_api.post(
        f"{URL}{first['id']}/reply/",
        {"text": "已制定整改计划，本周完成", "evidence": [evidence.pk]},
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["status"] == "replied"
    assert response.json()["replies"][0]["evidence"][0]["id"] == evidence.pk

    # Office presses again at a higher level: a new notice replaces the first.
    response = office_api.post(
        f"{URL}{first['id']}/escalate/",
        {"level": "interview", "reason": "回复内容空泛，约谈主要负责人", "reply_due": due(5)},
        format="json",
    )
    assert response.status_code == 201, response.json()
    second = response.json()
    assert second["level"] == "interview" and second["status"] == "open"
    old = UrgeNotice.objects.get(pk=first["id"])
    assert old.status == "escalated" and old.replaced_by_id == second["id"]

    # The liaison replies to the new one and the office accepts it.
    response = liaison_api.post(
        f"{URL}{second['id']}/reply/", {"text": "主要负责人已接受约谈，整改完成"}, format="json"
    )
    assert response.status_code == 201
    response = office_api.post(f"{URL}{second['id']}/accept/", {"comment": "同意"}, format="json")
    assert response.status_code == 200
    assert response.json()["status"] == "accepted"

    # Every step is in the measure's history, oldest first.
    assert actions(measure_a) == [
        "urge",
        "urge_reply",
        "urge_escalate",
        "urge_reply",
        "urge_accept",
    ]
    history = client_for(office).get(f"/api/v1/measures/{measure_a.pk}/history/").json()
    assert history[0]["comment"].startswith(str(UrgeNotice.Level.REMIND.label))
    assert "约谈主要负责人" in history[2]["comment"]
    # The measure itself did not change: no version raised, no state moved.
    measure_a.refresh_from_db()
    assert measure_a.version == 1 and measure_a.status == Measure.Status.NOT_STARTED


def test_a_notice_on_a_unit_covers_several_of_its_measures(
    client_for, office, liaison_a, problem, unit_a, unit_b
):
    one = MeasureFactory(problem=problem, lead_unit=unit_a)
    two = MeasureFactory(problem=problem, lead_unit=unit_a)
    response = issue(client_for(office), unit=unit_a.pk, measures=[one.pk, two.pk], level="urge")
    assert response.status_code == 201, response.json()
    assert response.json()["measure"] is None
    assert sorted(response.json()["measures"]) == sorted([one.pk, two.pk])
    assert actions(one) == ["urge"] and actions(two) == ["urge"]

    other = MeasureFactory(problem=problem, lead_unit=unit_b)
    response = issue(client_for(office), unit=unit_a.pk, measures=[one.pk, other.pk])
    assert response.status_code == 400
    assert "measures" in response.json()


def test_pressing_again_needs_a_higher_level(client_for, office, measure_a):
    notice = issue(client_for(office), measure=measure_a.pk, level="interview").json()
    same = client_for(office).post(
        f"{URL}{notice['id']}/escalate/",
        {"level": "remind", "reason": "再催", "reply_due": due(3)},
        format="json",
    )
    assert same.status_code == 400
    top = client_for(office).post(
        f"{URL}{notice['id']}/escalate/", {"reason": "通报", "reply_due": due(3)}, format="json"
    )
    assert top.status_code == 201 and top.json()["level"] == "notice"
    beyond = client_for(office).post(
        f"{URL}{top.json()['id']}/escalate/",
        {"reason": "再通报", "reply_due": due(3)},
        format="json",
    )
    assert beyond.status_code == 409


def test_a_measure_has_one_live_notice_at_a_time(client_for, office, measure_a):
    assert issue(client_for(office), measure=measure_a.pk).status_code == 201
    response = issue(client_for(office), measure=measure_a.pk, level="urge")
    assert response.status_code == 409
    assert UrgeNotice.objects.count() == 1
    assert actions(measure_a) == ["urge"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"reason": "  "}, "reason"),
        ({"reply_due": "2026-11-01"}, "reply_due"),
        ({"level": "shout"}, "level"),
        ({"reply_due": "not a date"}, "reply_due"),
    ],
)
def test_a_bad_notice_is_refused_and_nothing_is_saved(client_for, office, measure_a, body, field):
    response = issue(client_for(office), measure=measure_a.pk, **body)
    assert response.status_code == 400
    assert field in response.json()
    assert not UrgeNotice.objects.exists() and not StatusChange.objects.exists()


def test_a_signed_off_measure_cannot_be_urged(client_for, office, measure_a):
    Measure.objects.filter(pk=measure_a.pk).update(
        status=Measure.Status.CLOSED, closed_at=datetime.datetime(2026, 9, 1, tzinfo=datetime.UTC)
    )
    assert issue(client_for(office), measure=measure_a.pk).status_code == 409


def test_accepting_needs_a_reply_first(client_for, office, measure_a):
    notice = issue(client_for(office), measure=measure_a.pk).json()
    response = client_for(office).post(f"{URL}{notice['id']}/accept/", {}, format="json")
    assert response.status_code == 409
    assert UrgeNotice.objects.get().status == "open"


def test_an_empty_reply_is_refused(client_for, office, liaison_a, measure_a):
    notice = issue(client_for(office), measure=measure_a.pk).json()
    response = client_for(liaison_a).post(f"{URL}{notice['id']}/reply/", {"text": " "})
    assert response.status_code == 400
    assert not UrgeReply.objects.exists()


def test_reply_evidence_must_belong_to_the_notices_measures(
    client_for, office, liaison_a, measure_a, problem, unit_a
):
    other = MeasureFactory(problem=problem, lead_unit=unit_a)
    stray = add_evidence(other, liaison_a)
    notice = issue(client_for(office), measure=measure_a.pk).json()
    response = client_for(liaison_a).post(
        f"{URL}{notice['id']}/reply/", {"text": "见附件", "evidence": [stray.pk]}, format="json"
    )
    assert response.status_code == 400
    assert not UrgeReply.objects.exists()
    assert UrgeNotice.objects.get().status == "open"


# --- Who sees and who does what ----------------------------------------------------------


def test_a_liaison_sees_only_notices_to_their_unit(
    client_for, office, liaison_a, liaison_b, measure_a, measure_b
):
    a = issue(client_for(office), measure=measure_a.pk).json()
    b = issue(client_for(office), measure=measure_b.pk).json()
    seen = [n["id"] for n in client_for(liaison_a).get(URL).json()["results"]]
    assert seen == [a["id"]]
    assert client_for(liaison_a).get(f"{URL}{b['id']}/").status_code == 404
    # Nor can they reply to the other unit's notice: it does not exist for them.
    response = client_for(liaison_a).post(f"{URL}{b['id']}/reply/", {"text": "x"})
    assert response.status_code == 404


def test_leaders_read_every_notice_and_write_none(client_for, office, leader, measure_a):
    notice = issue(client_for(office), measure=measure_a.pk).json()
    assert client_for(leader).get(URL).json()["count"] == 1
    assert issue(client_for(leader), measure=measure_a.pk).status_code == 403
    response = client_for(leader).post(f"{URL}{notice['id']}/reply/", {"text": "x"})
    assert response.status_code == 403
    assert client_for(leader).post(f"{URL}{notice['id']}/accept/", {}).status_code == 403


def test_a_liaison_cannot_issue_accept_or_press(client_for, office, liaison_a, measure_a):
    assert issue(client_for(liaison_a), measure=measure_a.pk).status_code == 403
    notice = issue(client_for(office), measure=measure_a.pk).json()
    client_for(liaison_a).post(f"{URL}{notice['id']}/reply/", {"text": "已整改"})
    assert client_for(liaison_a).post(f"{URL}{notice['id']}/accept/", {}).status_code == 403
    response = client_for(liaison_a).post(
        f"{URL}{notice['id']}/escalate/", {"reason": "x", "reply_due": due(3)}, format="json"
    )
    assert response.status_code == 403


def test_an_outsider_sees_nothing(client_for, office, measure_a, unit_top):
    issue(client_for(office), measure=measure_a.pk)
    stranger = UserFactory(role="liaison", unit=unit_top)
    assert client_for(stranger).get(URL).json()["count"] == 0
    assert client_for(None).get(URL).status_code in (401, 403)


def test_a_unit_without_liaison_is_reported_to_the_office(client_for, office, problem, unit_b):
    lonely = MeasureFactory(problem=problem, lead_unit=unit_b)
    issue(client_for(office), measure=lonely.pk)
    sweep(TODAY)
    assert ReminderLog.objects.filter(kind=Kind.UNIT_WITHOUT_LIAISON, recipient=office).exists()


def test_the_dashboard_counts_notices_by_level_and_unit(
    client_for, office, leader, measure_a, measure_b, problem, unit_a
):
    issue(client_for(office), measure=measure_a.pk, level="interview")
    issue(client_for(office), measure=measure_b.pk, level="remind")
    extra = MeasureFactory(problem=problem, lead_unit=unit_a)
    issue(client_for(office), measure=extra.pk, level="notice")
    body = client_for(leader).get("/api/v1/dashboard/urges/").json()
    assert body["total"] == 3
    assert {row["level"]: row["count"] for row in body["by_level"]} == {
        "remind": 1,
        "urge": 0,
        "interview": 1,
        "notice": 1,
    }
    first = body["by_unit"][0]
    assert first["unit"] == unit_a.pk and first["total"] == 2
    assert first["interview"] == 1 and first["notice"] == 1
