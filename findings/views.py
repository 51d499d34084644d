"""Pages of findings: add an aspect to a round; problem clues (问题线索) and petitions
(信访件): list, filter, create, edit, conclude. Clues and petitions are the office's only,
and their pages carry the viewer's watermark (config/watermark.py)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.auth import signed_in_user
from config.errors import DomainError
from config.watermark import page_context
from inspections.selectors import rounds_owned_by, rounds_visible_to

from . import services
from .forms import AspectForm, ClueFilter, ClueForm, PetitionFilter, PetitionForm
from .models import Petition, ProblemClue, late_filter
from .selectors import clues_visible_to, petitions_visible_to

PAGE_SIZE = 30


def _office_only(request: HttpRequest) -> None:
    if not signed_in_user(request).is_office:
        raise PermissionDenied(
            _("Problem clues and petitions are seen by the inspection office only.")
        )


@login_required
def aspect_create(request: HttpRequest, round_pk: int) -> HttpResponse:
    if not signed_in_user(request).is_office:
        raise PermissionDenied(_("Only office staff can add aspects and problems."))
    inspection_round = get_object_or_404(rounds_owned_by(signed_in_user(request)), pk=round_pk)
    form = AspectForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.aspect_create(
                actor=signed_in_user(request),
                inspection_round=inspection_round,
                title=form.cleaned_data["title"],
            )
        except DomainError as error:
            form.add_error("title", error.message)
        else:
            messages.success(request, _("The aspect is added."))
            return redirect("round-detail", inspection_round.pk)
    return render(
        request,
        "findings/simple_form.html",
        {"form": form, "title": _("Add an aspect"), "round": inspection_round},
    )


def _listing(request, queryset, filter_form, template, extra):
    day = timezone.localdate()
    form = filter_form(request.GET or None)
    if form.is_valid():
        data = form.cleaned_data
        if data.get("round"):
            queryset = queryset.filter(round_id=data["round"])
        if data.get("status"):
            queryset = queryset.filter(status=data["status"])
        if data.get("q"):
            queryset = queryset.filter(summary__icontains=data["q"])
        if data.get("late"):
            queryset = queryset.filter(late_filter(day))
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    for row in page.object_list:
        row.late_days = row.days_late(day) if row.is_late(day) else 0
    context = {
        "page": page,
        "today": day,
        "filter": form,
        "rounds": rounds_visible_to(signed_in_user(request)),
        **page_context(signed_in_user(request)),
        **extra,
    }
    return render(request, template, context)


@login_required
def clue_list(request: HttpRequest) -> HttpResponse:
    _office_only(request)
    return _listing(
        request,
        clues_visible_to(signed_in_user(request)),
        ClueFilter,
        "findings/clue_list.html",
        {"statuses": ProblemClue.Status.choices},
    )


@login_required
def petition_list(request: HttpRequest) -> HttpResponse:
    _office_only(request)
    return _listing(
        request,
        petitions_visible_to(signed_in_user(request)),
        PetitionFilter,
        "findings/petition_list.html",
        {"statuses": Petition.Status.choices},
    )


def _edit(request, *, form, service, key, instance, back, title):
    if request.method == "POST" and form.is_valid():
        fields = dict(form.cleaned_data)
        document = fields.pop("document", None)
        try:
            service(
                actor=signed_in_user(request), fields=fields, document=document, **{key: instance}
            )
        except DomainError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(request, _("Saved."))
            return redirect(back)
    context = {"form": form, "title": title, **page_context(signed_in_user(request))}
    return render(request, "findings/simple_form.html", context)


@login_required
def clue_form(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    _office_only(request)
    instance = get_object_or_404(clues_visible_to(signed_in_user(request)), pk=pk) if pk else None
    initial = {"round": request.GET.get("round")} if not pk else None
    form = ClueForm(
        request.POST or None,
        request.FILES or None,
        instance=instance,
        initial=initial,
        rounds=rounds_visible_to(signed_in_user(request)),
    )
    return _edit(
        request,
        form=form,
        service=services.clue_save,
        key="clue",
        instance=instance,
        back="clue-list",
        title=_("Edit problem clue") if pk else _("New problem clue"),
    )


@login_required
def petition_form(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    _office_only(request)
    instance = (
        get_object_or_404(petitions_visible_to(signed_in_user(request)), pk=pk) if pk else None
    )
    initial = {"round": request.GET.get("round")} if not pk else None
    form = PetitionForm(
        request.POST or None,
        request.FILES or None,
        instance=instance,
        initial=initial,
        rounds=rounds_visible_to(signed_in_user(request)),
        user=signed_in_user(request),
    )
    return _edit(
        request,
        form=form,
        service=services.petition_save,
        key="petition",
        instance=instance,
        back="petition-list",
        title=_("Edit petition") if pk else _("New petition"),
    )
