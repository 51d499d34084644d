"""Pages of rectification: the rounds with their problems' measures, the filtered measure list
and one measure with its whole record."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from accounts.selectors import liaison_scope
from inspections.selectors import rounds_visible_to

from . import services
from .filters import MeasureFilter
from .models import Measure
from .selectors import measure_history, measures_visible_to, round_stats


@login_required
def home(request: HttpRequest) -> HttpResponse:
    return redirect("round-list")


@login_required
def round_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    # A liaison counts their unit's measures (and the problems holding them) only.
    scope = Q() if user.sees_everything else liaison_scope(user.unit_id, via="problems__measures__")
    rounds = rounds_visible_to(user).annotate(
        problem_count=Count("problems", filter=scope, distinct=True),
        measure_count=Count("problems__measures", filter=scope, distinct=True),
        closed_count=Count(
            "problems__measures",
            filter=scope & Q(problems__measures__status=Measure.Status.CLOSED),
            distinct=True,
        ),
    )
    return render(request, "rectification/round_list.html", {"rounds": rounds})


@login_required
def round_detail(request: HttpRequest, pk: int) -> HttpResponse:
    inspection_round = get_object_or_404(rounds_visible_to(request.user), pk=pk)
    measures = measures_visible_to(request.user).filter(problem__round=inspection_round)
    problems: dict[int, dict] = {}
    for measure in measures:
        entry = problems.setdefault(
            measure.problem_id, {"problem": measure.problem, "measures": []}
        )
        entry["measures"].append(measure)
    context = {
        "round": inspection_round,
        "stats": round_stats(inspection_round, request.user),
        "problems": sorted(problems.values(), key=lambda e: e["problem"].seq),
    }
    return render(request, "rectification/round_detail.html", context)


@login_required
def measure_list(request: HttpRequest) -> HttpResponse:
    measures = measures_visible_to(request.user)
    filtered = MeasureFilter(request.GET, queryset=measures.order_by("deadline", "id"))
    page = Paginator(filtered.qs, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "rectification/measure_list.html",
        {"filter": filtered, "page": page, "statuses": Measure.Status.choices},
    )


@login_required
def measure_detail(request: HttpRequest, pk: int) -> HttpResponse:
    measure = get_object_or_404(measures_visible_to(request.user), pk=pk)
    user = request.user
    lead = user.is_admin or services.is_lead_liaison(user, measure)
    context = {
        "measure": measure,
        "history": measure_history(measure),
        "progress": measure.progress.select_related("author").order_by("created_at", "id"),
        "evidence": measure.evidence.select_related("uploaded_by"),
        "extensions": measure.extensions.select_related("requested_by", "decided_by"),
        "can_act_for_unit": lead,
        "can_review": user.is_office,
        "period": services.period_key(timezone.localdate()),
    }
    return render(request, "rectification/measure_detail.html", context)
