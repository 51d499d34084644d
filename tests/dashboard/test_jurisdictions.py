"""The city's dashboard compares its counties (下级对比) and drills into one: each county's
numbers are exactly those its own office reads, a joint round's county measure counts once
for each, and nobody drills sideways or up."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator

from accounts.models import Jurisdiction, User
from accounts.selectors import jurisdiction_scope
from dashboard.selectors import viewing_as
from rectification.models import Measure
from rectification.selectors import measures_visible_to
from tests.factories import MeasureFactory, ProblemFactory, RoundFactory, UnitFactory, UserFactory

from .test_drilldown import KPI_NUMBERS, expected, kpi_links, listed

pytestmark = pytest.mark.django_db

Level = Jurisdiction.Level
S = Measure.Status
NUMBERS = (
    "total",
    "closed",
    "submitted",
    "in_progress",
    "not_started",
    "long_term",
    "overdue",
    "due_soon",
    "due_by_today",
    "closed_on_time",
    "extended",
    "completion_rate",
    "on_time_rate",
    "problems",
    "problems_completed",
    "problems_in_progress",
    "problem_completion_rate",
)


def _measures(round_, unit, day: datetime.date, n: int = 3) -> list[Measure]:
    """`n` measures of a new problem of `round_` led by `unit`: one overdue, one due within
    the week, one signed off on time, then more overdue."""
    problem = ProblemFactory(round=round_)
    made = []
    for i in range(n):
        kind = i % 3
        made.append(
            MeasureFactory(
                problem=problem,
                seq=i + 1,
                lead_unit=unit,
                deadline=day + datetime.timedelta(days=(-5, 3, -20)[kind]),
                status=(S.IN_PROGRESS, S.NOT_STARTED, S.CLOSED)[kind],
                submitted_at=timezone.now() - datetime.timedelta(days=30) if kind == 2 else None,
                closed_at=timezone.now() - datetime.timedelta(days=25) if kind == 2 else None,
            )
        )
    return made


def build(counties: int = 2) -> dict:
    """A province over a city over `counties` counties, each with a unit, a round and its
    measures; the city's joint round holds one measure led by county A's unit (市县联动)."""
    day = timezone.localdate()
    province = Jurisdiction.objects.create(name="省委巡视办", short_name="省", level=Level.PROVINCE)
    city = Jurisdiction.objects.create(
        name="江城市委巡察办", short_name="江城市", level=Level.CITY, parent=province
    )
    below = [
        Jurisdiction.objects.create(
            name=f"{'甲乙丙丁戊己'[i]}县县委巡察办",
            short_name=f"{'甲乙丙丁戊己'[i]}县",
            level=Level.COUNTY,
            parent=city,
        )
        for i in range(counties)
    ]
    units, rounds = {}, {}
    for key, j in [("city", city)] + [(f"c{i}", c) for i, c in enumerate(below)]:
        units[key] = UnitFactory(name=f"{key}单位", jurisdiction=j)
        rounds[key] = RoundFactory(name=f"{key}轮次", target_unit=units[key], jurisdiction=j)
    for i, key in enumerate(["city"] + [f"c{i}" for i in range(counties)]):
        _measures(rounds[key], units[key], day, n=2 + i)
    joint = MeasureFactory(
        problem=ProblemFactory(round=rounds["city"]),
        lead_unit=units["c0"],
        deadline=day - datetime.timedelta(days=2),
        status=S.IN_PROGRESS,
    )
    # A problem of the joint round done in full by the city's unit and county B's together.
    shared = ProblemFactory(round=rounds["city"])
    for seq, key in ((1, "city"), (2, "c1")):
        MeasureFactory(
            problem=shared,
            seq=seq,
            lead_unit=units[key],
            deadline=day + datetime.timedelta(days=10),
            status=S.CLOSED,
            submitted_at=timezone.now(),
            closed_at=timezone.now(),
        )
    offices = {
        key: UserFactory(username=f"office_{key}", role=User.Role.OFFICE, jurisdiction=j)
        for key, j in [("province", province), ("city", city)]
        + [(f"c{i}", c) for i, c in enumerate(below)]
    }
    leader = UserFactory(username="leader_city", role=User.Role.LEADER, jurisdiction=city)
    return {"province": province, "city": city, "below": below, "units": units,
            "rounds": rounds, "joint": joint, "offices": offices, "leader": leader}  # fmt: skip


@pytest.fixture
def world():
    return build()


def numbers(row: dict) -> dict:
    return {name: row[name] for name in NUMBERS}


def test_each_county_s_row_is_that_county_office_s_own_dashboard(world, client_for):
    rows = client_for(world["offices"]["city"]).get("/api/v1/dashboard/jurisdictions/").json()
    assert [r["jurisdiction"] for r in rows["results"]] == [c.pk for c in world["below"]]
    for row, key in zip(rows["results"], ["c0", "c1"], strict=True):
        own = client_for(world["offices"][key]).get("/api/v1/dashboard/summary/").json()
        assert numbers(row) == numbers(own)
        assert row["total"] > 0
    # One level up, the city's row holds its counties too: the city office's own numbers.
    top = client_for(world["offices"]["province"]).get("/api/v1/dashboard/jurisdictions/").json()
    city = client_for(world["offices"]["city"]).get("/api/v1/dashboard/summary/").json()
    assert [r["name"] for r in top["results"]] == ["江城市委巡察办"]
    assert numbers(top["results"][0]) == numbers(city)


def test_a_joint_round_s_county_measure_counts_once_for_the_city_and_once_for_the_county(
    world, client_for
):
    # The city: 2 + 3 + 4 measures of its own and its counties' rounds, and the joint three.
    city = client_for(world["offices"]["city"]).get("/api/v1/dashboard/summary/").json()
    assert city["total"] == 12 == Measure.objects.count()
    assert (city["problems"], city["problems_completed"]) == (5, 1)
    assert city["overdue"] == 1 + 1 + 2 + 1
    rows = client_for(world["offices"]["city"]).get("/api/v1/dashboard/jurisdictions/").json()
    by_name = {r["short_name"]: r for r in rows["results"]}
    # County A: its 3 and the joint one, overdue in both its own round and the city's.
    assert by_name["甲县"]["total"] == 4
    assert by_name["甲县"]["overdue"] == 2
    assert by_name["乙县"]["total"] == 5
    assert by_name["乙县"]["overdue"] == 2
    # Problems: each county's own and the joint round's it takes part in, each once.
    assert (by_name["甲县"]["problems"], by_name["甲县"]["problems_completed"]) == (2, 0)
    assert (by_name["乙县"]["problems"], by_name["乙县"]["problems_completed"]) == (2, 1)


@pytest.mark.parametrize("path", ["summary", "units", "trend", "urges", "jurisdictions"])
def test_a_drill_in_reads_exactly_what_the_county_office_reads(world, client_for, path):
    county = world["below"][0]
    city_office, county_office = world["offices"]["city"], world["offices"]["c0"]
    drilled = client_for(city_office).get(f"/api/v1/dashboard/{path}/", {"jurisdiction": county.pk})
    own = client_for(county_office).get(f"/api/v1/dashboard/{path}/")
    assert drilled.status_code == own.status_code == 200
    body, theirs = drilled.json(), own.json()
    if path == "jurisdictions":  # it says which jurisdiction is looked at
        assert body.pop("jurisdiction") == county.pk
        assert theirs.pop("jurisdiction") is None
    assert body == theirs


def test_the_leader_drills_in_too_and_the_page_says_whose_numbers_it_shows(world):
    county = world["below"][1]
    client = Client()
    client.force_login(world["leader"])
    page = client.get("/dashboard/", {"jurisdiction": county.pk}).content.decode()
    assert "正在查看：乙县县委巡察办" in page
    assert 'id="back-to-own" href="/dashboard/"' in page
    assert f'name="jurisdiction" value="{county.pk}"' in page
    # The charts ask the API for the county too.
    assert f"/api/v1/dashboard/trend/?jurisdiction={county.pk}" in page
    own = client.get("/dashboard/").content.decode()
    assert "下级对比" in own
    assert f'href="/dashboard/?jurisdiction={county.pk}"' in own
    assert "正在查看" not in own


def test_nobody_drills_sideways_or_up(world, client_for):
    a, b = world["below"]
    office_a = world["offices"]["c0"]
    client = Client()
    client.force_login(office_a)
    for target in (b.pk, world["city"].pk, world["province"].pk, 999999, "x"):
        assert client.get("/dashboard/", {"jurisdiction": target}).status_code == 404
        for path in ("summary", "units", "trend", "urges", "jurisdictions"):
            answer = client_for(office_a).get(
                f"/api/v1/dashboard/{path}/", {"jurisdiction": target}
            )
            assert answer.status_code == 404, (path, target)
    # Its own jurisdiction is its own dashboard; a county without counties compares nothing.
    own = client.get("/dashboard/", {"jurisdiction": a.pk})
    assert own.status_code == 200
    assert "正在查看" not in own.content.decode()
    rows = client_for(office_a).get("/api/v1/dashboard/jurisdictions/").json()
    assert rows["results"] == []


def test_a_liaison_has_no_comparison(world, client_for):
    liaison = UserFactory(role=User.Role.LIAISON, unit=world["units"]["c0"])
    answer = client_for(liaison).get("/api/v1/dashboard/jurisdictions/")
    assert answer.status_code == 403


@pytest.mark.parametrize("counties", [2, 6])
def test_the_comparison_costs_the_same_for_2_or_6_counties(
    counties, client_for, django_assert_num_queries
):
    w = build(counties)
    client = client_for(w["offices"]["city"])
    # the counties' names, one grouped query of the measures' rollups by round and lead unit,
    # the rounds' and the units' jurisdictions, the problems' rollups by round, the cells of
    # joint rounds and their problems (the tree is read from the cache, warmed).
    client.get("/api/v1/dashboard/jurisdictions/")
    with django_assert_num_queries(7):
        assert client.get("/api/v1/dashboard/jurisdictions/").status_code == 200
    # Drilled in: the jurisdiction asked for, then the same seven.
    with django_assert_num_queries(8):
        answer = client.get("/api/v1/dashboard/jurisdictions/", {"jurisdiction": w["city"].pk})
        assert answer.status_code == 200


@pytest.mark.parametrize("counties", [2, 6])
def test_the_page_with_its_comparison_costs_the_same_for_2_or_6_counties(
    counties, django_assert_num_queries
):
    w = build(counties)
    client = Client()
    client.force_login(w["offices"]["city"])
    client.get("/dashboard/")
    # The 19 of the dashboard page (tests/dashboard/test_dashboard.py) and the comparison's 7.
    with django_assert_num_queries(26):
        assert client.get("/dashboard/").status_code == 200
    # Drilled in: the jurisdiction asked for, and a county compares nothing below it.
    with django_assert_num_queries(20):
        answer = client.get("/dashboard/", {"jurisdiction": w["below"][0].pk})
        assert answer.status_code == 200


def test_the_schema_documents_the_comparison_and_the_drill_in(db):
    paths = SchemaGenerator().get_schema(request=None, public=True)["paths"]
    for path in ("jurisdictions", "summary", "units", "trend", "urges"):
        parameters = paths[f"/api/v1/dashboard/{path}/"]["get"]["parameters"]
        assert "jurisdiction" in {p["name"] for p in parameters}
    answer = paths["/api/v1/dashboard/jurisdictions/"]["get"]["responses"]["200"]
    assert answer["content"]["application/json"]["schema"]["$ref"].endswith("/Jurisdictions")


def test_a_drilled_in_number_opens_the_measures_the_county_office_reads(world, client_for):
    county = world["below"][0]
    city_office, county_office = world["offices"]["city"], world["offices"]["c0"]
    client = Client()
    client.force_login(city_office)
    page = client.get("/dashboard/", {"jurisdiction": county.pk}).content.decode()
    assert f'href="/measures/?jurisdiction={county.pk}&amp;as_of=' in page
    assert client.get("/measures/", {"jurisdiction": county.pk}).status_code == 200

    def ids(user, **params) -> set[int]:
        answer = client_for(user).get("/api/v1/measures/", {"page_size": 100, **params})
        assert answer.status_code == 200
        return {row["id"] for row in answer.json()["results"]}

    theirs = ids(county_office)
    assert world["joint"].pk in theirs
    assert ids(city_office, jurisdiction=county.pk) == theirs
    assert ids(city_office, jurisdiction=county.pk, counted="overdue") == ids(
        county_office, counted="overdue"
    )
    # The filter only narrows: the county asking for its sibling gets nothing of it.
    assert ids(county_office, jurisdiction=world["below"][1].pk) == set()


@pytest.mark.parametrize("chosen", ["round", "unit", "as_of"])
def test_the_comparison_under_a_filter_is_each_county_office_s_own_under_it(
    world, client_for, chosen
):
    # A problem of the joint round led by county A's other unit only: under county A's unit,
    # neither county A's office nor the city's row for it counts that problem.
    MeasureFactory(
        problem=ProblemFactory(round=world["rounds"]["city"]),
        lead_unit=UnitFactory(name="c0另一单位", jurisdiction=world["below"][0]),
        deadline=timezone.localdate() + datetime.timedelta(days=4),
        status=S.IN_PROGRESS,
    )
    params = {
        "round": {"round": world["rounds"]["city"].pk},  # the joint round
        "unit": {"unit": world["units"]["c0"].pk},
        "as_of": {"as_of": (timezone.localdate() + datetime.timedelta(days=8)).isoformat()},
    }[chosen]
    rows = client_for(world["offices"]["city"]).get("/api/v1/dashboard/jurisdictions/", params)
    compared = 0
    for row, key in zip(rows.json()["results"], ["c0", "c1"], strict=True):
        own = client_for(world["offices"][key]).get("/api/v1/dashboard/summary/", params)
        if own.status_code == 400:  # county B cannot choose county A's unit
            continue
        assert numbers(row) == numbers(own.json())
        compared += 1
    assert compared == (1 if chosen == "unit" else 2)


def test_a_drill_in_two_levels_down_leads_one_level_up_but_never_above_the_user(world):
    county, city = world["below"][0], world["city"]
    client = Client()
    client.force_login(world["offices"]["province"])
    page = client.get("/dashboard/", {"jurisdiction": county.pk}).content.decode()
    assert "正在查看：甲县县委巡察办" in page
    assert f'id="up-one" href="/dashboard/?jurisdiction={city.pk}"' in page
    # The city's own comparison, drilled into from the province, opens its counties.
    page = client.get("/dashboard/", {"jurisdiction": city.pk}).content.decode()
    assert 'id="up-one"' not in page
    assert f'href="/dashboard/?jurisdiction={county.pk}"' in page
    client.force_login(world["offices"]["city"])
    page = client.get("/dashboard/", {"jurisdiction": county.pk}).content.decode()
    assert 'id="up-one"' not in page
    page = client.get("/dashboard/", {"jurisdiction": city.pk}).content.decode()
    assert 'id="up-one"' not in page


def test_reading_as_a_county_leaves_the_signed_in_user_as_they_are(world, admin_user, client_for):
    county = world["below"][0]
    city_office = world["offices"]["city"]
    before = jurisdiction_scope(city_office)
    viewer = viewing_as(city_office, county)
    assert jurisdiction_scope(viewer) == {county.pk}
    assert city_office.jurisdiction == world["city"]
    assert jurisdiction_scope(city_office) == before
    # The bootstrap superuser reads a county as its office does, not as everyone.
    drilled = client_for(admin_user).get("/api/v1/dashboard/summary/", {"jurisdiction": county.pk})
    own = client_for(world["offices"]["c0"]).get("/api/v1/dashboard/summary/")
    assert drilled.json() == own.json()
    assert admin_user.is_superuser


@pytest.mark.parametrize("county", [0, 1])
def test_each_kpi_card_of_a_drill_in_opens_exactly_the_county_s_measures(world, county):
    target, office = world["below"][county], world["offices"][f"c{county}"]
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(world["leader"])
    page = client.get("/dashboard/", {"jurisdiction": target.pk})
    summary, links = page.context["summary"], kpi_links(page.content.decode())
    theirs = list(measures_visible_to(office).select_related("problem"))
    want = expected(theirs, timezone.localdate())
    assert set(KPI_NUMBERS) <= set(links)
    for card, (number, measures) in KPI_NUMBERS.items():
        got = listed(client, links[card])
        assert got == want[measures], card
        if number is not None:
            assert summary[number] == len(got), card
