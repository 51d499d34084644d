"""Lists page by keyset (config/api.py `Keyset`): `next` and `previous` are cursors on the
ordering's key, so that a deep page costs what the first costs, and rows written between pages
neither repeat nor skip a row already passed."""

from __future__ import annotations

import datetime

import pytest

from rectification.models import Measure

from .factories import MeasureFactory, ProblemFactory

pytestmark = pytest.mark.django_db

DAY = datetime.date(2026, 12, 31)


@pytest.fixture
def measures(inspection_round, unit_a):
    """Forty measures over four problems; a few long-term ones without a deadline (NULLs), and
    deadlines that repeat, so that the key's later fields decide."""
    rows = []
    for p in range(1, 5):
        problem = ProblemFactory(round=inspection_round, seq=p)
        for n in range(1, 11):
            long_term = n % 7 == 0
            rows.append(
                MeasureFactory(
                    problem=problem,
                    seq=n,
                    lead_unit=unit_a,
                    is_long_term=long_term,
                    deadline=None if long_term else DAY - datetime.timedelta(days=n % 3),
                )
            )
    return rows


def walk(api, url: str, *, between=None) -> list[int]:
    seen, pages = [], 0
    while url:
        body = api.get(url).json()
        seen += [row["id"] for row in body["results"]]
        assert len(body["results"]) <= 6
        url = body["next"]
        pages += 1
        if between and url:
            between(pages)
        assert pages < 100
    return seen


@pytest.mark.parametrize("ordering", [None, "deadline", "-deadline", "-seq", "status"])
def test_a_walk_meets_every_row_once_while_rows_are_added(
    client_for, office, measures, inspection_round, unit_a, ordering
):
    api = client_for(office)
    query = f"?page_size=6&ordering={ordering}" if ordering else "?page_size=6"
    added: list[Measure] = []

    def add(pages: int) -> None:
        # A row at each end of the list: before the walk's position and after it.
        problem = ProblemFactory(round=inspection_round, seq=100 + pages)
        for deadline in (DAY - datetime.timedelta(days=400), DAY + datetime.timedelta(days=400)):
            added.append(
                MeasureFactory(
                    problem=problem, lead_unit=unit_a, deadline=deadline, seq=len(added) + 1
                )
            )

    seen = walk(api, f"/api/v1/measures/{query}", between=add)

    assert len(seen) == len(set(seen)), "a row came twice"
    assert {m.pk for m in measures} <= set(seen), "a row that was there all along was missed"
    order = [ordering] if ordering else list(Measure._meta.ordering)
    in_order = Measure.objects.filter(pk__in=seen).order_by(*order, "id")
    assert seen == list(in_order.values_list("pk", flat=True)), "the walk left the list's order"
    assert any(m.pk in seen for m in added), "a row added ahead of the walk was not met"


def test_the_walk_follows_the_lists_order(client_for, office, measures):
    api = client_for(office)
    whole = api.get("/api/v1/measures/?page_size=500&ordering=-deadline,id").json()["results"]
    walked = walk(api, "/api/v1/measures/?page_size=6&ordering=-deadline,id")
    assert walked == [row["id"] for row in whole]


def test_previous_walks_back_over_the_same_pages(client_for, office, measures):
    api = client_for(office)
    pages, url = [], "/api/v1/measures/?page_size=6&ordering=deadline"
    while url:
        body = api.get(url).json()
        pages.append([row["id"] for row in body["results"]])
        last, url = body, body["next"]
    back, url = [], last["previous"]
    while url:
        body = api.get(url).json()
        back.append([row["id"] for row in body["results"]])
        url = body["previous"]
    assert back == pages[-2::-1]


def test_a_page_number_still_opens_and_its_next_is_a_cursor(client_for, office, measures):
    api = client_for(office)
    by_number = api.get("/api/v1/measures/?page_size=6&page=3").json()
    following = api.get(by_number["next"]).json()
    fourth = api.get("/api/v1/measures/?page_size=6&page=4").json()

    assert "cursor=" in by_number["next"] and "page=" not in by_number["next"]
    assert [r["id"] for r in following["results"]] == [r["id"] for r in fourth["results"]]
    assert (following["count"], following["count_is_exact"]) == (40, True)


def test_a_cursor_not_given_out_answers_400(client_for, office, measures):
    api = client_for(office)
    for cursor in ("nonsense", "eyJ2IjpbMV0sImEiOnRydWUsIm4iOjJ9", "e30"):
        response = api.get(f"/api/v1/measures/?cursor={cursor}")
        assert response.status_code == 400
        assert response.json()["codes"] == {"cursor": ["invalid"]}


def test_a_cursor_page_has_a_fixed_number_of_queries(
    client_for, office, measures, django_assert_num_queries
):
    api = client_for(office)
    cursor = api.get("/api/v1/measures/?page_size=6").json()["next"]
    # count, the page's keys, the page's rows, their cooperating units.
    with django_assert_num_queries(4):
        assert api.get(cursor).status_code == 200


def test_the_measure_list_page_walks_by_cursor(client, office, measures, inspection_round, unit_a):
    problem = ProblemFactory(round=inspection_round, seq=50)
    for n in range(1, 21):
        MeasureFactory(problem=problem, seq=n, lead_unit=unit_a, deadline=DAY)
    client.force_login(office)
    first = client.get("/measures/")
    page = first.context["page"]
    assert page.next_cursor and f"cursor={page.next_cursor}" in first.content.decode()
    second = client.get("/measures/", {"cursor": page.next_cursor}).context["page"]
    ids = [m.pk for m in page] + [m.pk for m in second]

    assert len(ids) == len(set(ids)) == 60 and second.number == 2 and not second.has_next()
    assert client.get("/measures/", {"cursor": "nonsense"}).context["page"].number == 1


def test_a_page_is_read_by_its_keys_without_working_out_the_scope_again(
    client_for, liaison_a, measures
):
    """The liaison's scope (a membership subquery) decides which keys a page holds; the rows
    of those keys are then read by key alone."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    api = client_for(liaison_a)
    with CaptureQueriesContext(connection) as queries:
        body = api.get("/api/v1/measures/?page_size=6&page=2").json()
    assert [row["id"] for row in body["results"]] == [m.pk for m in measures[6:12]]
    page_read = [q["sql"] for q in queries if 'rectification_measure"."text"' in q["sql"]]
    assert page_read, "the page's rows are read"
    assert all("rectification_measureunit" not in sql for sql in page_read)


def test_rows_joined_to_many_of_a_relation_keep_their_filter_when_read_by_key(
    measures, unit_a, unit_b
):
    """Read by key without its filters, a list filtered through its cooperating units would
    repeat each row once per cooperating unit: such a list keeps its filters."""
    from config.api import _rows_of

    extra = [
        MeasureFactory(problem=measures[0].problem, seq=50 + n, lead_unit=unit_b) for n in range(2)
    ]
    for measure in extra:
        measure.cooperating_units.set([unit_a, unit_b])
    rows = Measure.objects.filter(cooperating_units=unit_a).order_by("id")
    keys = [m.pk for m in extra]
    assert list(_rows_of(rows, keys)) == extra
    plain = Measure.objects.filter(lead_unit=unit_b).order_by("id")
    assert list(_rows_of(plain, keys)) == extra
