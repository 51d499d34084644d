"""Filters of the measure list, shared by the API and the pages.

An app above adds a filter of its own with `add_filter` from its AppConfig.ready (supervision:
the measures a group follows), so that this layer names nothing of it."""

from __future__ import annotations

import datetime

import django_filters
from django import forms
from django.db.models import F, Q, QuerySet, Subquery
from django.utils.translation import gettext_lazy

from config.filters import IdFilter, IdFilterSet
from config.lookups import InSet
from config.search import by_index, text_search
from findings.models import Problem

from .models import Measure, colour_filter, overdue_filter, today
from .selectors import (
    COUNTED_NUMBERS,
    measures_closed_in_month,
    measures_counted_as,
    measures_due_in_month,
    measures_of_completed_problems,
)

# A rare word's matching measures (and problems) up to which the list is read from their keys.
RARE_WORD_KEYS = 1000


class MonthField(forms.DateField):
    """A month as YYYY-MM, read as its first day."""

    def to_python(self, value):
        if value in self.empty_values:
            return None
        try:
            return datetime.datetime.strptime(str(value).strip(), "%Y-%m").date()
        except ValueError:
            raise forms.ValidationError(gettext_lazy("Enter a month as YYYY-MM.")) from None


class MonthFilter(django_filters.Filter):
    field_class = MonthField


class MeasureFilter(IdFilterSet):
    """The dashboard's numbers open this list: each of its filters that a number needs asks
    rectification.selectors which measures that number counts, so the two cannot differ."""

    round = IdFilter(field_name="problem__round", label=gettext_lazy("round"))
    # The day the date-dependent filters count from (the dashboard's as-of date); today if
    # not given. It filters nothing by itself.
    as_of = django_filters.DateFilter(method="filter_as_of", label=gettext_lazy("as of"))
    counted = django_filters.ChoiceFilter(
        choices=[(name, name) for name in COUNTED_NUMBERS],
        method="filter_counted",
        label=gettext_lazy("counted in the number"),
    )
    category = django_filters.ChoiceFilter(
        field_name="problem__category",
        choices=Problem.Category.choices,
        label=gettext_lazy("problem category"),
    )
    problem_completed = django_filters.BooleanFilter(
        method="filter_problem_completed", label=gettext_lazy("problem completed")
    )
    due_month = MonthFilter(method="filter_due_month", label=gettext_lazy("falling due in month"))
    closed_month = MonthFilter(
        method="filter_closed_month", label=gettext_lazy("signed off in month")
    )
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
        overdue = overdue_filter(self.day)
        return qs.filter(overdue) if value else qs.exclude(overdue)

    @property
    def day(self) -> datetime.date:
        return self.form.cleaned_data.get("as_of") or today()

    def filter_as_of(self, qs: QuerySet, name: str, value: datetime.date | None) -> QuerySet:
        return qs

    def filter_counted(self, qs: QuerySet, name: str, value: str) -> QuerySet:
        return measures_counted_as(qs, value, self.day) if value else qs

    def filter_problem_completed(self, qs: QuerySet, name: str, value: bool | None) -> QuerySet:
        if value is None:
            return qs
        completed = measures_of_completed_problems(qs)
        return completed if value else qs.exclude(pk__in=completed.values("pk"))

    def filter_due_month(self, qs: QuerySet, name: str, value: datetime.date | None) -> QuerySet:
        return measures_due_in_month(qs, value, self.day) if value else qs

    def filter_closed_month(self, qs: QuerySet, name: str, value: datetime.date | None) -> QuerySet:
        return measures_closed_in_month(qs, value, self.day) if value else qs

    def filter_text(self, qs: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()
        if not value:
            return qs
        # The problems whose title matches, as a set of keys: no join to problems in the
        # WHERE clause, which had made PostgreSQL misjudge the rows and nest loops.
        problems = text_search(Problem.objects.order_by(), value, "problem_title_grams", "title")
        if not by_index(qs, value, "measure_search_grams"):
            return qs.filter(
                Q(text__icontains=value)
                | Q(lead_official__icontains=value)
                | Q(result_summary__icontains=value)
                | Q(InSet(F("problem"), Subquery(problems.values("pk"))))
            )
        # A rare word: the measures the grams index finds, as a set of keys, and those of the
        # problems found.
        found = text_search(
            Measure.objects.order_by(),
            value,
            "measure_search_grams",
            "text",
            "lead_official",
            "result_summary",
        )
        # Read first where they are few, so that the list starts from them: given as two
        # sets to test, PostgreSQL walked a liaison's twelve thousand measures and tested
        # each against them (20 ms for the count and 20 for the page, for a word in none).
        measure_keys = list(found.values_list("pk", flat=True)[: RARE_WORD_KEYS + 1])
        problem_keys = list(problems.values_list("pk", flat=True)[: RARE_WORD_KEYS + 1])
        if len(measure_keys) <= RARE_WORD_KEYS and len(problem_keys) <= RARE_WORD_KEYS:
            return qs.filter(Q(pk__in=measure_keys) | Q(problem_id__in=problem_keys))
        return qs.filter(
            Q(InSet(F("pk"), Subquery(found.values("pk"))))
            | Q(InSet(F("problem"), Subquery(problems.values("pk"))))
        )

    def filter_colour(self, qs: QuerySet, name: str, value: str) -> QuerySet:
        return qs.filter(colour_filter(value, self.day)) if value else qs

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
