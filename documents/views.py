"""Pages of documents: paste feedback text and preview it before the import, upload a
filled-in ledger (整改台账), checked first, then imported, prepare, approve and read the
published progress reports (双公开), and a round's periodic report (半月报, 季度报)."""

from __future__ import annotations

from collections.abc import Callable

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from accounts.auth import signed_in_user
from accounts.selectors import jurisdictions_visible_to
from config.errors import DomainError
from findings.parser import MAX_TEXT_CHARS, FeedbackParseError, parse_feedback
from inspections.models import InspectionRound
from inspections.selectors import rounds_visible_to
from rectification.models import today
from rectification.selectors import rounds_in_view
from supervision.models import UrgeNotice

from .docx_in import DOCX_CONTENT_TYPE, read_feedback_file
from .feedback import feedback_import, preview, provisional_deadline
from .ledger import XLSX_CONTENT_TYPE, LedgerRejected, import_ledger
from .models import Publication
from .periodic import (
    HALF_MONTH,
    KINDS,
    OWN_ROW,
    QUARTER,
    Period,
    jurisdiction_periodic_report,
    may_read_jurisdiction_periodic,
    may_read_periodic,
    periodic_report,
    resolve_period,
)
from .publications import (
    TEXT_MAX,
    TITLE_MAX,
    publication_approve,
    publication_draft,
    publication_update,
    publication_withdraw,
    publications_visible_to,
)


class FeedbackTextForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Word file (.docx)"),
        required=False,
        widget=forms.ClearableFileInput(
            attrs={"accept": f".docx,{DOCX_CONTENT_TYPE}", "class": "feedback-file"}
        ),
    )
    text = forms.CharField(
        label=gettext_lazy("Feedback or progress report text"),
        widget=forms.Textarea(attrs={"rows": 18, "class": "feedback-text"}),
        max_length=MAX_TEXT_CHARS,
        strip=False,
        required=False,
    )

    def clean(self) -> dict:
        cleaned = super().clean() or {}
        if not cleaned.get("file") and not (cleaned.get("text") or "").strip():
            raise forms.ValidationError(
                _("Choose the Word file (.docx) of the feedback, or paste its text.")
            )
        return cleaned


def office_round(request: HttpRequest) -> InspectionRound:
    """The round named by ?round= (or the form's round), for office staff only."""
    user = signed_in_user(request)
    if not user.is_office:
        raise PermissionDenied(_("Only office staff can import documents."))
    raw = request.POST.get("round") or request.GET.get("round") or ""
    if not raw.isdigit():
        raise PermissionDenied(_("Choose a round first."))
    return get_object_or_404(rounds_visible_to(user), pk=int(raw))


@login_required
def feedback_import_page(request: HttpRequest) -> HttpResponse:
    """Drop a .docx or paste → preview (nothing saved) → correct the text → import.

    A Word file is read into the text box, so what is imported is the text the office saw
    and corrected; the office then fills the ledger.
    """
    inspection_round = office_round(request)
    form = FeedbackTextForm(request.POST or None, request.FILES or None)
    context = {
        "round": inspection_round,
        "form": form,
        "provisional_deadline": provisional_deadline(inspection_round),
        "preview": None,
    }
    if request.method == "POST" and form.is_valid():
        text = form.cleaned_data["text"]
        from_file = bool(form.cleaned_data.get("file"))
        if from_file:
            try:
                text = read_feedback_file(form.cleaned_data["file"])
            except DomainError as exc:
                form.add_error("file", exc.message)
                return render(request, "documents/feedback_import.html", context)
            # Show the file's text for correction; an import then sends that text.
            data = request.POST.copy()
            data["text"] = text
            form = FeedbackTextForm(data)
            form.is_valid()
            context["form"] = form
        try:
            result = parse_feedback(text)
        except FeedbackParseError as exc:
            form.add_error("text", str(exc))
        else:
            if "import" not in request.POST or from_file:
                context["preview"] = preview(result)
            else:
                try:
                    imported = feedback_import(
                        actor=signed_in_user(request),
                        inspection_round=inspection_round,
                        problems=result.problems,
                    )
                except DomainError as exc:
                    form.add_error(None, exc.message)
                    context["preview"] = preview(result)
                else:
                    messages.success(
                        request,
                        _(
                            "Imported %(problems)d problems and %(measures)d measures. Download "
                            "the ledger, fill in units and deadlines, and upload it here."
                        )
                        % {
                            "problems": len(imported.problems),
                            "measures": imported.measures_created,
                        },
                    )
                    return redirect(f"{reverse('ledger-import-page')}?round={inspection_round.pk}")
    return render(request, "documents/feedback_import.html", context)


class LedgerUploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Ledger (.xlsx)"),
        widget=forms.ClearableFileInput(attrs={"accept": f".xlsx,{XLSX_CONTENT_TYPE}"}),
    )
    dry_run = forms.BooleanField(
        label=gettext_lazy("Check only, save nothing"), required=False, initial=True
    )


@login_required
def ledger_import_page(request: HttpRequest) -> HttpResponse:
    inspection_round = office_round(request)
    form = LedgerUploadForm(request.POST or None, request.FILES or None)
    context = {"round": inspection_round, "form": form, "result": None, "errors": []}
    if request.method == "POST" and form.is_valid():
        dry_run = form.cleaned_data["dry_run"]
        try:
            result = import_ledger(
                actor=signed_in_user(request),
                inspection_round=inspection_round,
                file=form.cleaned_data["file"],
                dry_run=dry_run,
            )
        except LedgerRejected as exc:
            form.add_error(None, exc.message)
            context["errors"] = exc.errors
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            if dry_run:
                context["result"] = result.as_dict()
            else:
                summary = result.plan.summary()
                messages.success(
                    request,
                    _(
                        "Ledger imported: %(created)d measures created, %(updated)d updated, "
                        "%(unchanged)d unchanged."
                    )
                    % {
                        "created": summary["measures_created"],
                        "updated": summary["measures_updated"],
                        "unchanged": summary["measures_unchanged"],
                    },
                )
                return redirect(f"{reverse('ledger-import-page')}?round={inspection_round.pk}")
    return render(request, "documents/ledger_import.html", context)


# ---------------------------------------------------------------------------
# Disclosure (双公开): office drafts, edits and approves in the browser; every signed-in user
# reads what is published (the internal disclosure).


class PublicationTextForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("Title"), max_length=TITLE_MAX)
    text = forms.CharField(
        label=gettext_lazy("Text"),
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 24, "class": "publication-text"}),
    )


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason for withdrawal"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


@login_required
def publication_list(request: HttpRequest) -> HttpResponse:
    """Progress reports of every round: office sees drafts and records too."""
    user = signed_in_user(request)
    publications = publications_visible_to(user).order_by("-drafted_at", "-id")
    raw_round = request.GET.get("round", "")
    inspection_round = None
    if raw_round.isdigit():
        inspection_round = get_object_or_404(rounds_visible_to(user), pk=int(raw_round))
        publications = publications.filter(round=inspection_round)
    page = Paginator(publications, 30).get_page(request.GET.get("page"))
    context = {"page": page, "round": inspection_round, "can_draft": user.is_office}
    return render(request, "documents/publication_list.html", context)


@login_required
@require_POST
def publication_create(request: HttpRequest) -> HttpResponse:
    inspection_round = office_round(request)
    try:
        publication = publication_draft(
            actor=signed_in_user(request), inspection_round=inspection_round
        )
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect(f"{reverse('publication-list')}?round={inspection_round.pk}")
    messages.success(request, _("A draft was made from the generated report: edit it below."))
    return redirect("publication-detail", pk=publication.pk)


@login_required
def publication_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in_user(request)
    publication = get_object_or_404(publications_visible_to(user), pk=pk)
    editable = user.is_office and publication.state == Publication.State.DRAFT
    form = PublicationTextForm(
        request.POST if request.method == "POST" else None,
        initial={"title": publication.title, "text": publication.text},
    )
    if request.method == "POST":
        if not editable:
            raise PermissionDenied(_("Only a draft can be edited; a published report is frozen."))
        if form.is_valid():
            try:
                publication_update(actor=user, publication=publication, **form.cleaned_data)
            except DomainError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            else:
                messages.success(request, _("The draft was saved."))
                return redirect("publication-detail", pk=publication.pk)
    context = {
        "publication": publication,
        "form": form if editable else None,
        "can_approve": editable and publication.drafted_by_id != user.pk,
        "withdraw_form": WithdrawForm()
        if user.is_office and publication.state == Publication.State.PUBLISHED
        else None,
        "paragraphs": [line for line in publication.text.splitlines() if line.strip()],
    }
    return render(request, "documents/publication_detail.html", context)


def _publication_step(request: HttpRequest, pk: int, step: Callable[..., Publication]) -> None:
    user = signed_in_user(request)
    publication = get_object_or_404(publications_visible_to(user), pk=pk)
    try:
        if step is publication_withdraw:
            form = WithdrawForm(request.POST)
            if not form.is_valid():
                messages.error(request, _("Give the reason for the withdrawal."))
                return
            step(actor=user, publication=publication, reason=form.cleaned_data["reason"])
        else:
            step(actor=user, publication=publication)
    except DomainError as exc:
        messages.error(request, exc.message)


