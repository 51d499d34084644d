"""The one rule of whose work an office reads: its jurisdiction and every one below it, never
sideways or up; a joint round of the level above shows the county its own units' measures."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from accounts.models import Jurisdiction, User
from accounts.selectors import (
    jurisdiction_scope,
    jurisdictions_below,
    units_visible_to,
    users_visible_to,
)
from findings.selectors import problems_visible_to
from inspections.selectors import rounds_visible_to
from rectification.models import Measure
from rectification.selectors import measures_visible_to, owns_round, workbench_counts
from tests.factories import RoundFactory, UnitFactory, UserFactory

pytestmark = pytest.mark.django_db

Level = Jurisdiction.Level


def test_a_jurisdiction_reads_itself_and_below_never_sideways_or_up(tree):
    j = tree["j"]
    assert jurisdictions_below(j["city"].pk) == {j["city"].pk, j["a"].pk, j["b"].pk}
    assert jurisdictions_below(j["a"].pk) == {j["a"].pk}
    assert jurisdiction_scope(tree["offices"]["a"]) == {j["a"].pk}


def test_the_top_s_office_reads_without_a_limit(tree):
    top_office = UserFactory(role=User.Role.OFFICE, jurisdiction=Jurisdiction.objects.top())
    # A tree of one root: the top's staff read everything, and no filter is applied.
    assert Jurisdiction.objects.top() == tree["j"]["city"]
    assert jurisdiction_scope(top_office) is None


def test_the_county_sees_its_own_and_its_units_measures_in_the_city_s_joint_round(tree):
    office_a, office_b = tree["offices"]["a"], tree["offices"]["b"]
    m, rounds = tree["measures"], tree["rounds"]
    assert set(measures_visible_to(office_a)) == {m["a"], m["joint"]}
    assert set(measures_visible_to(office_b)) == {m["b"]}
    # The joint round is in A's list, but not A's own: A reads only its units' part of it.
    assert set(rounds_visible_to(office_a)) == {rounds["a"], rounds["city"]}
    assert not owns_round(office_a, rounds["city"])
    assert owns_round(office_a, rounds["a"])
    assert set(problems_visible_to(office_a)) == {m["a"].problem, m["joint"].problem}
    assert set(rounds_visible_to(office_b)) == {rounds["b"]}


def test_the_city_counts_the_joint_measure_once(tree):
    m = tree["measures"]
    late = timezone.localdate() - datetime.timedelta(days=3)
    Measure.objects.filter(pk__in=[m["a"].pk, m["joint"].pk]).update(deadline=late)
    city, office_a, office_b = (tree["offices"][key] for key in ("city", "a", "b"))
    assert measures_visible_to(city).count() == 4
    # The rollups agree: the joint measure is late for the county and once for the city.
    assert workbench_counts(city)["overdue"] == 2
    assert workbench_counts(office_a)["overdue"] == 2
    assert workbench_counts(office_b)["overdue"] == 0


def test_units_and_accounts_are_those_of_the_scope(tree):
    office_a, units = tree["offices"]["a"], tree["units"]
    assert set(units_visible_to(office_a)) == {units["a"]}
    assert units["b"] not in units_visible_to(office_a)
    admin_a = UserFactory(role=User.Role.SYSTEM_ADMIN, jurisdiction=tree["j"]["a"])
    assert tree["offices"]["b"] not in users_visible_to(admin_a)
    assert tree["offices"]["a"] in users_visible_to(admin_a)


def test_a_liaison_belongs_to_the_unit_s_jurisdiction(tree):
    liaison = UserFactory(role=User.Role.LIAISON, unit=tree["units"]["b"])
    assert liaison.jurisdiction == tree["j"]["b"]
    liaison.unit = tree["units"]["a"]
    liaison.save()
    liaison.refresh_from_db()
    assert liaison.jurisdiction == tree["j"]["a"]


def test_a_unit_and_a_round_take_their_jurisdiction_by_default(tree):
    child = UnitFactory(parent=tree["units"]["b"])
    assert child.jurisdiction == tree["j"]["b"]
    assert RoundFactory(target_unit=child).jurisdiction == tree["j"]["b"]


def test_a_change_of_the_tree_is_read_at_once(tree):
    office_a = tree["offices"]["a"]
    c = Jurisdiction.objects.create(name="丙镇", level=Level.COUNTY, parent=tree["j"]["a"])
    office_a = User.objects.get(pk=office_a.pk)
    assert jurisdiction_scope(office_a) == {tree["j"]["a"].pk, c.pk}


def test_the_joint_round_s_page_shows_the_county_its_part_and_says_so(tree, client):
    city_round = tree["rounds"]["city"]
    client.force_login(tree["offices"]["a"])
    page = client.get(f"/rounds/{city_round.pk}/").content.decode()
    assert 'id="joint-round"' in page
    assert "联动措施" in page and "city措施" not in page
    client.force_login(tree["offices"]["city"])
    page = client.get(f"/rounds/{city_round.pk}/").content.decode()
    assert 'id="joint-round"' not in page
    assert "联动措施" in page and "city措施" in page
    client.force_login(tree["offices"]["b"])
    assert client.get(f"/rounds/{city_round.pk}/").status_code == 404


def test_the_county_changes_nothing_of_the_city_s_joint_round(tree, client):
    from config.errors import NotAllowed
    from findings.services import problem_create, problem_update

    city_round, office_a = tree["rounds"]["city"], tree["offices"]["a"]
    with pytest.raises(NotAllowed):
        problem_create(actor=office_a, inspection_round=city_round, title="县里加的问题")
    with pytest.raises(NotAllowed):
        problem_update(actor=office_a, problem=tree["measures"]["joint"].problem, fields={})
    client.force_login(office_a)
    answer = client.post(
        "/api/v1/problems/",
        {"round": city_round.pk, "title": "县里加的问题"},
        content_type="application/json",
    )
    assert answer.status_code == 400 and "round" in answer.json()
    assert client.get(f"/rounds/{city_round.pk}/problems/new/").status_code == 404
    assert not city_round.problems.filter(title="县里加的问题").exists()
    # Its own round it adds to.
    problem_create(actor=office_a, inspection_round=tree["rounds"]["a"], title="县里加的问题")
