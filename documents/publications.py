"""Disclosure (双公开): draft a round's progress report, approve it with a second office user,
freeze what is shown, withdraw it while keeping the record."""

from __future__ import annotations

import io
from typing import Any

import docx
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.duties import require_second_person
from accounts.models import User
from accounts.selectors import of_jurisdictions, owns_jurisdiction
from config.errors import InvalidInput, NotAllowed, WrongState
from config.fields import max_length
from findings.selectors import problems_visible_to
from inspections.models import InspectionRound
from rectification.models import today
from rectification.selectors import measure_numbers, measures_visible_to, problem_numbers

from .docx_in import docx_text
from .models import Publication, shown_filter
from .report import build_public_report, party_organisation, report_title

TEXT_MAX = max_length(Publication, "text")
TITLE_MAX = max_length(Publication, "title")
# The numbers a published page prints (DESIGN.md section 6), frozen at publication.
SNAPSHOT_NUMBERS = (
    "problems",
    "problems_completed",
    "problems_in_progress",
    "problem_completion_rate",
    "total",
    "closed",
    "in_progress",
    "completion_rate",
    "on_time_rate",
)


def publications_visible_to(user: User) -> QuerySet[Publication]:
    """Office staff see every draft and record of their jurisdictions' rounds (a county
    publishes its own); every other signed-in user the published ones of those rounds (the
    public pages show everyone every published one)."""
    qs = of_jurisdictions(
        Publication.objects.select_related("round", "drafted_by", "approved_by"), user, "round__"
    )
    return qs if user.is_office else qs.filter(shown_filter())


def public_publications() -> QuerySet[Publication]:
    """What /public/ shows: published and not withdrawn, read from the snapshot only."""
    return Publication.objects.filter(shown_filter()).only(*PUBLIC_FIELDS)


# The fields the public pages read: the frozen snapshot and its dates.
PUBLIC_FIELDS = ("id", "published_at", "withdrawn_at", "snapshot")


def _check_office(actor: User, inspection_round: InspectionRound) -> None:
    if not actor.is_office:
        raise NotAllowed(_("Only office staff can prepare and publish reports."))
    if not owns_jurisdiction(actor, inspection_round.jurisdiction_id):
        raise NotAllowed(_("A round's reports are published by the round's own office."))


def _clean(title: str, text: str) -> tuple[str, str]:
    title, text = " ".join(title.split()), text.strip()
    if not title:
        raise InvalidInput(_("The title is empty."), field="title")
    if len(title) > TITLE_MAX:
        raise InvalidInput(
            _("The title is longer than %(max)d characters.") % {"max": TITLE_MAX}, field="title"
        )
    if not text:
        raise InvalidInput(_("The text of the report is empty."), field="text")
    if len(text) > TEXT_MAX:
        raise InvalidInput(
            _("The text is longer than %(max)d characters.") % {"max": TEXT_MAX}, field="text"
        )
    return title, text


def generated_text(inspection_round: InspectionRound, user: User) -> tuple[str, str]:
    """The title and text of the generated public report, for the office to edit."""
    document = docx.Document(io.BytesIO(build_public_report(inspection_round, user, mark=None)))
    lines = docx_text(document).splitlines()
    title = report_title(inspection_round)
    if lines and lines[0].strip() == title:
        lines = lines[1:]
    return title, "\n".join(lines)


@transaction.atomic
def publication_draft(
    *,
    actor: User,
    inspection_round: InspectionRound,
    title: str | None = None,
    text: str | None = None,
) -> Publication:
    _check_office(actor, inspection_round)
    if title is None or text is None:
        generated_title, generated = generated_text(inspection_round, actor)
        title = generated_title if title is None else title
        text = generated if text is None else text
    title, text = _clean(title, text)
    publication = Publication.objects.create(
        round=inspection_round, title=title, text=text, drafted_by=actor
    )
    publication.authors.add(actor)
    return publication


def _locked(publication: Publication) -> Publication:
    return Publication.objects.select_for_update().get(pk=publication.pk)


@transaction.atomic
def publication_update(
    *, actor: User, publication: Publication, title: str | None = None, text: str | None = None
) -> Publication:
    _check_office(actor, publication.round)
    publication = _locked(publication)
    if publication.state != Publication.State.DRAFT:
        raise WrongState(_("Only a draft can be edited; a published report is frozen."))
    cleaned = _clean(
        publication.title if title is None else title, publication.text if text is None else text
    )
    if cleaned != (publication.title, publication.text):
        # Whoever changes what is published becomes one of its authors.
        publication.title, publication.text = cleaned
        publication.save(update_fields=["title", "text", "updated_at"])
        publication.authors.add(actor)
    return publication


def _snapshot(publication: Publication, approver: User) -> dict[str, Any]:
    inspection_round = publication.round
    day = today()
    measures = measures_visible_to(approver).filter(problem__round=inspection_round)
    numbers = measure_numbers(measures, day)
    numbers.update(problem_numbers(problems_visible_to(approver).filter(round=inspection_round)))
    return {
        "title": publication.title,
        "text": publication.text,
        "organisation": party_organisation(inspection_round.target_unit),
        "inspecting_body": inspection_round.inspecting_body,
        "round_kind": inspection_round.kind,
        "as_of": day.isoformat(),
        "numbers": {key: numbers[key] for key in SNAPSHOT_NUMBERS},
    }


@transaction.atomic
def publication_approve(*, actor: User, publication: Publication) -> Publication:
    """A second office user approves: the report is published and frozen as a snapshot."""
    _check_office(actor, publication.round)
    publication = _locked(publication)
    if publication.state != Publication.State.DRAFT:
        raise WrongState(_("This report is not a draft waiting for approval."))
    require_second_person(
        actor,
        [publication.drafted_by_id, *publication.authors.values_list("pk", flat=True)],
        _(
            "No one publishes alone: someone who wrote none of this report must approve it, "
            "and you drafted or edited it."
        ),
    )
    publication.approved_by = actor
    publication.published_at = timezone.now()
    publication.snapshot = _snapshot(publication, actor)
    publication.save(update_fields=["approved_by", "published_at", "snapshot", "updated_at"])
    return publication


@transaction.atomic
def publication_withdraw(*, actor: User, publication: Publication, reason: str) -> Publication:
    """Hide a published report; the record of what was shown and when stays."""
    _check_office(actor, publication.round)
    publication = _locked(publication)
    if publication.state != Publication.State.PUBLISHED:
        raise WrongState(_("Only a published report can be withdrawn."))
    reason = reason.strip()
    if not reason:
        raise InvalidInput(_("Give the reason for the withdrawal."), field="reason")
    publication.withdrawn_at = timezone.now()
    publication.withdrawn_by = actor
    publication.withdraw_reason = reason
    publication.save(
        update_fields=["withdrawn_at", "withdrawn_by", "withdraw_reason", "updated_at"]
    )
    return publication
