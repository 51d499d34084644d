"""Pages of supervision: urge notices (list, one notice with its replies, issuing one) and
the steps taken on them; each step calls one service of
supervision.urges, groups, lookback or evaluation."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.auth import signed_in_user
from accounts.models import Unit
from accounts.selectors import groups_supervising
from config.errors import DomainError, InvalidInput
from inspections.selectors import rounds_visible_to
from rectification import bulk
from rectification.bulk_pages import bulk_outcome, bulk_page_context
from rectification.forms import CommentForm, first_error
from rectification.models import Measure, today
from rectification.selectors import measures_visible_to, rounds_in_view

from . import evaluation, lookback, urge_comments, urges
from .forms import (
    LookBackStartForm,
    ManualScoreForm,
    RedBlackForm,
    UrgeAcceptForm,
    UrgeEscalateForm,
    UrgeIssueForm,
    UrgeReplyForm,
    VerdictForm,
)
from .models import LEVEL_ORDER, Evaluation, UrgeNotice

REPLY_DAYS = 7  # the usual time given for a written reply
TABS = {
    "live": (UrgeNotice.Status.OPEN, UrgeNotice.Status.REPLIED),
    "open": (UrgeNotice.Status.OPEN,),
    "replied": (UrgeNotice.Status.REPLIED,),
    "done": (UrgeNotice.Status.ACCEPTED, UrgeNotice.Status.ESCALATED),
    "all": (),
}


@login_required
def urge_list(request: HttpRequest) -> HttpResponse:
    """督办单: the notices the user sees, waiting for a reply first."""
    user = signed_in_user(request)
    tab = request.GET.get("tab") or "live"
    if tab not in TABS:
        tab = "live"
    notices = urges.urges_visible_to(user)
    if TABS[tab]:
        notices = notices.filter(status__in=TABS[tab])
    unit = request.GET.get("unit")
    if unit and unit.isdigit():
        notices = notices.filter(unit_id=int(unit))
    page = Paginator(urges.with_replies(notices).order_by(*urges.urge_order()), 20).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "supervision/urge_list.html",
        {
            "page": page,
            "tab": tab,
            "can_issue": user.is_office or groups_supervising(user).exists(),
            "today": today(),
        },
    )


@login_required
def urge_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in_user(request)
    notice = get_object_or_404(urges.with_replies(urges.urges_visible_to(user)), pk=pk)
    chain = [notice]
    # The earlier notices this one pressed again, newest first (a short chain: four levels).
    previous = UrgeNotice.objects.filter(replaced_by=notice).first()
    while previous is not None and len(chain) < 10:
        chain.append(previous)
        previous = UrgeNotice.objects.filter(replaced_by=previous).first()
    context = {
        "notice": notice,
        "earlier": chain[1:],
        "can_reply": notice.is_live and (user.is_admin or urges.is_unit_liaison(user, notice)),
        "can_decide": notice.is_live and urges.can_decide(user, notice),
        "reply_form": UrgeReplyForm(),
        "escalate_form": UrgeEscalateForm(
            notice=notice,
            initial={"reply_due": today() + datetime.timedelta(days=REPLY_DAYS)},
        ),
        "can_escalate": urges.next_level(notice.level) is not None,
        "today": today(),
        "comments": urge_comments.urge_comments(notice),
        "can_comment": urge_comments.can_comment(user, notice),
        "now": timezone.now(),
    }
    return render(request, "supervision/urge_detail.html", context)


def _comment_on(request: HttpRequest, pk: int, comment_pk: int | None) -> HttpResponse:
    """A new comment (comment_pk None) or its author's edit, in a notice's thread."""
    user = signed_in_user(request)
    notice = get_object_or_404(urges.urges_visible_to(user), pk=pk)
    back = reverse("urge-detail", args=[notice.pk]) + "#comments"
    form = CommentForm(request.POST)
    if not form.is_valid():
        messages.error(request, first_error(form))
        return redirect(back)
    text = form.cleaned_data["text"]
    try:
        if comment_pk is None:
            posted = urge_comments.urge_comment_post(notice=notice, actor=user, text=text)
            messages.success(request, _("Comment posted."))
        else:
            found = get_object_or_404(notice.comments, pk=comment_pk)
            posted = urge_comments.urge_comment_edit(comment_id=found.pk, actor=user, text=text)
            messages.success(request, _("Comment saved; the earlier text is kept."))
    except DomainError as error:
        messages.error(request, error.message)
        return redirect(back)
    for line in posted.messages():
        messages.info(request, line)
    return redirect(back)


@login_required
@require_POST
def urge_comment(request: HttpRequest, pk: int) -> HttpResponse:
    return _comment_on(request, pk, None)


@login_required
@require_POST
def urge_comment_edit(request: HttpRequest, pk: int, comment_pk: int) -> HttpResponse:
    return _comment_on(request, pk, comment_pk)


@login_required
def urge_issue(request: HttpRequest) -> HttpResponse:
    """Issue a notice on one measure (?measure=) or on a unit for several of its open
    measures (?unit=, then tick them)."""
    user = signed_in_user(request)
    if not (user.is_office or groups_supervising(user).exists()):
        raise PermissionDenied(_("Only office staff or a supervision group can issue notices."))
    source = request.POST if request.method == "POST" else request.GET
    visible = measures_visible_to(user)
    measure = None
    unit = None
    choices: list[Measure] = []
    raw_measure = source.get("measure", "")
    raw_unit = source.get("unit", "")
    if raw_measure.isdigit():
        measure = get_object_or_404(visible, pk=int(raw_measure))
        unit = measure.lead_unit
    elif raw_unit.isdigit():
        unit = get_object_or_404(Unit, pk=int(raw_unit))
        choices = list(
            visible.filter(lead_unit=unit)
            .exclude(status=Measure.Status.CLOSED)
            .order_by("problem__round_id", "problem__seq", "seq")
        )
    form = UrgeIssueForm(
        request.POST if request.method == "POST" else None,
        initial={"reply_due": today() + datetime.timedelta(days=REPLY_DAYS), "level": "remind"},
    )
    if request.method == "POST" and form.is_valid():
        picked = [m for m in choices if str(m.pk) in request.POST.getlist("measures")]
        try:
            notice = urges.urge_issue(
                actor=user,
                measure=measure,
                unit=unit if measure is None else None,
                measures=picked,
                **form.cleaned_data,
            )
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("The urge notice is issued."))
            return redirect("urge-detail", notice.pk)
    elif request.method == "POST":
        messages.error(request, first_error(form))
    units = (
        Unit.objects.filter(led_measures__in=visible.exclude(status=Measure.Status.CLOSED))
        .distinct()
        .order_by("name")
    )
    return render(
        request,
        "supervision/urge_form.html",
        {"form": form, "measure": measure, "unit": unit, "choices": choices, "units": units},
    )


@login_required
@require_POST
def urge_bulk(request: HttpRequest) -> HttpResponse:
    """One urge notice to each lead unit over the measures selected on a list (the bulk page's
    urge form): its preview, then the notices, all issued or none."""
    user = signed_in_user(request)
    if not (user.is_office or groups_supervising(user).exists()):
        raise PermissionDenied(_("Only office staff or a supervision group can issue notices."))
    back = _back_to(request, reverse("measure-list"))
    try:
        targets = bulk.select_posted(user, request.POST)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect(back)
    context = bulk_page_context(request, targets)
    form = UrgeIssueForm(request.POST)
    context["bulk_urge"] = {"form": form}
    if form.is_valid():
        data = form.cleaned_data
        done = bulk_outcome(
            request,
            context,
            lambda **k: urges.urge_issue_bulk(actor=user, targets=targets, **data, **k),
        )
        if done:
            return redirect(back)
    return render(request, "supervision/urge_bulk.html", context)


@login_required
@require_POST
def urge_step(request: HttpRequest, pk: int, step: str) -> HttpResponse:
    user = signed_in_user(request)
    notice = get_object_or_404(urges.urges_visible_to(user), pk=pk)
    back = _back_to(request, reverse("urge-detail", args=[notice.pk]))
    try:
        if step == "reply":
            reply_form = UrgeReplyForm(request.POST)
            if not reply_form.is_valid():
                messages.error(request, first_error(reply_form))
                return redirect(back)
            with transaction.atomic():
                urges.urge_reply(
                    notice_id=notice.pk,
                    actor=user,
                    text=reply_form.cleaned_data["text"],
                    files=request.FILES.getlist("file"),
                )
            messages.success(request, _("Your reply is sent. The office will read it."))
        elif step == "accept":
            accept_form = UrgeAcceptForm(request.POST)
            if not accept_form.is_valid():
                messages.error(request, first_error(accept_form))
                return redirect(back)
            urges.urge_accept(notice_id=notice.pk, actor=user, **accept_form.cleaned_data)
            messages.success(request, _("The reply is accepted; the notice is done."))
        elif step == "escalate":
            form = UrgeEscalateForm(request.POST, notice=notice)
            if not form.is_valid():
                messages.error(request, first_error(form))
                return redirect(back)
            successor = urges.urge_escalate(notice_id=notice.pk, actor=user, **form.cleaned_data)
            messages.success(request, _("Pressed again at a higher level."))
            return redirect("urge-detail", successor.pk)
        else:
            raise PermissionDenied(_("There is no such step."))
    except DomainError as error:
        messages.error(request, error.message)
    return redirect(back)


def _back_to(request: HttpRequest, default: str) -> str:
    """The page a step came from, if it is ours; else `default`."""
    target = request.POST.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


# --- Look-back reviews (回头看) ---------------------------------------------------------------


@login_required
@require_POST
def look_back_start(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in_user(request)
    inspection_round = get_object_or_404(rounds_visible_to(user), pk=pk)
    form = LookBackStartForm(request.POST)
    if not form.is_valid():
        messages.error(request, first_error(form))
        return redirect("round-detail", inspection_round.pk)
    try:
        look_back = lookback.look_back_start(
            actor=user, inspection_round=inspection_round, **form.cleaned_data
        )
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("round-detail", inspection_round.pk)
    messages.success(request, _("The look-back review has started."))
    return redirect("look-back-detail", look_back.pk)


@login_required
def look_back_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in_user(request)
    look_back = get_object_or_404(lookback.look_backs_visible_to(user), pk=pk)
    items = lookback.look_back_items_visible_to(user).filter(look_back=look_back)
    return render(
        request,
        "supervision/look_back_detail.html",
        {
            "look_back": look_back,
            "items": items.order_by("measure__problem__seq", "measure__seq", "id"),
            "can_judge": user.is_office,
            "today": today(),
        },
    )


@login_required
@require_POST
def look_back_verdict(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in_user(request)
    item = get_object_or_404(lookback.look_back_items_visible_to(user), pk=pk)
    back = _back_to(request, reverse("look-back-detail", args=[item.look_back_id]))
    form = VerdictForm(request.POST)
    if not form.is_valid():
        messages.error(request, first_error(form))
        return redirect(back)
    try:
        lookback.look_back_verdict(item_id=item.pk, actor=user, **form.cleaned_data)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("Relapsed: the measure is reopened with its new deadline.")
            if form.cleaned_data["verdict"] == "relapsed"
            else _("Holding: recorded."),
        )
    return redirect(back)


# --- The hundred-point evaluation (百分制) and the red-and-black list (红黑榜) ---------------


def _scheme_items_from(post, items: list[dict]) -> list[dict]:
    """The scheme form's rows: each item's name, weight (and cap) and whether it stays, and
    an optional new manual item. The service checks what comes out."""
    result = []
    for item in items:
        key = item["key"]
        if not post.get(f"keep_{key}"):
            continue
        row = dict(item)
        row["name"] = post.get(f"name_{key}", item["name"])
        row["weight"] = post.get(f"weight_{key}", item["weight"])
        if item["kind"] == "deduction":
            row["cap"] = post.get(f"cap_{key}", item.get("cap", 100))
        result.append(row)
    new_name = (post.get("new_name") or "").strip()
    if new_name:
        taken = {i["key"] for i in result}
        n = 1
        while f"manual_{n}" in taken:
            n += 1
        result.append(
            {
                "key": f"manual_{n}",
                "name": new_name,
                "kind": "manual",
                "weight": post.get("new_weight") or 0,
            }
        )
    return result


@login_required
def round_evaluation(request: HttpRequest, pk: int) -> HttpResponse:
    """A round's evaluation scheme (the office edits it) and its evaluations."""
    user = signed_in_user(request)
    if not (user.sees_jurisdiction or groups_supervising(user).exists()):
        raise PermissionDenied(_("Evaluations are for the office, leaders and supervision groups."))
    inspection_round = get_object_or_404(rounds_in_view(user), pk=pk)
    scheme = evaluation.scheme_of(inspection_round)
    items = scheme.items if scheme else evaluation.DEFAULT_ITEMS
    if request.method == "POST":
        try:
            if request.POST.get("action") == "evaluate":
                raw = request.POST.get("as_of") or ""
                try:
                    as_of = datetime.date.fromisoformat(raw) if raw else None
                except ValueError:
                    raise InvalidInput(_("Enter a date as YYYY-MM-DD."), field="as_of") from None
                made = evaluation.evaluation_create(
                    actor=user, inspection_round=inspection_round, as_of=as_of
                )
                messages.success(request, _("The evaluation is scored as a draft."))
                return redirect("evaluation-detail", made.pk)
            evaluation.scheme_save(
                actor=user,
                inspection_round=inspection_round,
                items=_scheme_items_from(request.POST, items),
            )
            messages.success(request, _("The evaluation scheme is saved."))
        except DomainError as error:
            messages.error(request, error.message)
        return redirect("round-evaluation", inspection_round.pk)
    rows = []
    for item in items:
        formula = evaluation.FORMULAS.get(item.get("formula", ""), "")
        level = item.get("level")
        rows.append(
            {
                **item,
                "formula_text": formula,
                "level_label": UrgeNotice.Level(level).label if level in LEVEL_ORDER else "",
            }
        )
    return render(
        request,
        "supervision/round_evaluation.html",
        {
            "round": inspection_round,
            "scheme": scheme,
            "items": rows,
            "evaluations": evaluation.evaluations_visible_to(user).filter(round=inspection_round),
            "can_edit": user.is_office,
            "today": today(),
        },
    )


