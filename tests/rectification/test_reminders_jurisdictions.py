"""Reminders and digests go only to the jurisdiction whose work they are (DESIGN.md section 12):
a round's to its own office; a measure of a joint round also to the office of its lead unit's
county; a city's office is not told of its counties' own rounds."""

from __future__ import annotations

import datetime
import zoneinfo

import pytest

from accounts.models import Jurisdiction, User
from reminders import services as reminders
from reminders.models import Notification, ReminderLog
from reminders.services import Kind
from tests.factories import (
    ClueFactory,
    MeasureFactory,
    ProblemFactory,
    RoundFactory,
    UnitFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
TUESDAY = datetime.date(2026, 11, 10)
Level = Jurisdiction.Level


@pytest.fixture
def city_and_counties(time_machine):
    time_machine.move_to(
        datetime.datetime.combine(TUESDAY, datetime.time(9), tzinfo=SHANGHAI), tick=False
    )
    city = Jurisdiction.objects.create(name="江城市委巡察办", short_name="江城市", level=Level.CITY)
    a = Jurisdiction.objects.create(
        name="甲县县委巡察办", short_name="甲县", level=Level.COUNTY, parent=city
    )
    b = Jurisdiction.objects.create(
        name="乙县县委巡察办", short_name="乙县", level=Level.COUNTY, parent=city
    )
    j = {"city": city, "a": a, "b": b}
    units = {key: UnitFactory(name=f"{key}单位", jurisdiction=j[key]) for key in j}
    rounds = {key: RoundFactory(name=f"{key}轮次", target_unit=units[key]) for key in j}
    late = TUESDAY - datetime.timedelta(days=3)
    for key in j:
        MeasureFactory(
            problem=ProblemFactory(round=rounds[key]), lead_unit=units[key], deadline=late
        )
    # The city's joint round holds a measure led by county A's unit (市县联动).
    MeasureFactory(
        problem=ProblemFactory(round=rounds["city"]), lead_unit=units["a"], deadline=late
    )
    ClueFactory(round=rounds["a"], summary="甲县线索")
    offices = {
        key: UserFactory(username=f"office_{key}", role=User.Role.OFFICE, jurisdiction=j[key])
        for key in j
    }
    return {"units": units, "rounds": rounds, "offices": offices}


def sweep() -> None:
    reminders.sweep(dispatch=lambda delivery_id: None)


def digest_of(user: User) -> str:
    return Notification.objects.get(recipient=user, kind=Kind.DIGEST).body


def test_each_office_s_digest_holds_its_own_rounds_and_the_joint_measures_of_its_units(
    city_and_counties,
):
    rounds, units, offices = (city_and_counties[k] for k in ("rounds", "units", "offices"))
    sweep()

    groups = {
        key: {
            (r, u)
            for r in rounds
            for u in units
            if f"round={rounds[r].pk}&lead_unit={units[u].pk}&" in digest_of(offices[key])
        }
        for key in offices
    }
    assert groups == {
        "city": {("city", "city"), ("city", "a")},
        "a": {("a", "a"), ("city", "a")},
        "b": {("b", "b")},
    }


def test_a_unit_without_liaison_and_a_late_clue_are_told_to_their_own_office(city_and_counties):
    units, offices = city_and_counties["units"], city_and_counties["offices"]
    sweep()

    def told(kind: str) -> set[tuple[str, str]]:
        logs = ReminderLog.objects.filter(kind=kind).select_related("recipient", "unit", "clue")
        return {
            (log.recipient.username, log.unit.name if log.unit else log.clue.summary)
            for log in logs
        }

    assert told(Kind.UNIT_WITHOUT_LIAISON) == {
        (offices[key].username, units[key].name) for key in units
    }
    assert {who for who, _summary in told(Kind.FEEDBACK_RED)} == {"office_a"}
