"""The periodic report up the line (县报市): a jurisdiction's own rounds and each jurisdiction
below it, each row as that office reads its own work; a joint round's county measure is in the
county's row and the city's own, once in the sum."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.models import Jurisdiction, User
from documents.periodic import HALF_MONTH, Period, jurisdiction_periodic_report
from rectification.models import ProgressReport, today
from tests.factories import MeasureFactory, ProblemFactory, UserFactory

pytestmark = pytest.mark.django_db


def figures(report) -> dict:
    rows = {row.unit_name: (row.measures, row.progress_reports) for row in report.rows}
    return {**rows, "total": (report.totals.measures, report.totals.progress_reports)}


@pytest.fixture
def period(tree):
    period = Period.containing(today(), HALF_MONTH)
    liaison = UserFactory(role=User.Role.LIAISON, unit=tree["units"]["a"])
    for key in ("joint", "a"):
        ProgressReport.objects.create(
            measure=tree["measures"][key], author=liaison, period=period.half_month_keys[0],
            text="已完成",
        )  # fmt: skip
    return period


def test_the_city_s_report_sums_its_counties_and_counts_a_joint_measure_once(tree, period):
    city, j = tree["offices"]["city"], tree["j"]
    report = jurisdiction_periodic_report(jurisdiction=j["city"], period=period, user=city)
    assert figures(report) == {"本级": (2, 1), "甲县": (2, 2), "乙县": (1, 0), "total": (4, 2)}
    # The city's row for each county is that county's own report.
    for key, label in (("a", "甲县"), ("b", "乙县")):
        own = jurisdiction_periodic_report(
            jurisdiction=j[key], period=period, user=tree["offices"][key]
        )
        assert figures(own)["total"] == figures(report)[label]


def test_the_page_drills_down_never_sideways_or_up(
    tree, period, client, django_assert_max_num_queries
):
    url = reverse("jurisdiction-periodic")
    client.force_login(tree["offices"]["city"])
    page = client.get(f"{url}?period={period.key}")
    assert page.status_code == 200
    assert [r["unit"].unit_name for r in page.context["rows"]] == ["本级", "甲县", "乙县"]
    drilled = client.get(f"{url}?jurisdiction={tree['j']['a'].pk}&period={period.key}")
    assert (
        drilled.context["jurisdiction"] == tree["j"]["a"]
        and 'id="periodic-up"' in drilled.content.decode()
    )

    client.force_login(tree["offices"]["a"])
    for other in ("b", "city"):
        assert client.get(f"{url}?jurisdiction={tree['j'][other].pk}").status_code == 404
    client.force_login(UserFactory(role=User.Role.LIAISON, unit=tree["units"]["a"]))
    assert client.get(url).status_code == 403


def test_the_page_costs_the_same_for_two_or_six_counties(
    tree, period, client, django_assert_num_queries
):
    client.force_login(tree["offices"]["city"])
    url = f"{reverse('jurisdiction-periodic')}?period={period.key}"
    client.get(url)
    # session, user, the bell, the jurisdiction, its children, then the four figures.
    with django_assert_num_queries(9):
        client.get(url)
    for n in range(4):
        county = Jurisdiction.objects.create(
            name=f"丙{n}县县委巡察办", level=Jurisdiction.Level.COUNTY, parent=tree["j"]["city"]
        )
        MeasureFactory(problem=ProblemFactory(round=tree["rounds"]["city"]),
                       lead_unit=tree["units"]["a"])  # fmt: skip
        assert county.pk
    client.get(url)
    with django_assert_num_queries(9):
        client.get(url)
