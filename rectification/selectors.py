"""Reads that matter: which measures a user sees, and the one definition of every number."""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import Count, Exists, F, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce, TruncDate

from accounts.models import User

from .models import Evidence, Extension, Measure, ProgressReport, StatusChange, today

CLOSED = Measure.Status.CLOSED


def liaison_measure_filter(unit_id: int | None, prefix: str = "") -> Q:
    """Measures whose lead or cooperating unit is the liaison's, as a filter on `prefix`."""
    cooperating = Measure.cooperating_units.through.objects.filter(unit_id=unit_id).values(
        "measure_id"
    )
    return Q(**{f"{prefix}lead_unit_id": unit_id}) | Q(**{f"{prefix}id__in": cooperating})


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
        return qs.filter(liaison_measure_filter(user.unit_id))
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
            overdue=Count("id", filter=Q(deadline__lt=day, is_long_term=False) & not_closed),
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