@login_required
def evaluation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in_user(request)
    target = get_object_or_404(evaluation.evaluations_visible_to(user), pk=pk)
    scores = evaluation.ordered_scores(target, user)
    manual_items = [i for i in target.items if i["kind"] == "manual"]
    scorable = (
        {s.pk for s in scores if evaluation.can_score_manually(user, s)}
        if target.status == Evaluation.Status.DRAFT
        else set()
    )
    rows = [
        {
            "score": s,
            "cells": [s.items.get(i["key"], {}) for i in target.items],
            "scorable": s.pk in scorable,
        }
        for s in scores
    ]
    return render(
        request,
        "supervision/evaluation_detail.html",
        {
            "evaluation": target,
            "rows": rows,
            "manual_items": manual_items,
            "lists": target.red_black_lists.order_by("-published_at"),
            "can_publish": user.is_office and target.status == Evaluation.Status.DRAFT,
            "can_list": user.is_office and target.status == Evaluation.Status.PUBLISHED,
            "default_period": evaluation.quarter_label(target.as_of),
        },
    )


@login_required
@require_POST
def evaluation_step(request: HttpRequest, pk: int, step: str) -> HttpResponse:
    user = signed_in_user(request)
    target = get_object_or_404(evaluation.evaluations_visible_to(user), pk=pk)
    back = reverse("evaluation-detail", args=[target.pk])
    try:
        if step == "publish":
            evaluation.evaluation_publish(evaluation_id=target.pk, actor=user)
            messages.success(request, _("The evaluation is published; its scores are frozen."))
        elif step == "recompute":
            evaluation.evaluation_recompute(evaluation_id=target.pk, actor=user)
            messages.success(request, _("Scored again with today's records."))
        elif step == "score":
            form = ManualScoreForm(request.POST)
            if not form.is_valid():
                messages.error(request, first_error(form))
                return redirect(back)
            unit_id = form.cleaned_data["unit"]
            evaluation.evaluation_score_manual(
                evaluation_id=target.pk,
                actor=user,
                unit=Unit.objects.filter(pk=unit_id).first() if unit_id else None,
                key=form.cleaned_data["key"],
                score=form.cleaned_data["score"],
                note=form.cleaned_data["note"],
            )
            messages.success(request, _("The score is saved."))
        elif step == "list":
            list_form = RedBlackForm(request.POST)
            if not list_form.is_valid():
                messages.error(request, first_error(list_form))
                return redirect(back)
            listing = evaluation.red_black_publish(
                actor=user, evaluation_id=target.pk, **list_form.cleaned_data
            )
            messages.success(request, _("The red-and-black list is published."))
            return redirect("red-black-detail", listing.pk)
        else:
            raise PermissionDenied(_("There is no such step."))
    except DomainError as error:
        messages.error(request, error.message)
    return redirect(back)


@login_required
def red_black_list(request: HttpRequest) -> HttpResponse:
    """Every published list, newest first; with ?unit= the unit's history on them."""
    user = signed_in_user(request)
    lists = evaluation.red_black_lists_visible_to(user).order_by("-published_at", "-id")
    unit = None
    raw = request.GET.get("unit") or ""
    history = []
    if raw.isdigit():
        unit = get_object_or_404(Unit, pk=int(raw))
        for listing in lists[:200]:
            for side, entries in (("red", listing.red), ("black", listing.black)):
                for entry in entries:
                    if entry["unit"] == unit.pk:
                        history.append({"list": listing, "side": side, "entry": entry})
    page = Paginator(lists, 20).get_page(request.GET.get("page"))
    return render(
        request,
        "supervision/red_black_list.html",
        {"page": page, "unit": unit, "history": history},
    )


@login_required
def red_black_detail(request: HttpRequest, pk: int) -> HttpResponse:
    listing = get_object_or_404(
        evaluation.red_black_lists_visible_to(signed_in_user(request)), pk=pk
    )
    return render(request, "supervision/red_black_detail.html", {"listing": listing})
