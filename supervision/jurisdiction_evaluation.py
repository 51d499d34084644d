"""The evaluation of the jurisdictions below one (市对县考核评价, 以市带县): each jurisdiction
directly below the evaluating one is scored on a scheme like the hundred-point one, over its
whole scope (it and those below it), exactly as its own office reads its work.

The items and the scoring are those of supervision.evaluation (`validate_items`,
`score_items`, `band_of`): the automatic items read each jurisdiction's numbers of DESIGN.md
section 6 from rectification's rollups (`cell_numbers_by_jurisdiction`, a joint round's county
measure counted for the county), the look-back item its measures' look-back verdicts; the
deductions count the urge notices of its rounds and units issued by the as-of date. A published
evaluation is frozen, and published by someone who scored none of it. The ranking of the
published scores is the red-and-black list of jurisdictions.
"""

from __future__ import annotations

import datetime
from collections import Counter
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.duties import require_second_person
from accounts.models import Jurisdiction, User
from accounts.selectors import (
    jurisdiction_scope,
    jurisdictions_below,
    jurisdictions_directly_below,
    measures_in_jurisdictions,
    owns_jurisdiction,
)
from config.errors import InvalidInput, NotAllowed, WrongState
from rectification.models import today
from rectification.selectors import cell_numbers_by_jurisdiction

from .evaluation import DEFAULT_ITEMS as UNIT_ITEMS
from .evaluation import (
    band_of,
    json_numbers,
    look_back_rate,
    score_by_hand,
    score_items,
    validate_items,
)
from .models import JurisdictionEvaluation, JurisdictionScore, LookBackItem, UrgeNotice

# 巡察整改工作考核评价: the hundred-point scheme's automatic items and deductions, with the
# manual items a city scores a county on in place of the unit scheme's.
DEFAULT_ITEMS: list[dict[str, Any]] = [
    *(item for item in UNIT_ITEMS if item["kind"] == "auto"),
    {"key": "leadership", "name": "组织领导和工作机制", "kind": "manual", "weight": 10},
    {"key": "linkage", "name": "上下联动和日常监督", "kind": "manual", "weight": 10},
    *(item for item in UNIT_ITEMS if item["kind"] == "deduction"),
]
RED_BLACK_SIZE = 3  # 红榜 and 黑榜 of jurisdictions: at most three each


# --- Reads ----------------------------------------------------------------------------------


def jurisdiction_evaluations_visible_to(user: User) -> QuerySet[JurisdictionEvaluation]:
    """Office and leaders read the evaluations their jurisdictions gave, and the published
    ones that score a jurisdiction of theirs (a county reads the city's evaluation of it)."""
    qs = JurisdictionEvaluation.objects.select_related("jurisdiction", "created_by")
    if not user.sees_jurisdiction:
        return qs.none()
    scope = jurisdiction_scope(user)
    if scope is None:
        return qs
    scored = JurisdictionScore.objects.filter(jurisdiction_id__in=scope).values("evaluation")
    return qs.filter(
        Q(jurisdiction_id__in=scope)
        | Q(status=JurisdictionEvaluation.Status.PUBLISHED, pk__in=scored)
    )


def scores_visible_to(user: User, evaluation: JurisdictionEvaluation) -> list[JurisdictionScore]:
    """Every row for the evaluating office's side; an evaluated county its own row only.
    Ranked: higher total first, then the on-time rate, then the tree's order."""
    rows = evaluation.scores.select_related("jurisdiction")
    if not owns_jurisdiction(user, evaluation.jurisdiction_id):
        rows = rows.filter(jurisdiction_id__in=jurisdiction_scope(user) or ())
    return sorted(rows, key=rank_key)


def rank_key(score: JurisdictionScore) -> tuple:
    return (
        score.total is None,
        -(score.total or 0),
        -(score.on_time_rate if score.on_time_rate is not None else -1),
        score.jurisdiction_id,
    )


