"""The hundred-point evaluation (百分制评估) of a round's units and of the round as a whole,
and the red-and-black list (红黑榜) drawn from a published evaluation.

The automatic items read the numbers of DESIGN.md section 6 from rectification.selectors
(and the look-back's holding rate from supervision.lookback); nothing is recounted here.

Scoring, item by item:
- an auto item scores weight × its rate; a manual item the score the office (or the unit's
  supervision group) gave, 0 to its weight;
- an item is *not applicable* when it has nothing to measure: a rate whose denominator is
  zero; the completion, on-time and problem-completion items also when none of the unit's
  measures has fallen due by the as-of date (nothing could be late yet); the look-back item
  before any verdict; a manual item nobody has scored yet;
- the applicable items' scores are rescaled to 100: total = Σ scores × 100 ÷ Σ their weights
  (a unit with no measure due, scored 8 of 10 and 9 of 10 on the two manual items, has
  17 × 100 ÷ 20 = 85); with no applicable item there is no total and no band;
- deductions come off after rescaling: for each deduction item, its weight per urge notice
  of its level issued to the unit (in the round, by the as-of date), at most its cap; the
  total never goes below 0;
- bands: 好 ≥ 90, 较好 ≥ 80, 一般 ≥ 60, else 差.
A published evaluation is frozen: its scheme items and scores are stored, never recomputed.
"""

from __future__ import annotations

import datetime
import re
from collections import Counter
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.duties import require_second_person
from accounts.models import Unit, User
from accounts.selectors import groups_supervising, of_jurisdictions
from config.errors import InvalidInput, NotAllowed, WrongState
from inspections.models import InspectionRound
from rectification.models import today
from rectification.selectors import (
    Cells,
    cell_numbers,
    cell_numbers_by_unit,
    cell_problem_numbers,
    problem_cells,
)

from .lookback import look_back_numbers
from .models import (
    LEVEL_ORDER,
    Evaluation,
    EvaluationScheme,
    EvaluationScore,
    LookBackItem,
    RedBlackList,
    UrgeNotice,
)

Band = EvaluationScore.Band
KINDS = ("auto", "manual", "deduction")
# The formulas an auto item may use, with the sentence shown beside it.
FORMULAS = {
    "completion_rate": gettext_lazy("weight × signed-off measures ÷ all measures"),
    "on_time_rate": gettext_lazy(
        "weight × measures signed off by their deadline ÷ measures due by the as-of date"
    ),
    "problem_completion_rate": gettext_lazy("weight × completed problems ÷ problems"),
    "look_back_holding_rate": gettext_lazy(
        "weight × look-back measures holding ÷ look-back measures checked"
    ),
}
# Rates that say nothing before a deadline has passed.
DUE_DEPENDENT = {"completion_rate", "on_time_rate", "problem_completion_rate"}
DEFAULT_ITEMS: list[dict[str, Any]] = [
    {"key": "completion", "name": "整改措施完成率", "kind": "auto", "weight": 30,
     "formula": "completion_rate"},
    {"key": "on_time", "name": "按期完成率", "kind": "auto", "weight": 20,
     "formula": "on_time_rate"},
    {"key": "problems", "name": "问题整改完成率", "kind": "auto", "weight": 20,
     "formula": "problem_completion_rate"},
    {"key": "look_back", "name": "“回头看”巩固率", "kind": "auto", "weight": 10,
     "formula": "look_back_holding_rate"},
    {"key": "evidence", "name": "佐证材料质量", "kind": "manual", "weight": 10},
    {"key": "supervision", "name": "督查评价", "kind": "manual", "weight": 10},
    {"key": "interviewed", "name": "被约谈扣分", "kind": "deduction", "level": "interview",
     "weight": 2, "cap": 10},
    {"key": "notified", "name": "被通报扣分", "kind": "deduction", "level": "notice",
     "weight": 5, "cap": 10},
]  # fmt: skip
KEY_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,29}$")
TWO_PLACES = Decimal("0.01")


