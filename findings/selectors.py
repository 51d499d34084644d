"""Reads of findings, scoped to who asks: liaisons see the problems around their measures."""

from __future__ import annotations

from django.db.models import Case, CharField, Count, Exists, OuterRef, Q, QuerySet, Value, When

from accounts.models import User
from rectification.models import Measure
from rectification.selectors import liaison_measure_filter, problem_completion_filters

from .models import Aspect, Petition, Problem, ProblemClue


def _liaison_measures(user: User) -> QuerySet[Measure]:
    return Measure.objects.filter(liaison_measure_filter(user.unit_id))


def problems_visible_to(user: User) -> QuerySet[Problem]:
    """Problems with their derived status and measure counts annotated."""
    qs = (
        Problem.objects.select_related("round", "aspect")
        .annotate(
            **problem_completion_filters(),
            measures_total=Count("measures", distinct=True),
            measures_closed=Count(
                "measures", filter=Q(measures__status=Measure.Status.CLOSED), distinct=True
            ),
        )
        .annotate(
            derived_status=Case(
                When(
                    has_measures=True,
                    has_open_measures=False,
                    then=Value(Problem.Status.COMPLETED.value),
                ),
                default=Value(Problem.Status.IN_PROGRESS.value),
                output_field=CharField(),
            )
        )
        # Meta.ordering is dropped from a GROUP BY query, which the counts above make this.
        .order_by(*Problem._meta.ordering)
    )
    if user.sees_everything:
        return qs
    if user.is_liaison and user.unit_id:
        return qs.filter(Exists(_liaison_measures(user).filter(problem=OuterRef("pk"))))
    return qs.none()


def aspects_visible_to(user: User) -> QuerySet[Aspect]:
    qs = Aspect.objects.select_related("round")
    if user.sees_everything:
        return qs
    if user.is_liaison and user.unit_id:
        return qs.filter(Exists(_liaison_measures(user).filter(problem__aspect=OuterRef("pk"))))
    return qs.none()


def clues_visible_to(user: User) -> QuerySet[ProblemClue]:
    if user.is_office:
        return ProblemClue.objects.select_related("round")
    return ProblemClue.objects.none()


def petitions_visible_to(user: User) -> QuerySet[Petition]:
    if user.is_office:
        return Petition.objects.select_related("round", "handler_unit")
    return Petition.objects.none()
