"""A county's system administrator keeps its own jurisdiction's units and accounts in the admin
site, and nothing of the city above or of the sibling county; every choice is drawn from there."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.models import Jurisdiction, Unit, User
from tests.factories import UnitFactory, UserFactory

pytestmark = pytest.mark.django_db

Level = Jurisdiction.Level


@pytest.fixture
def county_admin_world():
    city = Jurisdiction.objects.create(name="江城市委巡察办", short_name="江城市", level=Level.CITY)
    a = Jurisdiction.objects.create(name="甲县县委巡察办", level=Level.COUNTY, parent=city)
    b = Jurisdiction.objects.create(name="乙县县委巡察办", level=Level.COUNTY, parent=city)
    units = {key: UnitFactory(name=f"{key}单位", jurisdiction=j) for key, j in
             (("city", city), ("a", a), ("b", b))}  # fmt: skip
    people = {
        key: UserFactory(username=f"liaison_{key}", role=User.Role.LIAISON, unit=units[key])
        for key in units
    }
    admin = UserFactory(
        username="admin_a", role=User.Role.SYSTEM_ADMIN, is_staff=True, jurisdiction=a
    )
    return {"j": {"city": city, "a": a, "b": b}, "units": units, "people": people, "admin": admin}


def test_the_county_administrator_lists_only_its_own_units_and_accounts(county_admin_world, client):
    w = county_admin_world
    client.force_login(w["admin"])

    units = client.get(reverse("admin:accounts_unit_changelist"))
    users = client.get(reverse("admin:accounts_user_changelist"))
    jurisdictions = client.get(reverse("admin:accounts_jurisdiction_changelist"))

    assert {u.name for u in units.context["cl"].result_list} == {"a单位"}
    assert {u.username for u in users.context["cl"].result_list} == {"liaison_a", "admin_a"}
    assert {j.name for j in jurisdictions.context["cl"].result_list} == {"甲县县委巡察办"}


def test_the_county_administrator_cannot_open_or_change_a_sibling_s(county_admin_world, client):
    w = county_admin_world
    client.force_login(w["admin"])

    for url in (
        reverse("admin:accounts_unit_change", args=[w["units"]["b"].pk]),
        reverse("admin:accounts_user_change", args=[w["people"]["city"].pk]),
        reverse("admin:accounts_jurisdiction_change", args=[w["j"]["city"].pk]),
    ):
        response = client.get(url)
        # The admin site sends a missing object back to its index with a message.
        assert response.status_code == 302, url

    posted = client.post(
        reverse("admin:accounts_unit_add"),
        {"name": "新单位", "kind": Unit.Kind.DEPARTMENT, "jurisdiction": w["j"]["b"].pk,
         "is_active": "on"},
    )  # fmt: skip
    assert posted.status_code == 200  # the form again: 乙县 is not a choice
    assert not Unit.objects.filter(name="新单位").exists()

    form = client.get(reverse("admin:accounts_unit_add")).context["adminform"].form
    assert set(form.fields["jurisdiction"].queryset) == {w["j"]["a"]}
    assert form.fields["jurisdiction"].required
    parent = client.get(reverse("admin:accounts_jurisdiction_add")).context["adminform"].form
    assert set(parent.fields["parent"].queryset) == {w["j"]["a"]}
    assert parent.fields["parent"].required


def test_the_county_administrator_adds_a_unit_of_its_own(county_admin_world, client):
    w = county_admin_world
    client.force_login(w["admin"])

    posted = client.post(
        reverse("admin:accounts_unit_add"),
        {"name": "甲县新单位", "kind": Unit.Kind.DEPARTMENT, "jurisdiction": w["j"]["a"].pk,
         "is_active": "on"},
    )  # fmt: skip

    assert posted.status_code == 302, posted.context["adminform"].form.errors
    assert Unit.objects.get(name="甲县新单位").jurisdiction == w["j"]["a"]
