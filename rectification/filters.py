"""Filters of the measure list, shared by the API and the pages.

An app above adds a filter of its own with `add_filter` from its AppConfig.ready (supervision:
the measures a group follows), so that this layer names nothing of it."""

from __future__ import annotations

import django_filters
from django.db.models import F, Q, QuerySet, Subquery
from django.utils.translation import gettext_lazy

from config.filters import IdFilter, IdFilterSet
from config.lookups import InSet
from findings.models import Problem

from .models import Measure, colour_filter, overdue_filter, today


class MeasureFilter(IdFilterSet):
    round = IdFilter(field_name="problem__round", label=gettext_lazy("round"))
    overdue = django_filters.BooleanFilter(method="filter_overdue", label=gettext_lazy("overdue"))
    due_before = django_filters.DateFilter(
        field_name="deadline", lookup_expr="lte", label=gettext_lazy("due on or before")
    )
    due_after = django_filters.DateFilter(
        field_name="deadline", lookup_expr="gte", label=gettext_lazy("due on or after")
    )
    q = django_filters.CharFilter(method="filter_text", label=gettext_lazy("text search"))
    colour = django_filters.ChoiceFilter(
        choices=Measure.Colour.choices, method="filter_colour", label=gettext_lazy("warning colour")
    )

    unassigned = django_filters.BooleanFilter(
        method="filter_unassigned", label=gettext_lazy("no lead unit or deadline yet")
    )

    class Meta:
        model = Measure
        fields = ["round", "problem", "lead_unit", "status", "is_long_term", "is_immediate"]

    def filter_overdue(self, qs: QuerySet, name: str, value: bool | None) -> QuerySet:
        if value is None:
            return qs
        overdue = overdue_filter(today())
        return qs.filter(overdue) if value else qs.exclude(overdue)

    def filter_text(self, qs: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()
        if not value:
            return qs
        # The problems whose title matches, as a set of keys: no join to problems in the
        # WHERE clause, which had made PostgreSQL misjudge the rows and nest loops.
        problems = Problem.objects.filter(title__icontains=value).values("pk")
        return qs.filter(
            Q(text__icontains=value)
            | Q(lead_official__icontains=value)
            | Q(result_summary__icontains=value)
            | Q(InSet(F("problem"), Subquery(problems)))
        )

    def filter_colour(self, qs: QuerySet, name: str, value: str) -> QuerySet:
        return qs.filter(colour_filter(value, today())) if value else qs

    def filter_unassigned(self, qs: QuerySet, name: str, value: bool | None) -> QuerySet:
        if value is None:
            return qs
        missing = Q(lead_unit__isnull=True) | Q(deadline__isnull=True, is_long_term=False)
        return qs.filter(missing) if value else qs.exclude(missing)


def add_filter(name: str, measure_filter: django_filters.Filter) -> None:
    """Give the measure list (pages and API) one more filter, `?name=`."""
    if name in MeasureFilter.base_filters:
        raise ValueError(f"The measure list already has a filter {name!r}")
    MeasureFilter.base_filters[name] = measure_filter
