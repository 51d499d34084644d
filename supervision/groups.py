"""Supervision groups (督查组) and their visits (督查记录): who sees them, and the writes.

A group is formed by the office: a name, a leader, members, the rounds and units it follows.
Its members act like office on those units, for visits, urge notices and new problems only
(DESIGN.md section 10); the rule of what they see is accounts.selectors.groups_supervising.
A visit may raise an urge notice or a new problem (source special_check) in the same
transaction, so a refused follow-up leaves no visit behind.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Count, Max, Prefetch, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Unit, User
from accounts.selectors import (
    groups_supervising,
    of_jurisdictions,
    units_visible_to,
    users_visible_to,
)
from config.errors import InvalidInput, NotAllowed
from findings import services as findings_services
from findings.models import Problem
from inspections.models import InspectionRound
from inspections.selectors import rounds_owned_by
from rectification import services
from rectification.models import Measure

from . import urges
from .models import SupervisionGroup, SupervisionVisit, UrgeNotice

NAME_MAX = SupervisionGroup._meta.get_field("name").max_length or 200


# --- Reads ---------------------------------------------------------------------------------


def groups_visible_to(user: User) -> QuerySet[SupervisionGroup]:
    """Office and leaders see every group; anyone else the active groups they sit on."""
    qs = SupervisionGroup.objects.select_related("leader", "created_by")
    if user.sees_jurisdiction:  # the groups of the user's offices
        return of_jurisdictions(qs, user, "created_by__")
    return qs.filter(pk__in=groups_supervising(user).values("pk"))


def with_composition(groups: QuerySet[SupervisionGroup]) -> QuerySet[SupervisionGroup]:
    """Each group with its members, rounds and units, in three more queries."""
    return groups.prefetch_related(
        Prefetch("members", queryset=User.objects.select_related("unit").order_by("username")),
        Prefetch("rounds", queryset=InspectionRound.objects.order_by("-feedback_date", "-id")),
        Prefetch("units", queryset=Unit.objects.order_by("name")),
    )


def visits_visible_to(user: User) -> QuerySet[SupervisionVisit]:
    """Office and leaders see every visit; a member the visits of their groups. Units do
    not see the group's assessment of them."""
    qs = SupervisionVisit.objects.select_related("group", "unit", "round", "recorded_by")
    if user.sees_jurisdiction:
        return of_jurisdictions(qs, user, "group__created_by__")
    return qs.filter(group__in=groups_supervising(user).values("pk"))


def group_measures(group: SupervisionGroup) -> QuerySet[Measure]:
    """The measures a group follows: its rounds' measures led by its units."""
    return Measure.objects.filter(
        problem__round__in=group.rounds.values("pk"), lead_unit__in=group.units.values("pk")
    )


def group_unit_rows(group: SupervisionGroup, as_of: datetime.date) -> list[dict]:
    """One row per unit of the group: the numbers of its measures in the group's rounds,
    its live urge notices and its visits, in three queries whatever the number of units."""
    from rectification.selectors import measure_numbers_by_unit

    numbers = {row["unit"]: row for row in measure_numbers_by_unit(group_measures(group), as_of)}
    live = dict(
        UrgeNotice.objects.filter(unit__in=group.units.values("pk"), status__in=urges.LIVE)
        .values_list("unit")
        .annotate(n=Count("id"))
        .order_by()
    )
    visits = {
        row["unit"]: row
        for row in group.visits.values("unit").annotate(n=Count("id"), last=Max("date")).order_by()
    }
    rows = []
    for unit in group.units.all():
        row = numbers.get(unit.pk, {"total": 0, "closed": 0, "overdue": 0, "due_soon": 0})
        rows.append(
            {
                "unit": unit,
                "numbers": row,
                "live_urges": live.get(unit.pk, 0),
                "visits": visits.get(unit.pk, {}).get("n", 0),
                "last_visit": visits.get(unit.pk, {}).get("last"),
            }
        )
    return rows


def may_act_for(user: User, group: SupervisionGroup) -> bool:
    """Office staff of the group's jurisdictions, or a member (or the leader) of the active
    group."""
    if user.is_office:
        return groups_visible_to(user).filter(pk=group.pk).exists()
    return groups_supervising(user).filter(pk=group.pk).exists()


