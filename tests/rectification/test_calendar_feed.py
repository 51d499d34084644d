"""The calendar feed (reminders.calendar): a private iCalendar address per user with exactly
their deadlines, opened without a session, revoked by a reset, at a fixed number of queries."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client
from django.urls import reverse
from icalendar import Calendar

from rectification.models import Measure
from reminders.calendar import calendar_token_reset, token_hash
from reminders.models import CalendarFeed
from supervision import urges
from tests.factories import MeasureFactory, UnitFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clock(shanghai_clock):
    return shanghai_clock


def feed_url(user) -> str:
    return reverse("calendar-feed", args=[calendar_token_reset(actor=user)])


def events(response) -> dict[str, datetime.date]:
    """{uid: start date} of the events in a feed, parsed with the icalendar library."""
    cal = Calendar.from_ical(response.content)
    return {str(e["uid"]): e.decoded("dtstart") for e in cal.walk("VEVENT")}


def uid(measure) -> str:
    return f"measure-{measure.pk}-deadline@"


def has(found: dict, measure) -> bool:
    return any(key.startswith(uid(measure)) for key in found)


def test_a_liaisons_feed_holds_exactly_their_units_open_deadlines_and_urge_replies(
    office, liaison_a, problem, unit_a, unit_b, measure_a, measure_b
):
    cooperating = MeasureFactory(problem=problem, lead_unit=unit_b)
    cooperating.cooperating_units.add(unit_a)
    closed = MeasureFactory(
        problem=problem,
        lead_unit=unit_a,
        status=Measure.Status.CLOSED,
        closed_at=datetime.datetime(2026, 11, 1, tzinfo=datetime.UTC),
    )
    long_term = MeasureFactory(problem=problem, lead_unit=unit_a, deadline=None, is_long_term=True)
    notice = urges.urge_issue(
        actor=office,
        level="remind",
        reason="进展滞后",
        reply_due=datetime.date(2026, 11, 30),
        measure=measure_a,
    )
    other_notice = urges.urge_issue(
        actor=office,
        level="remind",
        reason="另一个单位",
        reply_due=datetime.date(2026, 12, 1),
        measure=measure_b,
    )

    response = Client().get(feed_url(liaison_a))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    assert response["Cache-Control"] == "private, max-age=900"
    found = events(response)
    assert has(found, measure_a) and has(found, cooperating)
    assert not any(has(found, m) for m in (measure_b, closed, long_term))
    assert any(key.startswith(f"urge-{notice.pk}-") for key in found)
    assert not any(key.startswith(f"urge-{other_notice.pk}-") for key in found)
    assert len(found) == 3
    assert found[next(k for k in found if k.startswith(uid(measure_a)))] == measure_a.deadline


def test_an_office_feed_holds_the_measures_due_from_a_week_ago_to_sixty_days_ahead(
    office, problem, unit_a
):
    today = datetime.date(2026, 11, 20)
    inside = [
        MeasureFactory(problem=problem, lead_unit=unit_a, deadline=today + datetime.timedelta(d))
        for d in (-7, 0, 60)
    ]
    outside = [
        MeasureFactory(problem=problem, lead_unit=unit_a, deadline=today + datetime.timedelta(d))
        for d in (-8, 61)
    ]

    found = events(Client().get(feed_url(office)))

    assert all(has(found, m) for m in inside)
    assert not any(has(found, m) for m in outside)


def test_a_reset_address_answers_404_and_the_new_one_answers(liaison_a, measure_a):
    old = feed_url(liaison_a)
    new = feed_url(liaison_a)

    assert Client().get(old).status_code == 404
    assert Client().get(new).status_code == 200
    assert Client().get(reverse("calendar-feed", args=["not-a-token"])).status_code == 404


def test_only_a_hash_of_the_token_is_kept(liaison_a):
    token = calendar_token_reset(actor=liaison_a)

    stored = CalendarFeed.objects.get(user=liaison_a).token_hash

    assert stored == token_hash(token) and token not in stored


def test_the_address_of_a_deactivated_account_answers_404(liaison_a, measure_a):
    url = feed_url(liaison_a)
    liaison_a.is_active = False
    liaison_a.save()

    assert Client().get(url).status_code == 404


def test_the_page_shows_a_new_address_once_and_keeps_it_out_of_caches(liaison_a, measure_a):
    page = Client()
    page.force_login(liaison_a)

    before = page.get(reverse("calendar"))
    made = page.post(reverse("calendar"))
    after = page.get(reverse("calendar"))

    assert 'id="calendar-url"' not in before.content.decode()
    html = made.content.decode()
    assert 'id="calendar-url"' in html and made["Cache-Control"] == "no-store"
    url = html.split('id="calendar-url" value="', 1)[1].split('"', 1)[0]
    assert Client().get(url).status_code == 200
    assert 'id="calendar-url"' not in after.content.decode()


@pytest.mark.parametrize("n", [5, 50])
def test_the_feed_costs_a_fixed_number_of_queries(
    django_assert_max_num_queries, liaison_a, problem, unit_a, n
):
    for _ in range(n):
        MeasureFactory(problem=problem, lead_unit=unit_a).cooperating_units.add(UnitFactory())
    url = feed_url(liaison_a)

    # the token with its user + the measures with their problems, rounds and lead units
    # + the urge notices waiting for a reply, with their units.
    with django_assert_max_num_queries(3):
        response = Client().get(url)

    assert len(events(response)) == n