@login_required
@require_POST
def publication_approve_page(request: HttpRequest, pk: int) -> HttpResponse:
    _publication_step(request, pk, publication_approve)
    return redirect("publication-detail", pk=pk)


@login_required
@require_POST
def publication_withdraw_page(request: HttpRequest, pk: int) -> HttpResponse:
    _publication_step(request, pk, publication_withdraw)
    return redirect("publication-detail", pk=pk)


# ---------------------------------------------------------------------------
# Periodic reports (半月报, 季度报)

RECENT_PERIODS = 12  # offered in the period field's list


def _picked_period(request: HttpRequest) -> tuple[Period | None, str, str, list[Period]]:
    """The period of the address (kind and key), its error, its kind and the recent ones."""
    raw_kind = request.GET.get("kind", "")
    raw_period = request.GET.get("period", "")
    period: Period | None = None
    error = ""
    try:
        period = resolve_period(raw_period, raw_kind or None)
    except DomainError as exc:
        error = exc.message
    kind = period.kind if period else (raw_kind if raw_kind in KINDS else HALF_MONTH)
    recent = [Period.containing(today(), kind)]
    while len(recent) < RECENT_PERIODS and (earlier := recent[-1].neighbour(-1)):
        recent.append(earlier)
    return period, error, kind, recent


def _urge_levels(entries: list) -> list[dict]:
    labels = dict(UrgeNotice.Level.choices)
    return [
        {
            "unit": entry,
            "levels": [(labels[lvl], n) for lvl, n in entry.urges_by_level.items() if n],
        }
        for entry in entries
    ]


@login_required
def jurisdiction_periodic(request: HttpRequest) -> HttpResponse:
    """A jurisdiction's periodic report up the line (县报市, 市汇总各县): its own rounds and
    each jurisdiction below it, for the period picked; `?jurisdiction=` one of those below."""
    user = signed_in_user(request)
    raw = request.GET.get("jurisdiction", "")
    wanted = int(raw) if raw.isdigit() and int(raw) < 2**31 else user.jurisdiction_id
    jurisdiction = get_object_or_404(jurisdictions_visible_to(user), pk=wanted)
    if not may_read_jurisdiction_periodic(user, jurisdiction):
        raise PermissionDenied(
            _("The periodic reports up the line are for the office and leaders.")
        )
    period, error, kind, recent = _picked_period(request)
    report = (
        jurisdiction_periodic_report(jurisdiction=jurisdiction, period=period, user=user)
        if period
        else None
    )
    context = {
        "jurisdiction": jurisdiction,
        "up": jurisdiction.parent if jurisdiction.pk != user.jurisdiction_id else None,
        "kind": kind,
        "kinds": [(HALF_MONTH, _("Half month")), (QUARTER, _("Quarter"))],
        "period_text": period.key if period else request.GET.get("period", ""),
        "error": error,
        "period": period,
        "previous": period.neighbour(-1) if period else None,
        "next": period.neighbour(1) if period else None,
        "recent": recent,
        "report": report,
        "rows": _urge_levels(report.rows if report else []),
        "own_row": OWN_ROW,
    }
    return render(request, "documents/jurisdiction_periodic.html", context)


@login_required
def round_periodic(request: HttpRequest, pk: int) -> HttpResponse:
    """A round's periodic report: pick the kind and the period (kept in the address), read
    each lead unit's figures, download the docx and the xlsx of the same period."""
    user = signed_in_user(request)
    if not may_read_periodic(user):
        raise PermissionDenied(
            _("Periodic reports are for the office, leaders and supervision groups.")
        )
    inspection_round = get_object_or_404(rounds_in_view(user), pk=pk)
    period, error, kind, recent = _picked_period(request)
    raw_period = request.GET.get("period", "")
    report = (
        periodic_report(inspection_round=inspection_round, period=period, user=user)
        if period
        else None
    )
    rows = _urge_levels(report.units if report else [])
    context = {
        "round": inspection_round,
        "kind": kind,
        "kinds": [(HALF_MONTH, _("Half month")), (QUARTER, _("Quarter"))],
        "period_text": period.key if period else raw_period,
        "error": error,
        "period": period,
        "previous": period.neighbour(-1) if period else None,
        "next": period.neighbour(1) if period else None,
        "recent": recent,  # the current period, then those that have ended
        "report": report,
        "rows": rows,
    }
    return render(request, "documents/round_periodic.html", context)