# --- Writes: groups ----------------------------------------------------------------------------


@dataclass(frozen=True)
class GroupFields:
    name: str
    leader: User | None
    members: Sequence[User]
    rounds: Sequence[InspectionRound]
    units: Sequence[Unit]
    is_active: bool = True


def _check_people(people: Iterable[User], field: str) -> None:
    for person in people:
        if person.is_liaison:
            raise InvalidInput(
                _("%(name)s is a liaison of a responsible unit and cannot sit on a group.")
                % {"name": person},
                field=field,
            )
        if not person.is_active:
            raise InvalidInput(
                _("The account of %(name)s is deactivated.") % {"name": person}, field=field
            )


def _check_group(fields: GroupFields, group: SupervisionGroup | None) -> str:
    name = " ".join((fields.name or "").split())
    if not name:
        raise InvalidInput(_("Give the group a name."), field="name")
    if len(name) > NAME_MAX:
        raise InvalidInput(
            _("The name is longer than %(max)d characters.") % {"max": NAME_MAX}, field="name"
        )
    same = SupervisionGroup.objects.filter(name=name)
    if group is not None:
        same = same.exclude(pk=group.pk)
    if same.exists():
        raise InvalidInput(_("Another group already has this name."), field="name")
    if fields.leader is not None:
        _check_people([fields.leader], "leader")
    _check_people(fields.members, "members")
    if fields.leader is None and not fields.members:
        raise InvalidInput(_("Name the group's leader or at least one member."), field="members")
    if not fields.rounds:
        raise InvalidInput(_("Choose at least one round for the group."), field="rounds")
    if not fields.units:
        raise InvalidInput(_("Choose at least one unit for the group."), field="units")
    already = set(group.units.values_list("pk", flat=True)) if group else set()
    retired = [u for u in fields.units if not u.is_active and u.pk not in already]
    if retired:
        raise InvalidInput(
            _("%(name)s is deactivated and takes no new work.") % {"name": retired[0]},
            field="units",
        )
    return name


def check_office(actor: User) -> None:
    if not actor.is_office:
        raise NotAllowed(_("Only office staff can form and change supervision groups."))


def _check_scope(actor: User, fields: GroupFields) -> None:
    """A group follows the rounds its office runs and the units and people of its
    jurisdictions (the choices of the form and of the API, held here for every caller)."""
    people = [*fields.members, *filter(None, [fields.leader])]
    chosen = (
        ("rounds", rounds_owned_by(actor), fields.rounds, _("Choose a round from the list.")),
        ("units", units_visible_to(actor), fields.units, _("Choose a unit from the list.")),
        ("members", users_visible_to(actor), people, _("Choose people from the list.")),
    )
    for field, allowed, rows, message in chosen:
        keys = {row.pk for row in rows}
        if keys and allowed.filter(pk__in=keys).count() != len(keys):
            raise InvalidInput(message, field=field)


def _apply(group: SupervisionGroup, fields: GroupFields) -> SupervisionGroup:
    group.members.set(fields.members)
    group.rounds.set(fields.rounds)
    group.units.set(fields.units)
    return group


@transaction.atomic
def group_create(*, actor: User, fields: GroupFields) -> SupervisionGroup:
    check_office(actor)
    _check_scope(actor, fields)
    name = _check_group(fields, None)
    group = SupervisionGroup.objects.create(
        name=name, leader=fields.leader, is_active=fields.is_active, created_by=actor
    )
    return _apply(group, fields)


@transaction.atomic
def group_update(*, actor: User, group_id: int, fields: GroupFields) -> SupervisionGroup:
    check_office(actor)
    if not groups_visible_to(actor).filter(pk=group_id).exists():
        raise NotAllowed(_("This group is another office's."))
    _check_scope(actor, fields)
    group = SupervisionGroup.objects.select_for_update().get(pk=group_id)
    group.name = _check_group(fields, group)
    group.leader = fields.leader
    group.is_active = fields.is_active
    group.save(update_fields=["name", "leader", "is_active"])
    return _apply(group, fields)


# --- Writes: visits ----------------------------------------------------------------------------