def band_of(total: Decimal | None) -> str:
    if total is None:
        return ""
    if total >= 90:
        return Band.EXCELLENT
    if total >= 80:
        return Band.GOOD
    if total >= 60:
        return Band.FAIR
    return Band.POOR


def _dec(value: float | Decimal | int) -> Decimal:
    return Decimal(str(value)).quantize(TWO_PLACES, rounding=ROUND_HALF_UP)


# --- The scheme ---------------------------------------------------------------------------------


def validate_items(items: Any) -> list[dict[str, Any]]:
    """The scheme's items, checked and normalised; InvalidInput (field `items`) names the
    first thing wrong."""

    def refuse(message: str) -> InvalidInput:
        return InvalidInput(message, field="items")

    if not isinstance(items, list) or not items:
        raise refuse(_("A scheme is a list of items."))
    clean: list[dict[str, Any]] = []
    seen: set[str] = set()
    for n, raw in enumerate(items, start=1):
        if not isinstance(raw, dict):
            raise refuse(_("Item %(n)d is not an item.") % {"n": n})
        key = str(raw.get("key", "")).strip()
        name = str(raw.get("name", "")).strip()
        kind = raw.get("kind")
        if not KEY_PATTERN.match(key) or key in seen:
            raise refuse(_("Item %(n)d needs its own short key (a-z, 0-9, _).") % {"n": n})
        if not name or len(name) > 100:
            raise refuse(_("Item %(n)d needs a name of at most 100 characters.") % {"n": n})
        if kind not in KINDS:
            raise refuse(_("Item %(n)d is automatic, manual or a deduction.") % {"n": n})
        try:
            weight = Decimal(str(raw.get("weight")))
        except ArithmeticError:
            raise refuse(_("Item %(n)d needs a weight.") % {"n": n}) from None
        if not weight.is_finite() or weight <= 0 or weight > 100:
            raise refuse(_("Item %(n)d needs a weight above 0 and at most 100.") % {"n": n})
        item: dict[str, Any] = {"key": key, "name": name, "kind": kind, "weight": float(weight)}
        if kind == "auto":
            if raw.get("formula") not in FORMULAS:
                raise refuse(_("Item %(n)d needs a formula from the list.") % {"n": n})
            item["formula"] = raw["formula"]
        if kind == "deduction":
            if raw.get("level") not in LEVEL_ORDER:
                raise refuse(_("Deduction %(n)d needs the urge level it counts.") % {"n": n})
            item["level"] = raw["level"]
            try:
                cap = Decimal(str(raw.get("cap", 100)))
            except ArithmeticError:
                raise refuse(_("Deduction %(n)d needs a cap.") % {"n": n}) from None
            if not cap.is_finite() or cap < 0 or cap > 100:
                raise refuse(_("Deduction %(n)d needs a cap from 0 to 100.") % {"n": n})
            item["cap"] = float(cap)
        seen.add(key)
        clean.append(item)
    total = sum((Decimal(str(i["weight"])) for i in clean if i["kind"] != "deduction"), Decimal(0))
    if total != 100:
        raise refuse(
            _("The weights of the scored items add up to %(total)s; they must add up to 100.")
            % {"total": f"{total.normalize():f}"}
        )
    return clean


def scheme_of(inspection_round: InspectionRound) -> EvaluationScheme | None:
    return EvaluationScheme.objects.filter(round=inspection_round).first()


@transaction.atomic
def scheme_save(
    *, actor: User, inspection_round: InspectionRound, items: Any | None = None
) -> EvaluationScheme:
    """Create or edit a round's scheme (the default one when no items are given)."""
    if not actor.is_office:
        raise NotAllowed(_("Only office staff can edit an evaluation scheme."))
    clean = validate_items(DEFAULT_ITEMS if items is None else items)
    scheme, _created = EvaluationScheme.objects.select_for_update().get_or_create(
        round=inspection_round, defaults={"items": clean, "updated_by": actor}
    )
    scheme.items, scheme.updated_by, scheme.updated_at = clean, actor, timezone.now()
    scheme.save()
    return scheme


