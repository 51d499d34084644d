"""Supervision groups by jurisdiction: a county's office forms groups of its own rounds, units
and people, and opens, changes or acts for no group of its sibling county."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.models import Jurisdiction, User
from config.errors import InvalidInput, NotAllowed
from supervision import groups
from tests.factories import RoundFactory, UnitFactory, UserFactory

pytestmark = pytest.mark.django_db

Level = Jurisdiction.Level


@pytest.fixture
def two_counties():
    city = Jurisdiction.objects.create(name="江城市委巡察办", level=Level.CITY)
    world = {}
    for key in ("a", "b"):
        j = Jurisdiction.objects.create(name=f"{key}县委巡察办", level=Level.COUNTY, parent=city)
        unit = UnitFactory(name=f"{key}单位", jurisdiction=j)
        office = UserFactory(username=f"office_{key}", role=User.Role.OFFICE, jurisdiction=j)
        member = UserFactory(username=f"member_{key}", role=User.Role.SUPERVISOR, jurisdiction=j)
        inspection_round = RoundFactory(name=f"{key}轮次", target_unit=unit)
        group = groups.group_create(
            actor=office,
            fields=groups.GroupFields(
                name=f"{key}督查组", leader=None, members=[member],
                rounds=[inspection_round], units=[unit],
            ),
        )  # fmt: skip
        world[key] = {"unit": unit, "office": office, "member": member,
                      "round": inspection_round, "group": group}  # fmt: skip
    return world


def test_the_sibling_s_group_is_not_found_nor_changed(two_counties, client):
    a, b = two_counties["a"], two_counties["b"]
    client.force_login(a["office"])

    assert client.get(reverse("group-edit", args=[b["group"].pk])).status_code == 404
    assert client.get(reverse("group-detail", args=[b["group"].pk])).status_code == 404
    assert not groups.may_act_for(a["office"], b["group"])
    with pytest.raises(NotAllowed):
        groups.group_update(
            actor=a["office"],
            group_id=b["group"].pk,
            fields=groups.GroupFields(
                name="改名", leader=None, members=[a["member"]], rounds=[a["round"]],
                units=[a["unit"]],
            ),
        )  # fmt: skip
    b["group"].refresh_from_db()
    assert b["group"].name == "b督查组"


def test_the_form_offers_and_the_service_takes_only_the_office_s_own(two_counties, client):
    a, b = two_counties["a"], two_counties["b"]
    client.force_login(a["office"])

    form = client.get(reverse("group-create")).context["form"]
    assert set(form.fields["rounds"].queryset) == {a["round"]}
    assert set(form.fields["units"].queryset) == {a["unit"]}
    assert b["member"] not in set(form.fields["members"].queryset)
    for field, chosen in (("rounds", b["round"]), ("units", b["unit"]), ("members", b["member"])):
        fields = {"rounds": [a["round"]], "units": [a["unit"]], "members": [a["member"]]}
        fields[field] = [chosen]
        with pytest.raises(InvalidInput) as refused:
            groups.group_create(
                actor=a["office"],
                fields=groups.GroupFields(name=f"新{field}", leader=None, **fields),
            )
        assert refused.value.field == field
