"""Writes on findings that have a rule: aspects, problems, and clues and petitions with their
feedback due dates and conclusions."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.selectors import owns_jurisdiction
from config.errors import InvalidInput, NotAllowed
from config.fields import max_length
from config.seq import next_seq
from config.uploads import check_upload
from inspections.models import InspectionRound

from .models import Aspect, HandedOver, Petition, Problem, ProblemClue

TITLE_MAX = max_length(Problem, "title")


def check_office(actor: User, inspection_round: InspectionRound | None = None) -> None:
    if not actor.is_office:
        raise NotAllowed(_("Only office staff can add aspects and problems."))
    if inspection_round is not None and not owns_jurisdiction(
        actor, inspection_round.jurisdiction_id
    ):
        raise NotAllowed(_("This round is the level above's: only its office edits it."))


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
    check_office(actor, inspection_round)
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
    permitted: bool = False,
    **fields: Any,
) -> Problem:
    """`fields` may carry description, category and source.

    `permitted` says the caller has checked the actor's right itself: a supervision group
    raising a problem from its visit (supervision.groups), where the group's data is.
    """
    if not permitted:
        check_office(actor, inspection_round)
    _check_aspect(aspect, inspection_round)
    siblings = Problem.objects.filter(round=inspection_round)
    if seq is not None and siblings.filter(seq=seq).exists():
        raise InvalidInput(_("This number is already taken."), field="seq")
    return Problem.objects.create(
        round=inspection_round,
        aspect=aspect,
        title=check_title(title),
        seq=seq or next_seq(siblings),
        **fields,
    )


def _check_aspect(aspect: Aspect | None, inspection_round: InspectionRound) -> None:
    if aspect is not None and aspect.round_id != inspection_round.pk:
        raise InvalidInput(_("The aspect belongs to another round."), field="aspect")


@transaction.atomic
def problem_update(*, actor: User, problem: Problem, fields: dict[str, Any]) -> Problem:
    """Change a problem's aspect, number, title, description, category or source."""
    check_office(actor, problem.round)
    problem = Problem.objects.select_for_update().get(pk=problem.pk)
    if "title" in fields:
        fields["title"] = check_title(fields["title"])
    _check_aspect(fields.get("aspect", problem.aspect), problem.round)
    seq = fields.get("seq", problem.seq)
    if Problem.objects.filter(round=problem.round_id, seq=seq).exclude(pk=problem.pk).exists():
        raise InvalidInput(_("This number is already taken."), field="seq")
    for name, value in fields.items():
        setattr(problem, name, value)
    problem.save()
    return problem


# --- Problem clues and petitions (office and admin only) ---------------------------------------


def _settle(target: HandedOver, document: UploadedFile | None) -> Callable[[], None]:
    """Check the dates of a clue or petition and attach its conclusion document; answer what
    removes the stored file again if the row cannot be written (nothing half-saved)."""
    for field, message in target.rule_errors().items():
        raise InvalidInput(message, field=field)
    if document is None:
        return lambda: None
    if not target.is_concluded:
        raise InvalidInput(
            _("A conclusion document is attached only with the conclusion."), field="document"
        )
    checked = check_upload(document, field="document")
    target.document_name = checked.name
    target.document_sha256 = checked.sha256
    target.document.save(checked.name, document, save=False)
    return partial(target.document.delete, save=False)


def _save(target: HandedOver, document: UploadedFile | None) -> None:
    undo = _settle(target, document)
    try:
        with transaction.atomic():
            target.save()
    except Exception:
        undo()
        raise


@transaction.atomic
def clue_save(
    *,
    actor: User,
    fields: dict[str, Any],
    clue: ProblemClue | None = None,
    document: UploadedFile | None = None,
) -> ProblemClue:
    """Record or change a clue; a concluded one needs its outcome and gets its date (today
    unless given). The feedback due date defaults to CLUE_FEEDBACK_MONTHS after transfer."""
    if not actor.is_office:
        raise NotAllowed(_("Only office staff can record problem clues."))
    target = ProblemClue.objects.select_for_update().get(pk=clue.pk) if clue else ProblemClue()
    for name, value in fields.items():
        setattr(target, name, value)
    if target.status != ProblemClue.Status.CONCLUDED:
        target.concluded_on = None
    elif target.concluded_on is None:
        target.concluded_on = timezone.localdate()
    _save(target, document)
    return target


@transaction.atomic
def petition_save(
    *,
    actor: User,
    fields: dict[str, Any],
    petition: Petition | None = None,
    document: UploadedFile | None = None,
) -> Petition:
    if not actor.is_office:
        raise NotAllowed(_("Only office staff can record petitions."))
    target = Petition.objects.select_for_update().get(pk=petition.pk) if petition else Petition()
    for name, value in fields.items():
        setattr(target, name, value)
    if target.status == Petition.Status.CONCLUDED and target.concluded_on is None:
        target.concluded_on = timezone.localdate()
    if target.status != Petition.Status.CONCLUDED:
        target.concluded_on = None
    _save(target, document)
    return target
