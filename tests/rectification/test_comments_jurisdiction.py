"""Mentions within the jurisdictions of a thread: a name of the sibling county is neither found
nor told, the county of a joint round's measure and the level above are."""

from __future__ import annotations

import pytest

from accounts.models import Jurisdiction, User
from rectification.comments import measure_comment_post
from reminders.models import Notification
from tests.factories import MeasureFactory, ProblemFactory, RoundFactory, UnitFactory, UserFactory

pytestmark = pytest.mark.django_db

Level = Jurisdiction.Level


def test_a_mention_reads_only_the_accounts_of_the_thread_s_jurisdictions_and_above():
    province = Jurisdiction.objects.create(name="省委巡视办", level=Level.PROVINCE)
    city = Jurisdiction.objects.create(name="江城市委巡察办", level=Level.CITY, parent=province)
    a = Jurisdiction.objects.create(name="甲县县委巡察办", level=Level.COUNTY, parent=city)
    b = Jurisdiction.objects.create(name="乙县县委巡察办", level=Level.COUNTY, parent=city)
    city_unit = UnitFactory(name="市单位", jurisdiction=city)
    a_unit = UnitFactory(name="甲县单位", jurisdiction=a)
    # A joint round of the city: the measure is led by county A's unit.
    measure = MeasureFactory(
        problem=ProblemFactory(round=RoundFactory(target_unit=city_unit)), lead_unit=a_unit
    )
    people = {
        key: UserFactory(username=f"clerk_{key}", role=User.Role.OFFICE, jurisdiction=j)
        for key, j in (("province", province), ("city", city), ("a", a), ("b", b))
    }
    liaison = UserFactory(username="liaison_a", role=User.Role.LIAISON, unit=a_unit)

    posted = measure_comment_post(
        measure=measure,
        actor=people["city"],
        text="@clerk_a @liaison_a @clerk_province 请核实 @clerk_b",
    )

    told = set(Notification.objects.values_list("recipient__username", flat=True))
    assert told == {"clerk_a", "liaison_a", "clerk_province"}
    assert posted.mentions.unknown == ["clerk_b"]
    assert liaison.pk in {u.pk for u in posted.mentions.readers}
