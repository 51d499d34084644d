"""Reads of inspection rounds: who sees which round, and a round's numbers."""

from __future__ import annotations

import datetime

from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from accounts.models import User
from findings.models import Petition, ProblemClue
from findings.selectors import problems_visible_to
from rectification.models import Measure
from rectification.selectors import (
    liaison_measure_filter,
    measure_numbers,
    measures_visible_to,
    problem_numbers,
)

from .models import InspectionRound


def rounds_visible_to(user: User) -> QuerySet[InspectionRound]:
    qs = InspectionRound.objects.select_related("target_unit")
    if user.sees_everything:
        return qs
    if user.is_liaison and user.unit_id:
        mine = Measure.objects.filter(liaison_measure_filter(user.unit_id))
        return qs.filter(Exists(mine.filter(problem__round=OuterRef("pk"))))
    return qs.none()


def round_stats(
    inspection_round: InspectionRound, user: User, as_of: datetime.date | None = None
) -> dict:
    """The numbers of DESIGN.md section 6 for one round, plus each problem's status."""
    measures = measures_visible_to(user).filter(problem__round=inspection_round)
    problems = problems_visible_to(user).filter(round=inspection_round).order_by("seq")
    stats: dict = {"round": inspection_round.pk}
    stats.update(measure_numbers(measures, as_of))
    stats.update(problem_numbers(problems))
    stats["problem_list"] = [
        {
            "id": p.pk,
            "seq": p.seq,
            "title": p.title,
            "aspect": p.aspect.title if p.aspect else None,
            "status": p.derived_status,
            "measures_total": p.measures_total,
            "measures_closed": p.measures_closed,
        }
        for p in problems
    ]
    if user.sees_everything:
        stats["clues"] = _handling_counts(
            ProblemClue.objects.filter(round=inspection_round), ProblemClue.Status.CONCLUDED
        )
        stats["petitions"] = _handling_counts(
            Petition.objects.filter(round=inspection_round), Petition.Status.CONCLUDED
        )
    return stats


def _handling_counts(qs: QuerySet, concluded: str) -> dict:
    return qs.aggregate(total=Count("id"), concluded=Count("id", filter=Q(status=concluded)))
