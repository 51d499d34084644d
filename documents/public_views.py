"""The public pages (双公开): published progress reports, readable without an account.

They read only the frozen snapshot, one query a page, and carry no names of liaisons, no clue
or petition content and no evidence; caching headers let a proxy answer crawlers.
"""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _

from accounts.models import Jurisdiction
from accounts.selectors import jurisdictions_below

from .models import Publication
from .publications import PUBLIC_FIELDS, public_publications
from .report import DOCX_CONTENT_TYPE, text_report_docx

PUBLIC_MAX_AGE = 300
PAGE_SIZE = 50


def _cached(response: HttpResponse) -> HttpResponse:
    patch_cache_control(response, public=True, max_age=PUBLIC_MAX_AGE)
    return response


def _page(template: str, context: dict) -> HttpResponse:
    # Rendered without the request: no context processor reads the session, so the answer
    # carries no cookie and does not vary by cookie, and any cache may keep it.
    return _cached(HttpResponse(render_to_string(template, context)))


def _shown(pk: int) -> Publication:
    try:
        return public_publications().get(pk=pk)
    except Publication.DoesNotExist as exc:
        raise Http404(_("No such published report.")) from exc


def _number(raw: str | None, ceiling: int) -> int | None:
    return int(raw) if raw and raw.isdigit() and 0 < int(raw) < ceiling else None


def public_list(request: HttpRequest) -> HttpResponse:
    """Published reports, newest first, with their organisation, publisher and date; with
    `?jurisdiction=`, those of one inspecting body and the bodies below it (a county
    publishes its own; the city's list holds its counties' too)."""
    page = _number(request.GET.get("page"), 10_000) or 1
    start = (page - 1) * PAGE_SIZE
    shown = public_publications().select_related("round__jurisdiction")
    shown = shown.only(
        *PUBLIC_FIELDS, "round__jurisdiction__name", "round__jurisdiction__short_name"
    )
    jurisdiction = None
    wanted = _number(request.GET.get("jurisdiction"), 2**31)
    if wanted is not None:
        jurisdiction = Jurisdiction.objects.filter(pk=wanted).first()
        if jurisdiction is None:
            raise Http404(_("No such inspecting body."))
        shown = shown.filter(round__jurisdiction_id__in=jurisdictions_below(wanted))
    rows = list(shown.order_by("-published_at", "-id")[start : start + PAGE_SIZE + 1])
    context = {
        "publications": rows[:PAGE_SIZE],
        "page": page,
        "has_next": len(rows) > PAGE_SIZE,
        "jurisdiction": jurisdiction,
        "query": f"jurisdiction={jurisdiction.pk}&" if jurisdiction else "",
    }
    return _page("documents/public_list.html", context)


def public_detail(request: HttpRequest, pk: int) -> HttpResponse:
    publication = _shown(pk)
    snapshot = publication.snapshot
    context = {
        "publication": publication,
        "snapshot": snapshot,
        "paragraphs": [line for line in snapshot.get("text", "").splitlines() if line.strip()],
        "numbers": snapshot.get("numbers", {}),
    }
    return _page("documents/public_detail.html", context)


def public_docx(request: HttpRequest, pk: int) -> HttpResponse:
    publication = _shown(pk)
    snapshot = publication.snapshot
    content = text_report_docx(snapshot["title"], snapshot["text"], mark=None)  # public: no mark
    response = HttpResponse(content, content_type=DOCX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="publication-{publication.pk}.docx"'
    return _cached(response)
