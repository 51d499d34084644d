"""Whose measures an office writes: in its own rounds any, led by units of the round's
jurisdiction or below; in a joint round of the level above, only those its own units lead."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from config.errors import InvalidInput, NotAllowed
from rectification import services
from rectification.models import Measure
from rectification.selectors import measures_visible_to

pytestmark = pytest.mark.django_db

DEADLINE = datetime.date(2027, 3, 31)


def test_a_county_adds_a_measure_of_its_own_unit_to_the_city_s_joint_problem(tree):
    office_a, city = tree["offices"]["a"], tree["offices"]["city"]
    joint_problem = tree["measures"]["joint"].problem

    added = services.measure_create(
        actor=office_a, problem=joint_problem, text="县级细化措施",
        lead_unit=tree["units"]["a"], deadline=DEADLINE,
    )  # fmt: skip

    assert added in measures_visible_to(office_a) and added in measures_visible_to(city)
    assert added not in measures_visible_to(tree["offices"]["b"])
    for lead in (None, tree["units"]["city"]):
        with pytest.raises(NotAllowed):
            services.measure_create(
                actor=office_a, problem=joint_problem, text="越权", lead_unit=lead,
                deadline=DEADLINE,
            )  # fmt: skip
    assert not Measure.objects.filter(text="越权").exists()


def test_a_county_changes_its_units_joint_measures_and_nothing_else_of_the_round(tree):
    office_a, m = tree["offices"]["a"], tree["measures"]

    services.measure_update(
        measure_id=m["joint"].pk, actor=office_a, changes={"deadline": DEADLINE}
    )
    with pytest.raises(NotAllowed):
        services.measure_update(
            measure_id=m["city"].pk, actor=office_a, changes={"deadline": DEADLINE}
        )
    with pytest.raises(NotAllowed):  # handing its measure to a unit of the city
        services.measure_update(
            measure_id=m["joint"].pk, actor=office_a, changes={"lead_unit": tree["units"]["city"]}
        )
    with pytest.raises(NotAllowed):
        services.measure_delete(measure_id=m["city"].pk, actor=office_a)
    assert Measure.objects.get(pk=m["joint"].pk).deadline == DEADLINE
    assert Measure.objects.get(pk=m["city"].pk).deadline != DEADLINE


def test_a_round_s_measures_are_led_within_its_jurisdiction(tree):
    city, m = tree["offices"]["city"], tree["measures"]
    # County A's round cannot be handed to county B's unit, not even by the city.
    with pytest.raises(InvalidInput):
        services.measure_update(
            measure_id=m["a"].pk, actor=city, changes={"lead_unit": tree["units"]["b"]}
        )
    # The city's own round may be led by its counties' units (a joint round).
    services.measure_update(
        measure_id=m["city"].pk, actor=city, changes={"lead_unit": tree["units"]["b"]}
    )


def test_the_api_refuses_a_county_s_measure_without_its_unit_in_a_joint_problem(
    tree,
    client_for,
):
    response = client_for(tree["offices"]["a"]).post(
        reverse("api:measure-list"),
        {
            "problem": tree["measures"]["joint"].problem_id,
            "text": "无牵头单位",
            "deadline": "2027-03-31",
        },
        format="json",
    )
    assert response.status_code == 403, response.content
    assert not Measure.objects.filter(text="无牵头单位").exists()