# --- Scoring ------------------------------------------------------------------------------------


def score_items(
    items: list[dict[str, Any]],
    numbers: dict[str, Any],
    manual: dict[str, Any],
    deductions: dict[str, int],
) -> tuple[dict[str, Any], Decimal | None]:
    """Score each item of a scheme; answer the item scores and the total (see the module)."""
    scores: dict[str, Any] = {}
    raw = possible = Decimal(0)
    taken = Decimal(0)
    for item in items:
        weight = Decimal(str(item["weight"]))
        entry: dict[str, Any] = {"max": float(weight), "kind": item["kind"]}
        if item["kind"] == "auto":
            formula = item["formula"]
            rate = numbers.get(formula)
            applicable = rate is not None and (
                formula not in DUE_DEPENDENT or numbers.get("due_by_today", 0) > 0
            )
            entry.update(value=rate, applicable=applicable)
            if applicable:
                entry["score"] = float(_dec(weight * Decimal(str(rate))))
        elif item["kind"] == "manual":
            given = manual.get(item["key"]) or {}
            applicable = given.get("score") is not None
            entry.update(applicable=applicable, note=given.get("note", ""))
            if applicable:
                entry["score"] = float(_dec(min(Decimal(str(given["score"])), weight)))
        else:
            count = deductions.get(item["level"], 0)
            cap = Decimal(str(item.get("cap", 100)))
            points = min(weight * count, cap)
            entry.update(count=count, applicable=True, score=-float(_dec(points)))
            taken += points
            scores[item["key"]] = entry
            continue
        if entry["applicable"]:
            raw += Decimal(str(entry["score"]))
            possible += weight
        else:
            entry["score"] = None
        scores[item["key"]] = entry
    if not possible:
        return scores, None
    total = max(raw * 100 / possible - taken, Decimal(0))
    return scores, _dec(total)


def _deduction_counts(inspection_round: InspectionRound, day: datetime.date) -> dict[int, Counter]:
    rows = (
        UrgeNotice.objects.filter(round=inspection_round)
        .annotate(day=TruncDate("issued_at"))
        .filter(day__lte=day)
        .order_by()
        .values("unit", "level")
        .annotate(n=Count("id"))
    )
    counts: dict[int, Counter] = {}
    for row in rows:
        counts.setdefault(row["unit"], Counter())[row["level"]] += row["n"]
    return counts


def look_back_rate(items: QuerySet[LookBackItem], day: datetime.date) -> float | None:
    checked = items.annotate(day=TruncDate("checked_at")).filter(day__lte=day)
    return look_back_numbers(checked)["holding_rate"]


def json_numbers(numbers: dict[str, Any]) -> dict[str, Any]:
    keep = (
        "total",
        "closed",
        "overdue",
        "due_by_today",
        "closed_on_time",
        "extended",
        "completion_rate",
        "on_time_rate",
        "problems",
        "problems_completed",
        "problem_completion_rate",
        "look_back_holding_rate",
    )
    return {k: numbers.get(k) for k in keep}


