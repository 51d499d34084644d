"""The feedback-text import: a parsed (and corrected) feedback tree saved into a round."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User
from config.errors import InvalidInput, WrongState
from findings.models import Aspect, Problem
from findings.parser import ParsedProblem, ParseResult
from findings.services import aspect_create, check_office, check_title, problem_create
from inspections.models import REPORT_DUE_MONTHS, InspectionRound, add_months
from rectification.models import today
from rectification.services import measure_create


def provisional_deadline(inspection_round: InspectionRound) -> datetime.date:
    """The deadline imported measures get until the office sets the real one in the ledger.

    The database requires a deadline on every measure that is not long-term; the date the
    rectification report is due (feedback + 2 months) is the natural placeholder.
    """
    return inspection_round.report_due_date or add_months(today(), REPORT_DUE_MONTHS)


@dataclass
class FeedbackImportResult:
    provisional_deadline: datetime.date
    aspects_created: int = 0
    problems: list[Problem] = field(default_factory=list)
    measures_created: int = 0


@transaction.atomic
def feedback_import(
    *, actor: User, inspection_round: InspectionRound, problems: list[ParsedProblem]
) -> FeedbackImportResult:
    """Save a parsed (and possibly corrected) feedback tree into a round.

    Problems are appended after the round's existing ones, and aspects are reused by title.
    A problem whose title the round already has stops the whole import: that is what a
    second click on the import button, or a second paste of the same text, looks like.
    Measures get no units and the provisional deadline; the office fills them in the ledger.
    """
    check_office(actor, inspection_round)
    if not problems:
        raise InvalidInput(_("There is no problem to import."))
    # Serialise imports into one round, so two clicks cannot both pass the duplicate check.
    inspection_round = InspectionRound.objects.select_for_update().get(pk=inspection_round.pk)
    titles = [check_title(p.title) for p in problems]
    taken = set(
        Problem.objects.filter(round=inspection_round, title__in=titles).values_list(
            "title", flat=True
        )
    )
    if taken:
        raise WrongState(
            _("The round already has these problems, nothing was imported: %(titles)s")
            % {"titles": "、".join(sorted(taken))}
        )
    if len(set(titles)) != len(titles):
        raise InvalidInput(_("The same problem title appears twice in the text."))

    deadline = provisional_deadline(inspection_round)
    result = FeedbackImportResult(provisional_deadline=deadline)
    aspects = {a.title: a for a in Aspect.objects.filter(round=inspection_round)}
    for parsed, title in zip(problems, titles, strict=True):
        aspect = None
        if parsed.aspect:
            aspect_title = check_title(parsed.aspect, field="aspect")
            aspect = aspects.get(aspect_title)
            if aspect is None:
                aspect = aspect_create(
                    actor=actor, inspection_round=inspection_round, title=aspect_title
                )
                aspects[aspect_title] = aspect
                result.aspects_created += 1
        problem = problem_create(
            actor=actor, inspection_round=inspection_round, title=title, aspect=aspect
        )
        result.problems.append(problem)
        for seq, parsed_measure in enumerate(parsed.measures, start=1):
            text = parsed_measure.text.strip()
            if not text:
                raise InvalidInput(
                    _("A measure of problem “%(title)s” is empty.") % {"title": title}
                )
            measure_create(actor=actor, problem=problem, text=text, seq=seq, deadline=deadline)
            result.measures_created += 1
    return result


SENTENCE_SHOWN = 160  # characters of a long sentence the preview quotes


def _sentences_said(result: ParseResult) -> list[dict]:
    """Each sentence the totals were read from, once, with the kinds read from it."""
    rows: dict[str, dict] = {}
    for kind in ("aspects", "problems", "measures"):
        sentence = result.declared.sentences.get(kind)
        if sentence:
            shown = sentence if len(sentence) <= SENTENCE_SHOWN else sentence[:SENTENCE_SHOWN] + "…"
            row = rows.setdefault(shown, {"sentence": shown, "kinds": [], "of_the_plan": True})
            row["kinds"].append(kind)
            row["of_the_plan"] = row["of_the_plan"] and kind in result.declared.of_the_plan
    return list(rows.values())


def preview(result: ParseResult) -> dict:
    """The parsed tree, what the text announced beside what was found, and the warnings."""
    data = result.to_dict()
    data["aspects"] = result.aspects
    data["found"] = {
        "aspects": len(result.aspects),
        "problems": len(result.problems),
        "measures": sum(len(p.measures) for p in result.problems),
    }
    # Only the totals the text states as its own are compared; the plan's (明确…13项109条
    # 整改措施) are shown beside what was found, with the sentence each was read from.
    data["mismatch"] = [
        kind for kind, said in result.declared.compared().items() if said != data["found"][kind]
    ]
    data["declared_of_the_plan"] = sorted(result.declared.of_the_plan)
    data["declared_sentences"] = _sentences_said(result)
    data["warnings"] = result.warnings
    return data
