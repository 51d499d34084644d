"""Every write on a measure that has a rule: creation, edits, and (below) its transitions.

Each function takes the acting user, runs in one transaction under a row lock, and raises
a domain error (config.errors) that the API maps to 400 / 403 / 409 / 412.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.db.models import Model
from django.utils.translation import gettext as _

from accounts.models import Unit, User
from config.errors import InvalidInput, NotAllowed, StaleVersion
from findings.models import Problem

from .models import Measure, StatusChange

# Fields an office may edit directly; each change is recorded with its old and new value.
EDITABLE_FIELDS = (
    "problem",
    "seq",
    "text",
    "lead_official",
    "lead_official_user",
    "lead_unit",
    "deadline",
    "is_long_term",
    "is_immediate",
    "cooperating_units",
)


def check_version(measure: Measure, expected_version: int | None) -> None:
    if expected_version is not None and expected_version != measure.version:
        raise StaleVersion(
            _(
                "The measure was changed by someone else (now version %(now)s, you sent "
                "%(sent)s). Reload it and try again."
            )
            % {"now": measure.version, "sent": expected_version}
        )


def lock_measure(measure_id: int) -> Measure:
    return Measure.objects.select_for_update().get(pk=measure_id)


def _check_deadline_rule(deadline: datetime.date | None, is_long_term: bool) -> None:
    if deadline is None and not is_long_term:
        raise InvalidInput(
            _("A measure needs a deadline unless it is long-term."), field="deadline"
        )


def _as_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, Model):
        return str(value)
    if isinstance(value, Iterable) and not isinstance(value, str):
        return "、".join(sorted(str(v) for v in value))
    return str(value)


@transaction.atomic
def measure_create(
    *,
    actor: User,
    problem: Problem,
    text: str,
    seq: int | None = None,
    cooperating_units: Iterable[Unit] = (),
    **fields: Any,
) -> Measure:
    if not actor.is_office:
        raise NotAllowed(_("Only office staff can add measures."))
    _check_deadline_rule(fields.get("deadline"), fields.get("is_long_term", False))
    siblings = Measure.objects.filter(problem=problem)
    if seq is None:
        last = siblings.order_by("-seq").values_list("seq", flat=True).first()
        seq = (last or 0) + 1
    elif siblings.filter(seq=seq).exists():
        raise InvalidInput(_("This number is already taken."), field="seq")
    measure = Measure.objects.create(problem=problem, text=text, seq=seq, **fields)
    if cooperating_units:
        measure.cooperating_units.set(cooperating_units)
    return measure


@transaction.atomic
def measure_update(
    *,
    measure_id: int,
    actor: User,
    changes: dict[str, Any],
    expected_version: int | None = None,
) -> Measure:
    """Office edits of a measure's own fields, each recorded as an `edit` history row."""
    if not actor.is_office:
        raise NotAllowed(_("Only office staff can edit a measure."))
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise InvalidInput(_("These fields cannot be edited: %s") % ", ".join(sorted(unknown)))
    measure = lock_measure(measure_id)
    check_version(measure, expected_version)

    deadline = changes.get("deadline", measure.deadline)
    is_long_term = changes.get("is_long_term", measure.is_long_term)
    _check_deadline_rule(deadline, is_long_term)
    problem = changes.get("problem", measure.problem)
    seq = changes.get("seq", measure.seq)
    if (problem.pk, seq) != (measure.problem_id, measure.seq) and Measure.objects.filter(
        problem=problem, seq=seq
    ).exclude(pk=measure.pk).exists():
        raise InvalidInput(_("This number is already taken."), field="seq")

    rows = []
    for field, new in changes.items():
        if field == "cooperating_units":
            old = set(measure.cooperating_units.all())
            new = set(new)
        else:
            old = getattr(measure, field)
        if old == new:
            continue
        rows.append(
            StatusChange(
                measure=measure,
                from_status=measure.status,
                to_status=measure.status,
                action=StatusChange.Action.EDIT,
                actor=actor,
                field=field,
                old_value=_as_text(old),
                new_value=_as_text(new),
            )
        )
        if field == "cooperating_units":
            measure.cooperating_units.set(new)
        else:
            setattr(measure, field, new)
    if rows:
        measure.version += 1
        measure.save()
        StatusChange.objects.bulk_create(rows)
    return measure


@transaction.atomic
def measure_delete(*, measure_id: int, actor: User, expected_version: int | None = None) -> None:
    if not actor.is_office:
        raise NotAllowed(_("Only office staff can delete a measure."))
    measure = lock_measure(measure_id)
    check_version(measure, expected_version)
    measure.cooperating_units.clear()
    measure.delete()  # history, progress and evidence protect it: ProtectedError answers 409
