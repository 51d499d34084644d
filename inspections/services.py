"""Writes on inspection rounds: only the office creates and edits them."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.selectors import jurisdiction_scope, jurisdictions_below
from config.errors import InvalidInput, NotAllowed

from .models import InspectionRound, RoundReport


@transaction.atomic
def round_save(
    *, actor: User, fields: dict[str, Any], inspection_round: InspectionRound | None = None
) -> InspectionRound:
    """Create a round, or change the given one, from already-validated field values."""
    if not actor.is_office:
        raise NotAllowed(_("Only office staff can create or edit rounds."))
    scope = jurisdiction_scope(actor)
    if inspection_round and scope is not None and inspection_round.jurisdiction_id not in scope:
        raise NotAllowed(_("This round is the level above's: only its office edits it."))
    target = inspection_round or InspectionRound()
    old_due = target.report_due_date
    fields = dict(fields)
    team = fields.pop("team", None)
    for name, value in fields.items():
        setattr(target, name, value)
    if target.jurisdiction_id is None:
        target.jurisdiction_id = actor.jurisdiction_id
    if scope is not None and target.jurisdiction_id not in scope:
        raise InvalidInput(_("Choose your own jurisdiction or one below it."), field="jurisdiction")
    if target.target_unit_id is not None and target.target_unit.jurisdiction_id not in (
        jurisdictions_below(target.jurisdiction_id)
    ):
        raise InvalidInput(
            _("The inspected unit must belong to the round's jurisdiction or one below it."),
            field="target_unit",
        )
    start, end = target.onsite_start, target.onsite_end
    if start and end and end < start:
        raise InvalidInput(_("The on-site end cannot be before its start."), field="onsite_end")
    _check_endorsement(target)
    if team is not None:
        _check_team(team, target)
    clash = InspectionRound.objects.filter(name=target.name).exclude(pk=target.pk)
    if clash.exists():
        raise InvalidInput(_("A round with this name already exists."), field="name")
    target.save()
    if team is not None:
        target.team.set(team)
    _keep_report_due(target, old_due, actor)
    return target


TEAM_ROLES = (User.Role.OFFICE, User.Role.LEADER, User.Role.SUPERVISOR)


def _check_team(team: list[User], inspection_round: InspectionRound) -> None:
    """The team is of staff with active accounts, of the round's jurisdiction or one below it
    (市县联动: the city's joint round takes county staff, never the level above's or a
    sibling's)."""
    allowed = jurisdictions_below(inspection_round.jurisdiction_id)
    for member in team:
        if not member.is_active or member.role not in TEAM_ROLES:
            raise InvalidInput(
                _("%(name)s cannot be on an inspection team.") % {"name": member}, field="team"
            )
        if member.jurisdiction_id not in allowed:
            raise InvalidInput(
                _("%(name)s is not of the round's jurisdiction or one below it.")
                % {"name": member},
                field="team",
            )


def _check_endorsement(inspection_round: InspectionRound) -> None:
    """A review by a superior needs the superior named, a leader with an active account;
    a chain without that step names nobody, so that nobody waits on a step that is off."""
    superior = inspection_round.endorsement_superior
    if not inspection_round.has_superior_review:
        inspection_round.endorsement_superior = None
        return
    if superior is None:
        raise InvalidInput(
            _("Name the superior who reviews after the head's endorsement."),
            field="endorsement_superior",
        )
    if not (superior.is_active and superior.role == User.Role.LEADER):
        raise InvalidInput(
            _("The reviewing superior must be a leader with an active account."),
            field="endorsement_superior",
        )


def _keep_report_due(inspection_round: InspectionRound, old_due, actor: User) -> None:
    """The round owes its inspecting body a rectification report (报告报账) from the moment it
    has a due date: the first report row is made then, so that it counts and is reminded of
    even if nobody records it by hand; a new due date moves the reports still unsent that
    were due on the old one."""
    due = inspection_round.report_due_date
    if due is None:
        return
    reports = RoundReport.objects.filter(round=inspection_round)
    if not reports.exists():
        RoundReport.objects.create(round=inspection_round, due=due, recorded_by=actor)
    elif old_due is not None and old_due != due:
        reports.filter(sent_on__isnull=True, due=old_due).update(due=due)
