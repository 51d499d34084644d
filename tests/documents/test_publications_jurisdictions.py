"""Disclosure by jurisdiction: a county publishes its own rounds' reports, /public/ lists them by
inspecting body (the city's list holds its counties' too), and no office sees or touches the
drafts of another jurisdiction."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import Jurisdiction, User
from config.errors import NotAllowed
from documents.publications import (
    publication_approve,
    publication_draft,
    publication_withdraw,
    publications_visible_to,
)
from tests.factories import MeasureFactory, ProblemFactory, RoundFactory, UnitFactory, UserFactory

pytestmark = pytest.mark.django_db

Level = Jurisdiction.Level


@pytest.fixture
def published_by_each():
    city = Jurisdiction.objects.create(name="江城市委巡察办", short_name="江城市", level=Level.CITY)
    a = Jurisdiction.objects.create(
        name="甲县县委巡察办", short_name="甲县", level=Level.COUNTY, parent=city
    )
    b = Jurisdiction.objects.create(
        name="乙县县委巡察办", short_name="乙县", level=Level.COUNTY, parent=city
    )
    j = {"city": city, "a": a, "b": b}
    offices, publications = {}, {}
    for key, jurisdiction in j.items():
        unit = UnitFactory(name=f"{key}单位", jurisdiction=jurisdiction)
        inspection_round = RoundFactory(name=f"{key}轮次", target_unit=unit)
        MeasureFactory(problem=ProblemFactory(round=inspection_round), lead_unit=unit)
        clerk, second = (
            UserFactory(username=f"{key}_{n}", role=User.Role.OFFICE, jurisdiction=jurisdiction)
            for n in (1, 2)
        )
        offices[key] = clerk
        draft = publication_draft(
            actor=clerk, inspection_round=inspection_round, title=f"{key}报告"
        )
        publications[key] = publication_approve(actor=second, publication=draft)
    return {"j": j, "offices": offices, "publications": publications}


def titles(path: str) -> set[str]:
    response = Client().get(path)
    assert response.status_code == 200
    return {p.snapshot["title"] for p in response.context["publications"]}


def test_public_lists_by_inspecting_body_and_the_bodies_below(
    published_by_each, django_assert_num_queries
):
    j = published_by_each["j"]
    url = reverse("public-list")

    assert titles(url) == {"city报告", "a报告", "b报告"}
    assert titles(f"{url}?jurisdiction={j['a'].pk}") == {"a报告"}
    assert titles(f"{url}?jurisdiction={j['city'].pk}") == {"city报告", "a报告", "b报告"}
    assert Client().get(f"{url}?jurisdiction=999999").status_code == 404
    page = Client().get(f"{url}?jurisdiction={j['b'].pk}").content.decode()
    assert "乙县县委巡察办" in page and f"?jurisdiction={j['b'].pk}" in page
    with django_assert_num_queries(1):
        Client().get(url)
    with django_assert_num_queries(2):  # and the body's name
        Client().get(f"{url}?jurisdiction={j['a'].pk}")


def test_an_office_reads_and_withdraws_only_its_own_jurisdictions_reports(published_by_each):
    offices, publications = published_by_each["offices"], published_by_each["publications"]

    def seen(key: str) -> set[str]:
        return {p.title for p in publications_visible_to(offices[key])}

    assert seen("a") == {"a报告"}
    assert seen("city") == {"city报告", "a报告", "b报告"}
    with pytest.raises(NotAllowed):
        publication_withdraw(actor=offices["a"], publication=publications["b"], reason="撤回")
    with pytest.raises(NotAllowed):
        publication_draft(actor=offices["a"], inspection_round=publications["city"].round)
