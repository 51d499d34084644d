"""Reads of inspection rounds: who sees which round."""

from __future__ import annotations

from django.db.models import QuerySet

from accounts.models import User
from accounts.selectors import in_liaison_scope

from .models import InspectionRound


def rounds_visible_to(user: User) -> QuerySet[InspectionRound]:
    qs = InspectionRound.objects.select_related("target_unit")
    if user.sees_everything:
        return qs
    if user.is_liaison and user.unit_id:
        return in_liaison_scope(qs, user.unit_id, via="problems__measures__")
    return qs.none()
