"""Working days for the review reminder: China's official calendar, Monday–Friday beyond it."""

from __future__ import annotations

import datetime

import holidays
import pytest

from reminders import workdays


@pytest.fixture(autouse=True)
def fresh_calendar():
    workdays._announced_years.cache_clear()
    workdays._calendar.cache_clear()
    yield
    workdays._announced_years.cache_clear()
    workdays._calendar.cache_clear()


def d(text: str) -> datetime.date:
    return datetime.date.fromisoformat(text)


def test_national_day_is_a_holiday_and_its_adjusted_saturday_a_working_day():
    assert not workdays.is_working_day(d("2026-10-01"))  # Thursday, National Day
    assert not workdays.is_working_day(d("2026-10-07"))  # Wednesday, still the holiday
    assert workdays.is_working_day(d("2026-10-10"))  # Saturday, adjusted workday (调休)
    assert not workdays.is_working_day(d("2026-10-11"))  # an ordinary Sunday
    assert workdays.is_working_day(d("2026-10-12"))  # an ordinary Monday


def test_the_spring_festival_week_is_not_worked():
    assert not any(
        workdays.is_working_day(d("2026-02-16") + datetime.timedelta(days=n)) for n in range(7)
    )


def test_a_year_the_package_does_not_know_yet_falls_back_to_monday_to_friday():
    # 2030's schedule is not announced: its 1 October (a Tuesday) counts as a working day
    # rather than as a guessed holiday, and weekends are off.
    assert workdays.is_working_day(d("2030-10-01"))
    assert not workdays.is_working_day(d("2030-10-05"))
    assert workdays.working_days_between(d("2030-09-27"), d("2030-10-04")) == 5


def test_a_broken_calendar_package_never_stops_reminders(monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("calendar data missing")

    monkeypatch.setattr(holidays, "country_holidays", broken)

    assert not workdays.is_working_day(d("2026-10-10"))  # Saturday, as Monday–Friday says
    assert workdays.is_working_day(d("2026-10-01"))


def test_counting_back_three_working_days_skips_the_holiday():
    assert workdays.nth_working_day_back(d("2026-10-10"), 3) == d("2026-10-08")
    assert workdays.nth_working_day_back(d("2026-10-09"), 3) == d("2026-09-30")
    assert workdays.working_days_between(d("2026-09-30"), d("2026-10-10")) == 3
