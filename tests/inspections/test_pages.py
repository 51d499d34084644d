"""The server-rendered pages: who sees what, and how many queries each page costs."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from tests.factories import MeasureFactory, ProblemFactory


def signed_in(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(user)
    return client


def fill(inspection_round, unit, count: int) -> None:
    for n in range(count):
        problem = ProblemFactory(round=inspection_round, seq=100 + n)
        MeasureFactory(problem=problem, seq=1, lead_unit=unit)


def test_a_visitor_is_sent_to_sign_in(db):
    response = Client().get("/rounds/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_the_sign_in_page_speaks_chinese(db):
    response = Client(HTTP_ACCEPT_LANGUAGE="zh-hans").get("/login/")
    assert response.status_code == 200
    assert "登录" in response.content.decode()


def test_a_liaison_sees_only_their_measures_on_the_round_page(
    inspection_round, measure_a, measure_b, liaison_a
):
    page = signed_in(liaison_a).get(f"/rounds/{inspection_round.pk}/").content.decode()
    assert measure_a.text in page
    assert measure_b.text not in page


def test_a_liaison_cannot_open_another_units_measure(measure_b, liaison_a):
    assert signed_in(liaison_a).get(f"/measures/{measure_b.pk}/").status_code == 404


def test_the_measure_page_offers_the_lead_liaison_the_start_button(measure_a, liaison_a, leader):
    start = f'action="/measures/{measure_a.pk}/start/"'
    assert start in signed_in(liaison_a).get(f"/measures/{measure_a.pk}/").content.decode()
    assert start not in signed_in(leader).get(f"/measures/{measure_a.pk}/").content.decode()


@pytest.mark.parametrize("rows", [5, 50])
def test_the_round_list_costs_the_same_queries_for_5_or_50_rounds(
    rows, office, unit_a, django_assert_max_num_queries
):
    from tests.factories import RoundFactory

    for _ in range(rows):
        fill(RoundFactory(), unit_a, 1)
    client = signed_in(office)
    # session + user, the bell's unread count, the page count, the page's keys (with more
    # than one page), its rounds, and their counts in one grouped query for that page only.
    with django_assert_max_num_queries(7):
        assert client.get("/rounds/").status_code == 200


@pytest.mark.parametrize("rows", [5, 50])
def test_the_round_page_costs_the_same_queries_for_5_or_50_measures(
    rows, office, inspection_round, unit_a, django_assert_max_num_queries
):
    fill(inspection_round, unit_a, rows)
    client = signed_in(office)
    # session, user, round, the page count, the page's keys (with more than one page), its
    # measures + cooperating units, measure numbers, problem numbers, problem list, clue
    # counts, petition counts, the bell's unread count, the look-back's figures and the
    # list of look-backs.
    with django_assert_max_num_queries(15):
        assert client.get(f"/rounds/{inspection_round.pk}/").status_code == 200


@pytest.mark.parametrize("rows", [5, 50])
def test_the_measure_list_costs_the_same_queries_for_5_or_50_measures(
    rows, liaison_a, inspection_round, unit_a, django_assert_max_num_queries
):
    fill(inspection_round, unit_a, rows)
    client = signed_in(liaison_a)
    # session, user, the bell, count, page of measures, their cooperating units.
    with django_assert_max_num_queries(7):
        assert client.get("/measures/").status_code == 200


def test_the_measure_page_has_a_fixed_cost(measure_a, office, django_assert_max_num_queries):
    client = signed_in(office)
    # session, user, the bell, measure (with its latest progress and evidence count),
    # cooperating units, extensions, and the timeline's history, progress, evidence and
    # extensions, the evidence list; the comment thread and its edits.
    with django_assert_max_num_queries(14):
        assert client.get(f"/measures/{measure_a.pk}/").status_code == 200


def test_the_round_page_shows_its_measures_a_page_at_a_time(office, inspection_round, unit_a):
    fill(inspection_round, unit_a, 120)
    client = signed_in(office)

    first = client.get(f"/rounds/{inspection_round.pk}/").content.decode()
    second = client.get(f"/rounds/{inspection_round.pk}/?page=2").content.decode()

    # 100 measures on the first page, the other 20 on the second; the numbers stay whole.
    measure_link = re.compile(r'href="/measures/\d+/"')
    assert len(measure_link.findall(first)) == 100
    assert len(measure_link.findall(second)) == 20
    assert "1 / 2" in first and "2 / 2" in second
