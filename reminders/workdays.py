"""China's official working-day calendar (holidays and adjusted workdays, 调休) for reminders.

The `holidays` package knows each year's State Council schedule once it is published. For
a year it does not know yet, its China calendar would still guess the fixed holidays but
not the weekend workdays that come with them; we treat such a year as plain Monday–Friday
instead, and never fail because of the calendar.
"""

from __future__ import annotations

import datetime
import functools
import logging

import holidays

logger = logging.getLogger(__name__)

ONE_DAY = datetime.timedelta(days=1)


@functools.cache
def _announced_years() -> frozenset[int]:
    """The years whose official schedule (with its adjusted workdays) the package carries."""
    try:
        return frozenset(holidays.China().special_public_holidays)
    except Exception:  # a broken or changed package must not stop reminders
        logger.exception("The China holiday calendar is unavailable; using Monday to Friday.")
        return frozenset()


@functools.cache
def _calendar(year: int) -> holidays.HolidayBase | None:
    if year not in _announced_years():
        return None
    try:
        # The next year too: a schedule may put an adjusted workday in late December.
        return holidays.country_holidays("CN", years=(year, year + 1))
    except Exception:
        logger.exception("No China holiday calendar for %s; using Monday to Friday.", year)
        return None


def is_working_day(day: datetime.date) -> bool:
    calendar = _calendar(day.year)
    if calendar is None:
        return day.weekday() < 5
    return calendar.is_working_day(day)


def nth_working_day_back(day: datetime.date, n: int) -> datetime.date:
    """The n-th working day counting back from `day` itself (n=1: `day` if it is one)."""
    if n < 1:
        raise ValueError("n must be at least 1")
    found = 0
    while True:
        if is_working_day(day):
            found += 1
            if found == n:
                return day
        day -= ONE_DAY


def working_days_between(start: datetime.date, end: datetime.date) -> int:
    """Working days after `start` up to and including `end` (0 when end <= start)."""
    count = 0
    day = start + ONE_DAY
    while day <= end:
        count += is_working_day(day)
        day += ONE_DAY
    return count
