"""Pages of the evaluation of the jurisdictions below (市对县考核评价): the list, where the office
of a jurisdiction with jurisdictions below it starts one, and an evaluation's page, where it
scores the manual items, scores again, and a second person publishes."""

from __future__ import annotations

import datetime
from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from accounts.auth import signed_in_user
from accounts.selectors import jurisdictions_directly_below, owns_jurisdiction
from config.errors import DomainError, InvalidInput
from rectification.models import today

from . import jurisdiction_evaluation as evaluations
from .models import JurisdictionEvaluation

PAGE_SIZE = 50


@login_required
def jurisdiction_evaluation_list(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    if not user.sees_jurisdiction:
        raise PermissionDenied(
            _("The evaluations of jurisdictions are for the office and leaders.")
        )
    can_create = user.is_office and bool(jurisdictions_directly_below(user.jurisdiction_id))
    if request.method == "POST":
        if not can_create:
            raise PermissionDenied(
                _("Only the office of a jurisdiction with jurisdictions below it evaluates them.")
            )
        try:
            raw_day = request.POST.get("as_of", "").strip()
            try:
                day = datetime.date.fromisoformat(raw_day) if raw_day else None
            except ValueError:
                raise InvalidInput(_("Enter a date as YYYY-MM-DD."), field="as_of") from None
            made = evaluations.jurisdiction_evaluation_create(
                actor=user,
                jurisdiction=user.jurisdiction,
                title=request.POST.get("title", "")[:300],
                as_of=day,
            )
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("The evaluation is drafted and scored."))
            return redirect("jurisdiction-evaluation-detail", made.pk)
    rows = list(
        evaluations.jurisdiction_evaluations_visible_to(user).order_by("-as_of", "-id")[:PAGE_SIZE]
    )
    context = {"evaluations": rows, "can_create": can_create, "today": today()}
    return render(request, "supervision/jurisdiction_evaluation_list.html", context)


def _score(raw: str) -> Decimal | None:
    if not raw.strip():
        return None
    try:
        return Decimal(raw.strip()[:20])
    except InvalidOperation:
        raise InvalidInput(_("Enter the score as a number."), field="score") from None


@login_required
def jurisdiction_evaluation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in_user(request)
    target = get_object_or_404(evaluations.jurisdiction_evaluations_visible_to(user), pk=pk)
    own = user.is_office and owns_jurisdiction(user, target.jurisdiction_id)
    draft = target.status == JurisdictionEvaluation.Status.DRAFT
    if request.method == "POST":
        if not (own and draft):
            raise PermissionDenied(_("Only the evaluating office changes a draft evaluation."))
        action = request.POST.get("action", "")
        try:
            if action == "score":
                raw = request.POST.get("jurisdiction", "")
                evaluations.jurisdiction_score_manual(
                    evaluation_id=target.pk,
                    actor=user,
                    jurisdiction_id=int(raw) if raw.isdigit() and int(raw) < 2**31 else 0,
                    key=request.POST.get("key", "")[:50],
                    score=_score(request.POST.get("score", "")),
                    note=request.POST.get("note", "")[:500],
                )
                messages.success(request, _("The score is saved."))
            elif action == "recompute":
                evaluations.jurisdiction_evaluation_recompute(evaluation_id=target.pk, actor=user)
                messages.success(request, _("Scored again from today's numbers."))
            elif action == "publish":
                evaluations.jurisdiction_evaluation_publish(evaluation_id=target.pk, actor=user)
                messages.success(request, _("The evaluation is published and frozen."))
            else:
                raise InvalidInput(_("Choose what to do."), field="action")
        except DomainError as error:
            messages.error(request, error.message)
        return redirect("jurisdiction-evaluation-detail", target.pk)
    scores = evaluations.scores_visible_to(user, target)
    red, black = evaluations.red_and_black(scores) if not draft else ([], [])
    rows = [
        {
            "score": s,
            "cells": [s.items.get(i["key"], {}) for i in target.items],
            "mark": "red" if s in red else "black" if s in black else "",
        }
        for s in scores
    ]
    context = {
        "evaluation": target,
        "rows": rows,
        "manual_items": [i for i in target.items if i["kind"] == "manual"],
        "can_edit": own and draft,
        "red": red,
        "black": black,
    }
    return render(request, "supervision/jurisdiction_evaluation_detail.html", context)