def compute_scores(evaluation: Evaluation) -> list[EvaluationScore]:
    """Score every lead unit of the round and the round as a whole (unsaved rows), keeping
    the manual scores already given."""
    inspection_round, day = evaluation.round, evaluation.as_of
    manual = {s.unit_id: s.manual for s in evaluation.scores.all()}
    deductions = _deduction_counts(inspection_round, day)
    look_back_items = LookBackItem.objects.filter(look_back__round=inspection_round)
    rows: list[tuple[Unit | None, dict[str, Any]]] = []
    # A round's measures are a union of (round, lead unit) cells: read from the rollups.
    cells = [inspection_round.pk]
    led = [row for row in cell_numbers_by_unit(Cells(cells), day) if row["unit"] is not None]
    units = Unit.objects.in_bulk([row["unit"] for row in led])
    for by_unit in led:
        unit_id = by_unit["unit"]
        numbers = dict(by_unit)
        numbers.update(cell_problem_numbers(problem_cells(cells, unit_id)))
        numbers["look_back_holding_rate"] = look_back_rate(
            look_back_items.filter(measure__lead_unit_id=unit_id), day
        )
        rows.append((units[unit_id], numbers))
    whole = cell_numbers(Cells(cells), day)
    whole.update(cell_problem_numbers(problem_cells(cells)))
    whole["look_back_holding_rate"] = look_back_rate(look_back_items, day)
    rows.append((None, whole))
    all_deductions: Counter = Counter()
    for counter in deductions.values():
        all_deductions.update(counter)
    scores = []
    for unit, numbers in rows:
        given = manual.get(unit.pk if unit else None, {})
        counts = deductions.get(unit.pk, Counter()) if unit else all_deductions
        items, total = score_items(evaluation.items, numbers, given, dict(counts))
        scores.append(
            EvaluationScore(
                evaluation=evaluation,
                unit=unit,
                items=items,
                numbers=json_numbers(numbers),
                manual=given,
                total=total,
                band=band_of(total),
                on_time_rate=numbers.get("on_time_rate"),
            )
        )
    return scores


# --- Reads ----------------------------------------------------------------------------------


def evaluations_visible_to(user: User) -> QuerySet[Evaluation]:
    """Office and leaders see every evaluation; a supervision group sees its rounds'."""
    qs = Evaluation.objects.select_related("round", "scheme", "created_by", "published_by")
    if user.sees_jurisdiction:
        return of_jurisdictions(qs, user, "round__")
    return qs.filter(round__in=groups_supervising(user).values("rounds"))


def red_black_lists_visible_to(user: User) -> QuerySet[RedBlackList]:
    """Published lists are for everyone who works in the tracker, in the rounds of their
    jurisdictions."""
    qs = RedBlackList.objects.select_related("evaluation", "evaluation__round", "published_by")
    return of_jurisdictions(qs, user, "evaluation__round__")


def scores_visible_to(user: User) -> QuerySet[EvaluationScore]:
    """Office and leaders read every score; a supervision group's member reads the round's
    row and the scores of its group's units in its group's rounds, nothing of other units."""
    qs = EvaluationScore.objects.select_related("unit")
    if user.sees_jurisdiction:
        return of_jurisdictions(qs, user, "evaluation__round__")
    own_unit = groups_supervising(user).filter(
        rounds=OuterRef("evaluation__round"), units=OuterRef("unit")
    )
    return qs.filter(
        Q(unit__isnull=True, evaluation__round__in=groups_supervising(user).values("rounds"))
        | Exists(own_unit)
    )


def _in_rank_order(scores: list[EvaluationScore]) -> list[EvaluationScore]:
    units = sorted((s for s in scores if s.unit_id), key=rank_key)
    return units + [s for s in scores if not s.unit_id]


def ordered_scores(evaluation: Evaluation, viewer: User) -> list[EvaluationScore]:
    """The scores of the evaluation `viewer` may read, best first (see `rank_key`), then the
    round's row."""
    return _in_rank_order(list(scores_visible_to(viewer).filter(evaluation=evaluation)))


def rank_key(score: EvaluationScore) -> tuple:
    """Higher total first; a tie goes to the higher on-time rate; then the unit's name.
    Units without a total come last."""
    total = score.total
    return (
        total is None,
        -(total or 0),
        -(score.on_time_rate if score.on_time_rate is not None else -1),
        score.unit.name if score.unit else "",
    )


def ranking(evaluation: Evaluation) -> list[EvaluationScore]:
    """Every unit's score with a total, best first: what a red-and-black list publishes."""
    scores = list(evaluation.scores.select_related("unit"))
    return [s for s in _in_rank_order(scores) if s.unit_id and s.total is not None]