@dataclass(frozen=True)
class UrgeFollowUp:
    """An urge notice raised from the visit: on the unit, for some of its measures."""

    level: str
    reason: str
    reply_due: datetime.date | None
    measures: Sequence[Measure]


@dataclass(frozen=True)
class ProblemFollowUp:
    """A new problem found on the visit (source special_check), with its first measure
    led by the visited unit."""

    title: str
    measure_text: str
    deadline: datetime.date | None
    description: str = ""
    category: str = Problem.Category.OTHER


@transaction.atomic
def visit_record(
    *,
    actor: User,
    group: SupervisionGroup,
    unit: Unit,
    inspection_round: InspectionRound | None,
    date: datetime.date | None,
    method: str,
    findings: str,
    rating: int | None,
    urge: UrgeFollowUp | None = None,
    problem: ProblemFollowUp | None = None,
) -> SupervisionVisit:
    """Record a visit, and raise from it an urge notice or a new problem in one step."""
    group = SupervisionGroup.objects.select_for_update().get(pk=group.pk)
    if not may_act_for(actor, group):
        raise NotAllowed(_("Only office staff or the group's members can record its visits."))
    if not group.is_active:
        raise InvalidInput(_("The group is dissolved; it records no more visits."), field="group")
    if not group.units.filter(pk=unit.pk).exists():
        raise InvalidInput(_("The unit is not one the group follows."), field="unit")
    if inspection_round is not None and not group.rounds.filter(pk=inspection_round.pk).exists():
        raise InvalidInput(_("The round is not one the group follows."), field="round")
    if date is None:
        raise InvalidInput(_("Give the date of the visit."), field="date")
    if date > timezone.localdate():
        raise InvalidInput(_("A visit cannot be recorded ahead of its date."), field="date")
    if method not in SupervisionVisit.Method.values:
        raise InvalidInput(_("Choose a method from the list."), field="method")
    findings = (findings or "").strip()
    if not findings:
        raise InvalidInput(_("Write what the visit found."), field="findings")
    if rating is None or not 1 <= rating <= 5:
        raise InvalidInput(_("Rate the unit's progress from 1 to 5."), field="rating")
    if urge is not None and problem is not None:
        raise InvalidInput(_("Raise an urge notice or a new problem, not both at once."))
    visit = SupervisionVisit.objects.create(
        group=group,
        unit=unit,
        round=inspection_round,
        date=date,
        method=method,
        findings=findings,
        rating=rating,
        recorded_by=actor,
    )
    if urge is not None:
        urges.urge_issue(
            actor=actor,
            level=urge.level,
            reason=urge.reason,
            reply_due=urge.reply_due,
            unit=unit,
            measures=urge.measures,
            visit=visit,
        )
    if problem is not None:
        visit.raised_problem = _raise_problem(
            actor=actor, visit=visit, inspection_round=inspection_round, problem=problem
        )
        visit.save(update_fields=["raised_problem"])
    return visit


def _raise_problem(
    *,
    actor: User,
    visit: SupervisionVisit,
    inspection_round: InspectionRound | None,
    problem: ProblemFollowUp,
) -> Problem:
    if inspection_round is None:
        raise InvalidInput(_("Choose the round the new problem belongs to."), field="round")
    if problem.category not in Problem.Category.values:
        raise InvalidInput(_("Choose a category from the list."), field="problem.category")
    text = (problem.measure_text or "").strip()
    if not text:
        raise InvalidInput(
            _("Write the first rectification measure of the new problem."),
            field="problem.measure_text",
        )
    if problem.deadline is None:
        raise InvalidInput(
            _("Give the deadline of the new problem's measure."), field="problem.deadline"
        )
    if problem.deadline < visit.date:
        raise InvalidInput(_("The deadline cannot lie before the visit."), field="problem.deadline")
    created = findings_services.problem_create(
        actor=actor,
        inspection_round=inspection_round,
        title=problem.title,
        permitted=True,
        description=(problem.description or "").strip(),
        category=problem.category,
        source=Problem.Source.SPECIAL_CHECK,
    )
    services.measure_create(
        actor=actor,
        problem=created,
        text=text,
        permitted=True,
        lead_unit=visit.unit,
        deadline=problem.deadline,
    )
    return created
