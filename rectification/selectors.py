"""Reads that matter: which measures a user sees, and the one definition of every number
(of a set of measures, a problem, a round)."""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import (
    Case,
    CharField,
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce, TruncDate

from accounts.models import User
from accounts.selectors import in_liaison_scope, liaison_scope
from findings.models import Petition, Problem, ProblemClue
from findings.selectors import problems_visible_to
from inspections.models import InspectionRound

from .models import (
    Evidence,
    Extension,
    Measure,
    ProgressReport,
    StatusChange,
    overdue_filter,
    today,
)

CLOSED = Measure.Status.CLOSED


def measures_visible_to(user: User) -> QuerySet[Measure]:
    qs = Measure.objects.select_related(
        "problem",
        "problem__round",
        "problem__aspect",
        "lead_unit",
        "lead_official_user",
        "closed_by",
        "submitted_by",
    ).prefetch_related("cooperating_units")
    if user.sees_everything:
        return qs
    if user.is_liaison and user.unit_id:
        return in_liaison_scope(qs, user.unit_id, via="")
    return qs.none()


def measure_history(measure: Measure) -> QuerySet[StatusChange]:
    return measure.history.select_related("actor").order_by("at", "id")


def measure_numbers(measures: QuerySet[Measure], as_of: datetime.date | None = None) -> dict:
    """DESIGN.md section 6 for a set of measures, computed in one query.

    Rates are None, not zero, when their denominator is zero.
    """
    day = as_of or today()
    not_closed = ~Q(status=CLOSED)
    due = Q(deadline__lte=day, is_long_term=False)
    extended = Extension.objects.filter(measure=OuterRef("pk"), status=Extension.Status.APPROVED)
    counts = (
        measures.order_by()
        .annotate(submitted_day=TruncDate("submitted_at"), was_extended=Exists(extended))
        .aggregate(
            total=Count("id"),
            closed=Count("id", filter=Q(status=CLOSED)),
            submitted=Count("id", filter=Q(status=Measure.Status.SUBMITTED)),
            in_progress=Count("id", filter=Q(status=Measure.Status.IN_PROGRESS)),
            not_started=Count("id", filter=Q(status=Measure.Status.NOT_STARTED)),
            long_term=Count("id", filter=Q(is_long_term=True) & not_closed),
            overdue=Count("id", filter=overdue_filter(day)),
            due_soon=Count(
                "id",
                filter=Q(deadline__gte=day, deadline__lte=day + datetime.timedelta(days=7))
                & not_closed,
            ),
            due_by_today=Count("id", filter=due),
            closed_on_time=Count(
                "id",
                filter=due & Q(status=CLOSED, submitted_day__lte=F("deadline")),
            ),
            extended=Count("id", filter=Q(was_extended=True)),
        )
    )
    counts["completion_rate"] = _rate(counts["closed"], counts["total"])
    counts["on_time_rate"] = _rate(counts["closed_on_time"], counts["due_by_today"])
    counts["as_of"] = day
    return counts


def _rate(numerator: int, denominator: int) -> float | None:
    if not denominator:
        return None
    return round(numerator / denominator, 4)


def problem_completion_filters(prefix: str = "") -> dict[str, Any]:
    """Annotations telling whether a problem has measures and whether any is still open."""
    return {
        "has_measures": Exists(Measure.objects.filter(problem=OuterRef(f"{prefix}pk"))),
        "has_open_measures": Exists(
            Measure.objects.filter(problem=OuterRef(f"{prefix}pk")).exclude(status=CLOSED)
        ),
    }


def problem_numbers(problems: QuerySet) -> dict:
    """Problems, completed problems and the problem completion rate (整改完成率)."""
    counts = (
        problems.order_by()
        .annotate(**problem_completion_filters())
        .aggregate(
            problems=Count("id"),
            problems_completed=Count("id", filter=Q(has_measures=True, has_open_measures=False)),
        )
    )
    counts["problems_in_progress"] = counts["problems"] - counts["problems_completed"]
    counts["problem_completion_rate"] = _rate(counts["problems_completed"], counts["problems"])
    return counts


def with_problem_status(
    problems: QuerySet[Problem], unit_id: int | None = None
) -> QuerySet[Problem]:
    """Each problem's derived status and measure counts, annotated in the same query.

    With `unit_id` (a liaison's unit) the counts are of that unit's measures only, so that
    a liaison learns nothing about other units' work; the status stays the problem's own.
    """
    if unit_id is None:
        counts = {
            "measures_total": Count("measures", distinct=True),
            "measures_closed": Count("measures", filter=Q(measures__status=CLOSED), distinct=True),
        }
    else:
        scoped = Measure.objects.filter(liaison_scope(unit_id), problem=OuterRef("pk"))
        counts = {
            "measures_total": _count_of(scoped),
            "measures_closed": _count_of(scoped.filter(status=CLOSED)),
        }
    return (
        problems.annotate(**problem_completion_filters(), **counts)
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


def _count_of(measures: QuerySet[Measure]) -> Coalesce:
    per_problem = (
        measures.order_by().values("problem").annotate(n=Count("id", distinct=True)).values("n")
    )
    return Coalesce(Subquery(per_problem, output_field=IntegerField()), 0)


def problems_with_status_visible_to(user: User) -> QuerySet[Problem]:
    """The problems a user sees, with the status and counts their measures give them."""
    unit_id = user.unit_id if not user.sees_everything and user.is_liaison else None
    return with_problem_status(problems_visible_to(user), unit_id)


def round_stats(
    inspection_round: InspectionRound, user: User, as_of: datetime.date | None = None
) -> dict:
    """The numbers of DESIGN.md section 6 for one round, plus each problem's status."""
    measures = measures_visible_to(user).filter(problem__round=inspection_round)
    problems = problems_with_status_visible_to(user).filter(round=inspection_round).order_by("seq")
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


def evidence_visible_to(user: User) -> QuerySet[Evidence]:
    visible = measures_visible_to(user).values("id")
    return Evidence.objects.filter(measure_id__in=visible).select_related("uploaded_by")


def extensions_visible_to(user: User) -> QuerySet[Extension]:
    visible = measures_visible_to(user).values("id")
    return Extension.objects.filter(measure_id__in=visible).select_related("requested_by")


def with_latest_progress(measures: QuerySet[Measure]) -> QuerySet[Measure]:
    """Annotate each measure's latest progress text and evidence count in the same query."""
    latest = ProgressReport.objects.filter(measure=OuterRef("pk")).order_by("-created_at", "-id")
    evidence = (
        Evidence.objects.filter(measure=OuterRef("pk"))
        .order_by()
        .values("measure")
        .annotate(n=Count("id"))
        .values("n")
    )
    return measures.annotate(
        latest_progress=Subquery(latest.values("text")[:1]),
        evidence_count=Coalesce(Subquery(evidence, output_field=IntegerField()), 0),
    )


def problem_order(prefix: str = "") -> tuple[Any, str]:
    """Problems grouped by aspect, then by number: the order of the ledger and the report.

    `prefix` names the problem from another model, e.g. "problem__" from a measure.
    """
    return (F(f"{prefix}aspect__seq").asc(nulls_last=True), f"{prefix}seq")