def quarter_label(day: datetime.date) -> str:
    return f"{day.year}年第{'一二三四'[(day.month - 1) // 3]}季度"


# --- Writes -----------------------------------------------------------------------------------


def _require_office(actor: User, what: str) -> None:
    if not actor.is_office:
        raise NotAllowed(_("Only office staff can %(what)s.") % {"what": what})


def _lock_draft(evaluation_id: int) -> Evaluation:
    evaluation = (
        Evaluation.objects.select_for_update().select_related("round").get(pk=evaluation_id)
    )
    if evaluation.status != Evaluation.Status.DRAFT:
        raise WrongState(_("The evaluation is published and frozen."))
    return evaluation


def _authors_of(evaluation: Evaluation) -> list[int | None]:
    return [evaluation.created_by_id, *evaluation.authors.values_list("pk", flat=True)]


def _store(evaluation: Evaluation) -> None:
    scores = compute_scores(evaluation)
    evaluation.scores.all().delete()
    EvaluationScore.objects.bulk_create(scores)


@transaction.atomic
def evaluation_create(
    *, actor: User, inspection_round: InspectionRound, as_of: datetime.date | None = None
) -> Evaluation:
    """A draft evaluation of the round as of a date, scored at once with the round's scheme
    (the default scheme is saved first when the round has none)."""
    _require_office(actor, _("evaluate a round"))
    day = as_of or today()
    if day > today():
        raise InvalidInput(_("An evaluation cannot be as of a future date."), field="as_of")
    scheme = scheme_of(inspection_round) or scheme_save(
        actor=actor, inspection_round=inspection_round
    )
    evaluation = Evaluation.objects.create(
        scheme=scheme, round=inspection_round, items=scheme.items, as_of=day, created_by=actor
    )
    evaluation.authors.add(actor)
    _store(evaluation)
    return evaluation


@transaction.atomic
def evaluation_recompute(*, evaluation_id: int, actor: User) -> Evaluation:
    """Score a draft again with the scheme as it is now; manual scores stay."""
    _require_office(actor, _("recompute an evaluation"))
    evaluation = _lock_draft(evaluation_id)
    evaluation.items = evaluation.scheme.items
    evaluation.save(update_fields=["items"])
    evaluation.authors.add(actor)
    _store(evaluation)
    return evaluation


def can_score_manually(user: User, score: EvaluationScore) -> bool:
    """Office scores every row; a supervision group the rows of its units in its rounds."""
    if user.is_office:
        return True
    if score.unit_id is None:
        return False
    return (
        groups_supervising(user)
        .filter(units=score.unit_id, rounds=score.evaluation.round_id)
        .exists()
    )


@transaction.atomic
def evaluation_score_manual(
    *,
    evaluation_id: int,
    actor: User,
    unit: Unit | None,
    key: str,
    score: float | Decimal | None,
    note: str = "",
) -> EvaluationScore:
    """Give (or clear, with None) a manual item's score of a unit, or of the round."""
    evaluation = _lock_draft(evaluation_id)
    row = evaluation.scores.select_for_update(of=("self",)).filter(unit=unit).first()
    if row is None:
        raise InvalidInput(_("The unit is not evaluated in this round."), field="unit")
    if not can_score_manually(actor, row):
        raise NotAllowed(_("Only office staff or the unit's supervision group can score it."))
    score_by_hand(evaluation.items, row, key=key, score=score, note=note, actor=actor)
    evaluation.authors.add(actor)
    return row


