"""Writes on findings that have a rule: aspects and problems."""

from __future__ import annotations

from django.utils.translation import gettext as _

from accounts.models import User
from config.errors import InvalidInput, NotAllowed
from config.fields import max_length
from config.seq import next_seq
from inspections.models import InspectionRound

from .models import Aspect, Problem

TITLE_MAX = max_length(Problem, "title")


def check_office(actor: User) -> None:
    if not actor.is_office:
        raise NotAllowed(_("Only office staff can add aspects and problems."))


def check_title(title: str, field: str = "title") -> str:
    title = " ".join(title.split())
    if not title:
        raise InvalidInput(_("The title is empty."), field=field)
    if len(title) > TITLE_MAX:
        raise InvalidInput(
            _("The title is longer than %(max)d characters.") % {"max": TITLE_MAX}, field=field
        )
    return title


def aspect_create(
    *, actor: User, inspection_round: InspectionRound, title: str, seq: int | None = None
) -> Aspect:
    check_office(actor)
    siblings = Aspect.objects.filter(round=inspection_round)
    return Aspect.objects.create(
        round=inspection_round, title=check_title(title), seq=seq or next_seq(siblings)
    )


def problem_create(
    *,
    actor: User,
    inspection_round: InspectionRound,
    title: str,
    aspect: Aspect | None = None,
    seq: int | None = None,
) -> Problem:
    check_office(actor)
    siblings = Problem.objects.filter(round=inspection_round)
    if seq is not None and siblings.filter(seq=seq).exists():
        raise InvalidInput(_("This number is already taken."), field="seq")
    return Problem.objects.create(
        round=inspection_round,
        aspect=aspect,
        title=check_title(title),
        seq=seq or next_seq(siblings),
    )
