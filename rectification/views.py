"""Pages for measures: the filtered list and one measure with its whole record."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone

from . import services
from .api import MeasureFilter
from .models import Measure
from .selectors import measure_history, measures_visible_to


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
