"""A liaison's unfiltered measure list is counted and cut into pages by problem from the
membership index (rectification.selectors.ScopeInOrder): every page holds what the sorted
list of the whole scope holds there, for any page size, whatever order the rows were made in."""

from __future__ import annotations

import pytest

from rectification import selectors
from rectification.selectors import ScopeInOrder, measures_visible_to

from ..factories import MeasureFactory, ProblemFactory, RoundFactory, UnitFactory

pytestmark = pytest.mark.django_db

ORDER = ("problem__round_id", "problem__seq", "seq", "id")


@pytest.fixture
def scope(unit_a, unit_b):
    """Unit A's measures in two rounds: led, cooperated on, and one both led and cooperated
    on; unit B's measures among them; problems and measures made out of their numbers'
    order, and a problem in which unit A has nothing."""
    other = UnitFactory(name="其他单位")
    first, second = RoundFactory(), RoundFactory()
    for inspection_round in (second, first):
        for problem_seq in (3, 1, 4, 2):
            problem = ProblemFactory(round=inspection_round, seq=problem_seq)
            for seq in (2, 5, 1, 3, 4)[: problem_seq + 1]:
                lead = (unit_a, unit_b, other)[(seq + problem_seq) % 3]
                measure = MeasureFactory(problem=problem, seq=seq, lead_unit=lead)
                if lead != unit_a and seq % 2:
                    measure.cooperating_units.add(unit_a)
                if lead == unit_a and seq == 1:
                    measure.cooperating_units.add(unit_a, unit_b)  # A twice: once in the list
    ProblemFactory(round=first, seq=9)
    return [first, second]


def expected_ids(user) -> list[int]:
    return list(measures_visible_to(user).order_by(*ORDER).values_list("pk", flat=True))


@pytest.fixture
def used(monkeypatch) -> list[tuple[int, int]]:
    """The pages ScopeInOrder was asked for (so that a test knows it was used)."""
    asked: list[tuple[int, int]] = []
    keys = ScopeInOrder.keys

    def spy(self, bottom, top):
        asked.append((bottom, top))
        return keys(self, bottom, top)

    monkeypatch.setattr(ScopeInOrder, "keys", spy)
    return asked


@pytest.mark.parametrize("size", [1, 2, 3, 5, 7, 50])
def test_every_page_holds_what_the_sorted_scope_holds(scope, liaison_a, client_for, used, size):
    expected = expected_ids(liaison_a)
    assert len(expected) > 7 and len(expected) == len(set(expected))
    api = client_for(liaison_a)
    seen: list[int] = []
    pages = -(-len(expected) // size)
    for number in range(1, pages + 1):
        body = api.get(f"/api/v1/measures/?page={number}&page_size={size}").json()
        assert (body["count"], body["count_is_exact"]) == (len(expected), True)
        seen += [row["id"] for row in body["results"]]
    assert seen == expected
    if size < len(expected):
        assert len(used) == pages  # each page's keys came from the problems' counts


def test_a_page_cursor_leads_on_in_the_same_order(scope, liaison_a, client_for, used):
    api = client_for(liaison_a)
    body = api.get("/api/v1/measures/?page_size=4").json()
    seen = [row["id"] for row in body["results"]]
    while body["next"]:
        body = api.get(body["next"]).json()
        seen += [row["id"] for row in body["results"]]
    assert used and seen == expected_ids(liaison_a)


def test_a_filtered_or_reordered_list_is_read_as_before(scope, liaison_a, client_for, used, unit_a):
    api = client_for(liaison_a)
    body = api.get(f"/api/v1/measures/?page_size=3&lead_unit={unit_a.pk}").json()
    led = measures_visible_to(liaison_a).filter(lead_unit=unit_a).order_by(*ORDER)
    assert body["count"] == led.count()
    assert [row["id"] for row in body["results"]] == list(led.values_list("pk", flat=True)[:3])
    body = api.get("/api/v1/measures/?page_size=3&ordering=-seq").json()
    assert [row["seq"] for row in body["results"]] == [5, 5, 5]
    assert used == []


def test_the_office_is_not_a_liaison(scope, office, client_for, used):
    body = client_for(office).get("/api/v1/measures/?page_size=3").json()
    assert len(body["results"]) == 3 and used == []
    assert selectors.scope_in_order(office) is None


def test_past_the_cap_the_count_says_so(scope, liaison_a, client_for, settings, used):
    settings.LIST_COUNT_CAP = 5
    body = client_for(liaison_a).get("/api/v1/measures/?page_size=2&page=2").json()
    assert (body["count"], body["count_is_exact"]) == (5, False)
    assert [row["id"] for row in body["results"]] == expected_ids(liaison_a)[2:4]
    assert used == [(2, 4)]


def test_a_page_takes_the_same_queries_however_large_the_scope(
    scope, liaison_a, client_for, unit_a, django_assert_num_queries
):
    api = client_for(liaison_a)
    # The problems with their counts, the page's keys, its rows, their cooperating units.
    with django_assert_num_queries(4):
        assert api.get("/api/v1/measures/?page=2&page_size=3").status_code == 200
    more = ProblemFactory(round=scope[0], seq=20)
    for seq in range(1, 31):
        MeasureFactory(problem=more, seq=seq, lead_unit=unit_a)
    with django_assert_num_queries(4):
        assert api.get("/api/v1/measures/?page=9&page_size=3").status_code == 200
