"""Pages of the supervision groups (督查组): the groups a user sees, one group with its units
and visits, forming and changing a group (office), and recording a visit (a member), which
may raise an urge notice or a new problem in the same step."""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from accounts.auth import signed_in_user
from config.errors import DomainError
from rectification.forms import first_error
from rectification.models import Measure, today

from . import groups
from .forms import GroupForm, VisitForm

REPLY_DAYS = 7  # the usual time given for a written reply
VISITS_PER_PAGE = 20


@login_required
def supervision_home(request: HttpRequest) -> HttpResponse:
    """督查组: the groups the user sees; a member lands here."""
    user = signed_in_user(request)
    visible = list(
        groups.with_composition(groups.groups_visible_to(user)).order_by("-is_active", "name")
    )
    if not (user.sees_jurisdiction or visible):
        raise PermissionDenied(_("This page is for the office and the supervision groups."))
    return render(
        request,
        "supervision/supervision_home.html",
        {
            "groups": visible,
            "can_form": user.is_office,
            "visits": groups.visits_visible_to(user)[:10],
        },
    )


@login_required
def group_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in_user(request)
    group = get_object_or_404(groups.with_composition(groups.groups_visible_to(user)), pk=pk)
    day = today()
    visits = Paginator(
        groups.visits_visible_to(user)
        .filter(group=group)
        .select_related("raised_problem")
        .prefetch_related("urge_notices"),
        VISITS_PER_PAGE,
    ).get_page(request.GET.get("page"))
    return render(
        request,
        "supervision/group_detail.html",
        {
            "group": group,
            "rows": groups.group_unit_rows(group, day),
            "page": visits,
            "can_act": group.is_active and groups.may_act_for(user, group),
            "can_edit": user.is_office,
            "today": day,
        },
    )


def _group_fields(form: GroupForm) -> groups.GroupFields:
    data = form.cleaned_data
    return groups.GroupFields(
        name=data["name"],
        leader=data["leader"],
        members=list(data["members"]),
        rounds=list(data["rounds"]),
        units=list(data["units"]),
        is_active=data["is_active"],
    )


@login_required
def group_form(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    """Form a group (pk None) or change one: office only."""
    user = signed_in_user(request)
    if not user.is_office:
        raise PermissionDenied(_("Only office staff can form and change supervision groups."))
    group = get_object_or_404(groups.groups_visible_to(user), pk=pk) if pk is not None else None
    initial: dict[str, Any] = {"is_active": True}
    if group is not None:
        initial = {
            "name": group.name,
            "leader": group.leader,
            "members": list(group.members.all()),
            "rounds": list(group.rounds.all()),
            "units": list(group.units.all()),
            "is_active": group.is_active,
        }
    form = GroupForm(request.POST if request.method == "POST" else None, initial=initial, user=user)
    if request.method == "POST":
        if form.is_valid():
            try:
                if group is None:
                    group = groups.group_create(actor=user, fields=_group_fields(form))
                    messages.success(request, _("The supervision group is formed."))
                else:
                    groups.group_update(actor=user, group_id=group.pk, fields=_group_fields(form))
                    messages.success(request, _("The supervision group is saved."))
            except DomainError as error:
                messages.error(request, error.message)
            else:
                return redirect("group-detail", group.pk)
        else:
            messages.error(request, first_error(form))
    return render(request, "supervision/group_form.html", {"form": form, "group": group})


def _follow_ups(
    form: VisitForm, picked: list[Measure]
) -> tuple[groups.UrgeFollowUp | None, groups.ProblemFollowUp | None]:
    data = form.cleaned_data
    if data["follow_up"] == "urge":
        urge = groups.UrgeFollowUp(
            level=data["urge_level"],
            reason=data["urge_reason"],
            reply_due=data["urge_reply_due"],
            measures=picked,
        )
        return urge, None
    if data["follow_up"] == "problem":
        problem = groups.ProblemFollowUp(
            title=data["problem_title"],
            description=data["problem_description"],
            category=data["problem_category"] or "other",
            measure_text=data["measure_text"],
            deadline=data["measure_deadline"],
        )
        return None, problem
    return None, None


@login_required
def visit_new(request: HttpRequest, pk: int) -> HttpResponse:
    """Record a visit to one of the group's units (?unit=, picked first)."""
    user = signed_in_user(request)
    group = get_object_or_404(groups.with_composition(groups.groups_visible_to(user)), pk=pk)
    if not (group.is_active and groups.may_act_for(user, group)):
        raise PermissionDenied(_("Only office staff or the group's members can record its visits."))
    source = request.POST if request.method == "POST" else request.GET
    raw_unit = source.get("unit", "")
    unit = next((u for u in group.units.all() if str(u.pk) == raw_unit), None)
    rounds = group.rounds.all()
    choices: list[Measure] = []
    if unit is not None:
        choices = list(
            groups.group_measures(group)
            .filter(lead_unit=unit)
            .exclude(status=Measure.Status.CLOSED)
            .select_related("problem", "problem__round")
            .order_by("problem__round_id", "problem__seq", "seq")
        )
    day = today()
    form = VisitForm(
        request.POST if request.method == "POST" else None,
        rounds=rounds,
        initial={
            "date": day,
            "round": rounds[0] if len(rounds) == 1 else None,
            "urge_level": "remind",
            "urge_reply_due": day + datetime.timedelta(days=REPLY_DAYS),
        },
    )
    if request.method == "POST" and unit is not None:
        if form.is_valid():
            picked = [m for m in choices if str(m.pk) in request.POST.getlist("measures")]
            urge, problem = _follow_ups(form, picked)
            try:
                groups.visit_record(
                    actor=user,
                    group=group,
                    unit=unit,
                    inspection_round=form.cleaned_data["round"],
                    date=form.cleaned_data["date"],
                    method=form.cleaned_data["method"],
                    findings=form.cleaned_data["findings"],
                    rating=form.cleaned_data["rating"],
                    urge=urge,
                    problem=problem,
                )
            except DomainError as error:
                messages.error(request, error.message)
            else:
                messages.success(request, _("The visit is recorded."))
                return redirect("group-detail", group.pk)
        else:
            messages.error(request, first_error(form))
    return render(
        request,
        "supervision/visit_form.html",
        {"group": group, "unit": unit, "form": form, "choices": choices},
    )