def score_by_hand(
    items: list[dict[str, Any]],
    row: Any,
    *,
    key: str,
    score: float | Decimal | None,
    note: str,
    actor: User,
) -> None:
    """Give (or clear, with None) the manual item `key` of a score row (a unit's, or a
    jurisdiction's) and score the row again on its stored numbers and deductions; saved."""
    item = next((i for i in items if i["key"] == key), None)
    if item is None or item["kind"] != "manual":
        raise InvalidInput(_("Choose an item that is scored by hand."), field="key")
    manual = dict(row.manual)
    if score is None:
        manual.pop(key, None)
    else:
        value = Decimal(str(score))
        if not value.is_finite() or value < 0 or value > Decimal(str(item["weight"])):
            raise InvalidInput(
                _("The score is from 0 to %(max)s.") % {"max": f"{item['weight']:g}"},
                field="score",
            )
        manual[key] = {
            "score": float(_dec(value)),
            "note": (note or "").strip()[:500],
            "by": str(actor),
        }
    row.manual = manual
    deductions = {
        key: entry["count"] for key, entry in row.items.items() if entry["kind"] == "deduction"
    }
    levels = {i["key"]: i["level"] for i in items if i["kind"] == "deduction"}
    counts = {levels[k]: n for k, n in deductions.items() if k in levels}
    row.items, row.total = score_items(items, row.numbers, manual, counts)
    row.band = band_of(row.total)
    row.save()


@transaction.atomic
def evaluation_publish(*, evaluation_id: int, actor: User) -> Evaluation:
    """Publish: the scheme items and the scores stored now are the evaluation for good."""
    _require_office(actor, _("publish an evaluation"))
    evaluation = _lock_draft(evaluation_id)
    require_second_person(
        actor,
        _authors_of(evaluation),
        _(
            "No one publishes alone: someone who scored none of this evaluation must publish "
            "it, and you created, recomputed or scored it."
        ),
    )
    evaluation.status = Evaluation.Status.PUBLISHED
    evaluation.published_by, evaluation.published_at = actor, timezone.now()
    evaluation.save(update_fields=["status", "published_by", "published_at"])
    return evaluation


def _list_entry(rank: int, score: EvaluationScore) -> dict[str, Any]:
    assert score.unit is not None
    return {
        "rank": rank,
        "unit": score.unit_id,
        "unit_name": score.unit.name,
        "total": float(score.total) if score.total is not None else None,
        "band": score.band,
        "on_time_rate": score.on_time_rate,
        "completion_rate": score.numbers.get("completion_rate"),
        "overdue": score.numbers.get("overdue"),
    }


@transaction.atomic
def red_black_publish(
    *,
    actor: User,
    evaluation_id: int,
    period_label: str = "",
    best_count: int = 3,
    worst_count: int = 3,
) -> RedBlackList:
    """Publish a red-and-black list from a published evaluation: the best `best_count`
    units by total (ties by on-time rate), and the worst `worst_count` of the others."""
    _require_office(actor, _("publish a red-and-black list"))
    evaluation = Evaluation.objects.select_for_update().get(pk=evaluation_id)
    if evaluation.status != Evaluation.Status.PUBLISHED:
        raise WrongState(_("Publish the evaluation before drawing a list from it."))
    require_second_person(
        actor,
        _authors_of(evaluation),
        _(
            "No one publishes alone: a red-and-black list is published by someone who scored "
            "none of the evaluation it ranks."
        ),
    )
    if best_count < 0 or worst_count < 0 or best_count + worst_count == 0:
        raise InvalidInput(_("Put at least one unit on the list."), field="best_count")
    label = (period_label or "").strip() or quarter_label(evaluation.as_of)
    if len(label) > 50:
        raise InvalidInput(_("The period is at most 50 characters."), field="period_label")
    ranked = ranking(evaluation)
    positions = {score.pk: n for n, score in enumerate(ranked, start=1)}
    red = ranked[:best_count]
    rest = ranked[len(red) :]
    black = list(reversed(rest))[:worst_count]
    return RedBlackList.objects.create(
        evaluation=evaluation,
        period_label=label,
        best_count=best_count,
        worst_count=worst_count,
        red=[_list_entry(positions[s.pk], s) for s in red],
        black=[_list_entry(positions[s.pk], s) for s in black],
        published_by=actor,
    )
