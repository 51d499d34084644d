"""Numbering of children within a parent (aspects in a round, problems, measures)."""

from __future__ import annotations

from django.db.models import Max, QuerySet
from django.utils.translation import gettext as _
from rest_framework import serializers


def next_seq(siblings: QuerySet) -> int:
    return (siblings.aggregate(top=Max("seq"))["top"] or 0) + 1


def check_seq_free(siblings: QuerySet, seq: int, instance=None) -> None:
    if instance is not None:
        siblings = siblings.exclude(pk=instance.pk)
    if siblings.filter(seq=seq).exists():
        raise serializers.ValidationError({"seq": [_("This number is already taken.")]})
