"""Template filters of the pages: rates, warning colours and reporting periods, written the
same way everywhere (and the same way static/js/dashboard.js writes them)."""

from __future__ import annotations

import re

from django import template
from django.utils.translation import gettext as _

register = template.Library()

PERIOD = re.compile(r"^(\d{4})-(\d{2})-H([12])$")


@register.filter
def percent(rate: float | None) -> str:
    """A rate of 0..1 as a percentage with one decimal place; a dash when there is none."""
    if rate is None or rate == "":
        return "—"
    return f"{float(rate) * 100:.1f}%"


@register.filter
def colour_label(colour: str) -> str:
    return {
        "red": _("Overdue"),
        "yellow": _("Due soon"),
        "green": _("Approaching"),
    }.get(colour, "")


@register.filter
def period_label(period: str) -> str:
    """2026-11-H2 → 2026年11月下半月 (the half-month reporting period)."""
    match = PERIOD.match(period or "")
    if not match:
        return period
    year, month, half = int(match[1]), int(match[2]), match[3]
    if half == "1":
        return _("%(year)d-%(month)02d, first half") % {"year": year, "month": month}
    return _("%(year)d-%(month)02d, second half") % {"year": year, "month": month}


@register.filter
def days_since(value) -> int | None:
    """Whole days from a date or time until today (Asia/Shanghai)."""
    import datetime

    from django.utils import timezone

    if value is None:
        return None
    if isinstance(value, datetime.datetime):
        value = timezone.localtime(value).date()
    return (timezone.localdate() - value).days


@register.filter
def unit_short(unit) -> str:
    """A unit by its short name where it has one; a dash for none."""
    if unit is None:
        return "—"
    return unit.short_name or unit.name
