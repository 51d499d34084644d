"""The leader's dashboard page: KPI cards and attention lists rendered here, charts drawn by
static/js/dashboard.js from the dashboard API with the same filters (kept in the URL)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from accounts.auth import signed_in_user
from config.errors import InvalidInput, NotAllowed

from . import selectors

UNIT_ROWS = 30  # rows of the table of lead units per page


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    try:
        view = selectors.dashboard_view(user, request.GET)
    except NotAllowed as error:
        raise PermissionDenied(error.message) from None
    except selectors.NoSuchJurisdiction as error:
        raise Http404(error.message) from None
    except InvalidInput as error:
        messages.error(request, error.message)
        # The jurisdiction was read before the filter that failed: keep looking at it.
        view = selectors.dashboard_view(user, {"jurisdiction": request.GET.get("jurisdiction")})
    measure_query = view.measure_query()
    across_units = {k: v for k, v in measure_query.items() if k != "lead_unit"}
    context = {
        "view": view,
        "measure_query": urlencode(measure_query),
        "across_units_query": urlencode(across_units),
        # A province's few hundred units a page at a time: the chart (dashboard/units/) and the
        # red-and-black ranking show them all.
        "unit_rows": Paginator(selectors.unit_ranking(view)["results"], UNIT_ROWS).get_page(
            request.GET.get("page")
        ),
        "summary": selectors.summary(view),
        "urges": selectors.urge_summary(view),
        "red_black": selectors.current_red_black_list(view),
        "query": urlencode(view.query()),
        "comparison": selectors.jurisdiction_comparison(view)["results"],
        **selectors.attention_lists(view),
        **selectors.filter_choices(view.user),
    }
    return render(request, "dashboard/dashboard.html", context)
