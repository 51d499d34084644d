"""Reads of findings, scoped to who asks: liaisons see the problems around their measures."""

from __future__ import annotations

import datetime

from django.db.models import QuerySet

from accounts.models import User
from accounts.selectors import in_jurisdiction_scope, in_liaison_scope

from .models import Aspect, Petition, Problem, ProblemClue, late_filter


def problems_visible_to(user: User) -> QuerySet[Problem]:
    """Problems as found; their status and counts come from their measures (rectification)."""
    qs = Problem.objects.select_related("round", "aspect")
    if user.sees_jurisdiction:
        return in_jurisdiction_scope(qs, user, via="measures__", round_via="round__")
    if user.is_liaison and user.unit_id:
        return in_liaison_scope(qs, user.unit_id, via="measures__")
    return qs.none()


def aspects_visible_to(user: User) -> QuerySet[Aspect]:
    qs = Aspect.objects.select_related("round")
    if user.sees_jurisdiction:
        return in_jurisdiction_scope(qs, user, via="problems__measures__", round_via="round__")
    if user.is_liaison and user.unit_id:
        return in_liaison_scope(qs, user.unit_id, via="problems__measures__")
    return qs.none()


def clues_visible_to(user: User) -> QuerySet[ProblemClue]:
    if user.is_office:
        qs = ProblemClue.objects.select_related("round")
        return in_jurisdiction_scope(qs, user, via=None, round_via="round__")
    return ProblemClue.objects.none()


def petitions_visible_to(user: User) -> QuerySet[Petition]:
    if user.is_office:
        qs = Petition.objects.select_related("round", "handler_unit")
        return in_jurisdiction_scope(qs, user, via=None, round_via="round__")
    return Petition.objects.none()


def late_clues(user: User, day: datetime.date) -> QuerySet[ProblemClue]:
    """Clues whose feedback is late on `day`, the longest late first (office only)."""
    return clues_visible_to(user).filter(late_filter(day)).order_by("feedback_due", "id")


def late_petitions(user: User, day: datetime.date) -> QuerySet[Petition]:
    """Petitions whose feedback is late on `day`, the longest late first (office only)."""
    return petitions_visible_to(user).filter(late_filter(day)).order_by("feedback_due", "id")


def late_feedback_counts(user: User, day: datetime.date) -> dict[str, int]:
    """How many clues and petitions are late on `day`: counts only, which leaders may see
    (never the rows); nothing for a liaison, who sees nothing of clues."""
    if not user.sees_jurisdiction:
        return {"clues": 0, "petitions": 0}
    late = late_filter(day)
    clues = in_jurisdiction_scope(ProblemClue.objects.all(), user, via=None, round_via="round__")
    petitions = in_jurisdiction_scope(Petition.objects.all(), user, via=None, round_via="round__")
    return {"clues": clues.filter(late).count(), "petitions": petitions.filter(late).count()}