def red_and_black(scores: list[JurisdictionScore]) -> tuple[list, list]:
    """The red list (the best) and the black list (the worst) of ranked scores with a total:
    at most RED_BLACK_SIZE each, and at most half of those ranked, so that two counties make
    one of each and none is on both."""
    ranked = [s for s in scores if s.total is not None]
    size = min(RED_BLACK_SIZE, len(ranked) // 2)
    return ranked[:size], list(reversed(ranked))[:size]


# --- Scoring --------------------------------------------------------------------------------


def _deductions(scopes: dict[int, frozenset[int]], day: datetime.date) -> dict[int, Counter]:
    """Urge notices by level of each scope's rounds and units, issued by `day`, in one query."""
    every = frozenset().union(*scopes.values())
    rows = (
        UrgeNotice.objects.filter(
            Q(round__jurisdiction__in=every) | Q(unit__jurisdiction__in=every)
        )
        .annotate(day=TruncDate("issued_at"))
        .filter(day__lte=day)
        .order_by()
        .values("round__jurisdiction", "unit__jurisdiction", "level")
        .annotate(n=Count("id"))
    )
    counts: dict[int, Counter] = {key: Counter() for key in scopes}
    for row in rows:
        for key, within in scopes.items():
            if row["round__jurisdiction"] in within or row["unit__jurisdiction"] in within:
                counts[key][row["level"]] += row["n"]
    return counts


def compute_scores(evaluation: JurisdictionEvaluation) -> list[JurisdictionScore]:
    """Score each jurisdiction directly below the evaluating one (unsaved rows), keeping the
    manual scores already given."""
    day = evaluation.as_of
    scopes = {
        key: jurisdictions_below(key)
        for key in jurisdictions_directly_below(evaluation.jurisdiction_id)
    }
    if not scopes:
        return []
    manual = {s.jurisdiction_id: s.manual for s in evaluation.scores.all()}
    numbers = cell_numbers_by_jurisdiction(scopes, as_of=day)
    deductions = _deductions(scopes, day)
    scores = []
    for key, within in scopes.items():
        row = dict(numbers[key])
        row["look_back_holding_rate"] = look_back_rate(
            LookBackItem.objects.filter(measures_in_jurisdictions(within, "measure__")), day
        )
        given = manual.get(key, {})
        items, total = score_items(evaluation.items, row, given, dict(deductions[key]))
        scores.append(
            JurisdictionScore(
                evaluation=evaluation,
                jurisdiction_id=key,
                items=items,
                numbers=json_numbers(row),
                manual=given,
                total=total,
                band=band_of(total),
                on_time_rate=row.get("on_time_rate"),
            )
        )
    return scores


# --- Writes ---------------------------------------------------------------------------------


def _check_office(actor: User, jurisdiction_id: int) -> None:
    if not actor.is_office:
        raise NotAllowed(_("Only office staff can evaluate the jurisdictions below."))
    if not owns_jurisdiction(actor, jurisdiction_id):
        raise NotAllowed(_("This evaluation is another office's."))


def _lock_draft(evaluation_id: int, actor: User) -> JurisdictionEvaluation:
    evaluation = JurisdictionEvaluation.objects.select_for_update().get(pk=evaluation_id)
    _check_office(actor, evaluation.jurisdiction_id)
    if evaluation.status != JurisdictionEvaluation.Status.DRAFT:
        raise WrongState(_("The evaluation is published and frozen."))
    return evaluation


def _store(evaluation: JurisdictionEvaluation) -> None:
    scores = compute_scores(evaluation)
    evaluation.scores.all().delete()
    JurisdictionScore.objects.bulk_create(scores)


@transaction.atomic
def jurisdiction_evaluation_create(
    *,
    actor: User,
    jurisdiction: Jurisdiction,
    title: str = "",
    as_of: datetime.date | None = None,
    items: Any | None = None,
) -> JurisdictionEvaluation:
    """A draft evaluation of the jurisdictions below `jurisdiction` as of a date, scored at
    once (with the default scheme unless items are given)."""
    _check_office(actor, jurisdiction.pk)
    if not jurisdictions_directly_below(jurisdiction.pk):
        raise InvalidInput(_("No jurisdiction lies below this one."), field="jurisdiction")
    day = as_of or today()
    if day > today():
        raise InvalidInput(_("An evaluation cannot be as of a future date."), field="as_of")
    title = (
        " ".join((title or "").split())
        or f"{day.year}年度{jurisdiction.label}下级巡察整改工作考核评价"
    )
    if len(title) > 200:
        raise InvalidInput(_("The title is at most 200 characters."), field="title")
    evaluation = JurisdictionEvaluation.objects.create(
        jurisdiction=jurisdiction,
        title=title,
        items=validate_items(DEFAULT_ITEMS if items is None else items),
        as_of=day,
        created_by=actor,
    )
    evaluation.authors.add(actor)
    _store(evaluation)
    return evaluation


@transaction.atomic
def jurisdiction_evaluation_recompute(*, evaluation_id: int, actor: User) -> JurisdictionEvaluation:
    """Score a draft again from today's numbers as of its date; manual scores stay."""
    evaluation = _lock_draft(evaluation_id, actor)
    evaluation.authors.add(actor)
    _store(evaluation)
    return evaluation


@transaction.atomic
def jurisdiction_score_manual(
    *,
    evaluation_id: int,
    actor: User,
    jurisdiction_id: int,
    key: str,
    score: float | Decimal | None,
    note: str = "",
) -> JurisdictionScore:
    """Give (or clear, with None) a manual item's score of an evaluated jurisdiction."""
    evaluation = _lock_draft(evaluation_id, actor)
    row = evaluation.scores.select_for_update().filter(jurisdiction_id=jurisdiction_id).first()
    if row is None:
        raise InvalidInput(_("This jurisdiction is not evaluated here."), field="jurisdiction")
    score_by_hand(evaluation.items, row, key=key, score=score, note=note, actor=actor)
    evaluation.authors.add(actor)
    return row


@transaction.atomic
def jurisdiction_evaluation_publish(*, evaluation_id: int, actor: User) -> JurisdictionEvaluation:
    """Publish: the items and scores stored now are the evaluation for good."""
    evaluation = _lock_draft(evaluation_id, actor)
    require_second_person(
        actor,
        [evaluation.created_by_id, *evaluation.authors.values_list("pk", flat=True)],
        _(
            "No one publishes alone: someone who scored none of this evaluation must publish "
            "it, and you created, recomputed or scored it."
        ),
    )
    evaluation.status = JurisdictionEvaluation.Status.PUBLISHED
    evaluation.published_by, evaluation.published_at = actor, timezone.now()
    evaluation.save(update_fields=["status", "published_by", "published_at"])
    return evaluation
