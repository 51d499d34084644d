"""Writes on inspection rounds: only the office creates and edits them."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User
from config.errors import InvalidInput, NotAllowed

from .models import InspectionRound


@transaction.atomic
def round_save(
    *, actor: User, fields: dict[str, Any], inspection_round: InspectionRound | None = None
) -> InspectionRound:
    """Create a round, or change the given one, from already-validated field values."""
    if not actor.is_office:
        raise NotAllowed(_("Only office staff can create or edit rounds."))
    target = inspection_round or InspectionRound()
    for name, value in fields.items():
        setattr(target, name, value)
    start, end = target.onsite_start, target.onsite_end
    if start and end and end < start:
        raise InvalidInput(_("The on-site end cannot be before its start."), field="onsite_end")
    clash = InspectionRound.objects.filter(name=target.name).exclude(pk=target.pk)
    if clash.exists():
        raise InvalidInput(_("A round with this name already exists."), field="name")
    target.save()
    return target
