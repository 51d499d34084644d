"""Lists count what a person can use: exactly up to LIST_COUNT_CAP, then "N+", in the pages and
in the API (`count_is_exact`), so that a common word over a million measures costs no full
count."""

from __future__ import annotations

import pytest
from drf_spectacular.generators import SchemaGenerator

from config.api import DeferredJoinPaginator
from rectification.models import Measure

from .factories import MeasureFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def measures(problem, unit_a):
    return [MeasureFactory(problem=problem, seq=n, lead_unit=unit_a) for n in range(1, 13)]


def test_the_count_is_exact_up_to_the_cap(settings, measures):
    settings.LIST_COUNT_CAP = 12
    paginator = DeferredJoinPaginator(Measure.objects.order_by("id"), 5)

    assert paginator.count == 12 and paginator.count_is_exact
    assert paginator.count_label == "12" and paginator.num_pages == 3


def test_past_the_cap_the_count_is_the_cap_and_says_so(settings, measures):
    settings.LIST_COUNT_CAP = 10
    paginator = DeferredJoinPaginator(Measure.objects.order_by("id"), 5)

    assert paginator.count == 10 and not paginator.count_is_exact
    assert paginator.count_label == "10+"
    assert [m.pk for m in paginator.page(2)] == [m.pk for m in measures[5:10]]


def test_the_api_says_whether_its_count_is_exact(settings, client_for, office, measures):
    api = client_for(office)
    settings.LIST_COUNT_CAP = 10_000
    exact = api.get("/api/v1/measures/", {"page_size": 5}).json()
    settings.LIST_COUNT_CAP = 10
    capped = api.get("/api/v1/measures/", {"page_size": 5}).json()
    searched = api.get("/api/v1/measures/", {"page_size": 5, "q": "措施"}).json()

    assert (exact["count"], exact["count_is_exact"]) == (12, True)
    assert (capped["count"], capped["count_is_exact"]) == (10, False)
    assert len(capped["results"]) == 5 and capped["next"]
    assert searched["count_is_exact"] in (True, False) and searched["count"] <= 10


def test_a_page_shows_the_count_past_the_cap_with_a_plus(settings, client, office, problem, unit_a):
    for n in range(1, 61):
        MeasureFactory(problem=problem, seq=n, lead_unit=unit_a)
    client.force_login(office)
    settings.LIST_COUNT_CAP = 55

    page = client.get("/measures/").content.decode()

    assert "共 55+ 条" in page and "1 / 2+" in page and "超过 55 条措施" in page
    settings.LIST_COUNT_CAP = 10_000
    page = client.get("/measures/").content.decode()
    assert "共 60 条" in page and "1 / 2<" in page and "共 60 条措施" in page


def test_the_schema_documents_count_is_exact(db):
    schema = SchemaGenerator().get_schema(request=None, public=True)
    paginated = schema["components"]["schemas"]["PaginatedMeasureList"]

    assert paginated["properties"]["count_is_exact"]["type"] == "boolean"
    assert "count_is_exact" in paginated["required"]
