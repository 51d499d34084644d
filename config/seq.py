"""Numbering of children within a parent (aspects in a round, problems, measures)."""

from __future__ import annotations

from django.db.models import Max, QuerySet
from django.utils.translation import gettext as _
from rest_framework import serializers

# The largest number a PositiveIntegerField holds in every supported database.
SEQ_MAX = 2_147_483_647


def seq_field() -> serializers.IntegerField:
    """A child's number as the API takes it: optional, at least 1, and fits its column.

    Left out, the next free number is used; a number past SEQ_MAX answers 400 on the field
    instead of failing in the database (500).
    """
    return serializers.IntegerField(min_value=1, max_value=SEQ_MAX, required=False)


def next_seq(siblings: QuerySet) -> int:
    return (siblings.aggregate(top=Max("seq"))["top"] or 0) + 1


def check_seq_free(siblings: QuerySet, seq: int, instance=None) -> None:
    if instance is not None:
        siblings = siblings.exclude(pk=instance.pk)
    if siblings.filter(seq=seq).exists():
        raise serializers.ValidationError({"seq": [_("This number is already taken.")]})
