"""Filters of the API: a reference to another record is filtered by its number only.

django-filter's default for a foreign key checks the number against every row of the other
table and answers 400 for one that does not exist, while a row the user may not see gives an
empty list: the difference tells which ids exist. Filtering by the number alone answers an
empty list in both cases.
"""

from __future__ import annotations

import django_filters
from django import forms
from django.db import models
from django_filters.rest_framework import DjangoFilterBackend

ID_MAX = 9_223_372_036_854_775_807  # the largest bigint: past it the database would fail


class IdField(forms.IntegerField):
    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", ID_MAX)
        super().__init__(**kwargs)


class IdFilter(django_filters.Filter):
    field_class = IdField


class IdFilterSet(django_filters.FilterSet):
    """A FilterSet whose relation filters take a number and never look the row up."""

    FILTER_DEFAULTS = {
        **django_filters.FilterSet.FILTER_DEFAULTS,
        models.ForeignKey: {"filter_class": IdFilter},
        models.OneToOneField: {"filter_class": IdFilter},
        models.ManyToManyField: {"filter_class": IdFilter},
    }


class FilterBackend(DjangoFilterBackend):
    filterset_base = IdFilterSet
