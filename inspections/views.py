"""Pages for inspection rounds: the list and one round with its problems and measures."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from rectification.models import Measure
from rectification.selectors import measures_visible_to

from .selectors import round_stats, rounds_visible_to


@login_required
def home(request: HttpRequest) -> HttpResponse:
    return redirect("round-list")


@login_required
def round_list(request: HttpRequest) -> HttpResponse:
    rounds = rounds_visible_to(request.user).annotate(
        problem_count=Count("problems", distinct=True),
        measure_count=Count("problems__measures", distinct=True),
        closed_count=Count(
            "problems__measures",
            filter=Q(problems__measures__status=Measure.Status.CLOSED),
            distinct=True,
        ),
    )
    return render(request, "inspections/round_list.html", {"rounds": rounds})


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
    return render(request, "inspections/round_detail.html", context)
