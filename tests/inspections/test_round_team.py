"""A round's inspection team (市县联动): staff of the round's jurisdiction and of those below it,
so that a city's joint round takes county staff, and a county's round none of the city's."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.models import User
from config.errors import InvalidInput
from inspections.services import round_save
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_the_city_s_round_takes_county_staff_on_its_team(tree, client_for, client):
    city_round, office_a = tree["rounds"]["city"], tree["offices"]["a"]
    leader_b = UserFactory(username="leader_b", role=User.Role.LEADER, jurisdiction=tree["j"]["b"])

    response = client_for(tree["offices"]["city"]).patch(
        reverse("api:round-detail", args=[city_round.pk]),
        {"team": [office_a.pk, leader_b.pk]},
        format="json",
    )

    assert response.status_code == 200, response.content
    assert set(city_round.team.all()) == {office_a, leader_b}
    client.force_login(tree["offices"]["city"])
    page = client.get(reverse("round-detail", args=[city_round.pk])).content.decode()
    assert 'id="round-team"' in page and "甲县" in page


def test_a_county_s_round_takes_no_one_from_above_or_beside_it(tree):
    a_round, j = tree["rounds"]["a"], tree["j"]
    liaison = UserFactory(username="liaison_a", role=User.Role.LIAISON, unit=tree["units"]["a"])
    for outsider in (tree["offices"]["city"], tree["offices"]["b"], liaison):
        with pytest.raises(InvalidInput) as refused:
            round_save(
                actor=tree["offices"]["a"], fields={"team": [outsider]}, inspection_round=a_round
            )
        assert refused.value.field == "team"
    assert not a_round.team.exists()
    round_save(
        actor=tree["offices"]["a"],
        fields={"team": [tree["offices"]["a"]]},
        inspection_round=a_round,
    )
    assert list(a_round.team.all()) == [tree["offices"]["a"]]
    assert j["a"].pk == a_round.jurisdiction_id


def test_the_form_offers_the_staff_of_the_jurisdictions_below(tree, client):
    client.force_login(tree["offices"]["a"])
    form = client.get(reverse("round-edit", args=[tree["rounds"]["a"].pk])).context["form"]
    assert set(form.fields["team"].queryset) == {tree["offices"]["a"]}
