"""The look-back review (回头看): months after sign-off the office checks a round's closed
measures (all, or a random sample drawn reproducibly from a stored seed) and gives each a
verdict: holding (巩固), or relapsed (反弹), which reopens the measure with a new deadline in
the same transaction."""

from __future__ import annotations

import datetime
import random
import secrets
from collections.abc import Sequence

from django.db import transaction
from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.selectors import of_jurisdictions
from config.errors import InvalidInput, NotAllowed, WrongState
from inspections.models import InspectionRound
from rectification import services
from rectification.models import Measure, StatusChange
from rectification.selectors import _rate

from .models import LookBack, LookBackItem

Verdict = LookBackItem.Verdict
MAX_SEED = 2**31 - 1


def sample_ids(candidates: Sequence[int], size: int | None, seed: int) -> list[int]:
    """The measures a look-back checks: all candidates, or `size` of them drawn with `seed`.

    The same candidates, size and seed always give the same sample (Python's Mersenne
    Twister is stable across versions for `Random(int).sample`).
    """
    ordered = sorted(candidates)
    if size is None or size >= len(ordered):
        return ordered
    return sorted(random.Random(seed).sample(ordered, size))


def closed_measure_ids(inspection_round: InspectionRound) -> list[int]:
    return list(
        Measure.objects.filter(problem__round=inspection_round, status=Measure.Status.CLOSED)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


# --- Reads ---------------------------------------------------------------------------------


def look_backs_visible_to(user: User) -> QuerySet[LookBack]:
    """Office and leaders, each look-back with its figures annotated in the same query; a
    look-back is the office's own review."""
    qs = LookBack.objects.select_related("round", "started_by").annotate(
        sampled=Count("items", distinct=True),
        checked=Count("items", filter=~Q(items__verdict=Verdict.PENDING), distinct=True),
        holding=Count("items", filter=Q(items__verdict=Verdict.HOLDING), distinct=True),
        relapsed=Count("items", filter=Q(items__verdict=Verdict.RELAPSED), distinct=True),
        reclosed=Count(
            "items",
            filter=Q(
                items__verdict=Verdict.RELAPSED,
                items__measure__status=Measure.Status.CLOSED,
                items__measure__closed_at__gt=F("items__checked_at"),
            ),
            distinct=True,
        ),
    )
    # Meta.ordering is dropped from a GROUP BY query, which the counts make this.
    qs = qs.order_by("-started_at", "-id")
    return of_jurisdictions(qs, user, "round__") if user.sees_jurisdiction else qs.none()


def look_back_items_visible_to(user: User) -> QuerySet[LookBackItem]:
    qs = LookBackItem.objects.select_related(
        "look_back", "measure", "measure__problem", "measure__lead_unit", "checked_by"
    )
    return of_jurisdictions(qs, user, "look_back__round__") if user.sees_jurisdiction else qs.none()


def look_back_numbers(items: QuerySet[LookBackItem]) -> dict:
    """Sampled, checked, holding, relapsed (each relapse reopened its measure), relapsed and
    signed off again since, and the holding rate (holding ÷ checked; None before any check)."""
    counts = items.order_by().aggregate(
        look_backs=Count("look_back", distinct=True),
        sampled=Count("id"),
        checked=Count("id", filter=~Q(verdict=Verdict.PENDING)),
        holding=Count("id", filter=Q(verdict=Verdict.HOLDING)),
        relapsed=Count("id", filter=Q(verdict=Verdict.RELAPSED)),
        reclosed=Count(
            "id",
            filter=Q(
                verdict=Verdict.RELAPSED,
                measure__status=Measure.Status.CLOSED,
                measure__closed_at__gt=F("checked_at"),
            ),
        ),
    )
    counts["pending"] = counts["sampled"] - counts["checked"]
    counts["holding_rate"] = _rate(counts["holding"], counts["checked"])
    return counts


def round_look_back_numbers(inspection_round: InspectionRound) -> dict:
    """The figures of every look-back of a round, in one query."""
    return look_back_numbers(LookBackItem.objects.filter(look_back__round=inspection_round))


# --- Writes ----------------------------------------------------------------------------------


@transaction.atomic
def look_back_start(
    *,
    actor: User,
    inspection_round: InspectionRound,
    sample_size: int | None = None,
    seed: int | None = None,
    note: str = "",
) -> LookBack:
    """Start a look-back on a round: every closed measure, or a sample of `sample_size`."""
    if not actor.is_office:
        raise NotAllowed(_("Only office staff can start a look-back review."))
    if sample_size is not None and sample_size < 1:
        raise InvalidInput(_("The sample needs at least one measure."), field="sample_size")
    if seed is not None and not 0 <= seed <= MAX_SEED:
        raise InvalidInput(_("The seed is a whole number from 0 to 2147483647."), field="seed")
    # Lock the round's closed measures so a reopen in between cannot slip into the sample.
    candidates = list(
        Measure.objects.select_for_update()
        .filter(problem__round=inspection_round, status=Measure.Status.CLOSED)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    if not candidates:
        raise InvalidInput(_("The round has no signed-off measure to look back on."))
    if sample_size is not None and sample_size > len(candidates):
        raise InvalidInput(
            _("The round has only %(n)d signed-off measures; choose a smaller sample.")
            % {"n": len(candidates)},
            field="sample_size",
        )
    seed = secrets.randbelow(MAX_SEED) if seed is None else seed
    look_back = LookBack.objects.create(
        round=inspection_round,
        started_by=actor,
        sample_size=sample_size,
        seed=seed,
        note=(note or "").strip(),
    )
    LookBackItem.objects.bulk_create(
        LookBackItem(look_back=look_back, measure_id=pk)
        for pk in sample_ids(candidates, sample_size, seed)
    )
    return look_back


@transaction.atomic
def look_back_verdict(
    *,
    item_id: int,
    actor: User,
    verdict: str,
    reason: str = "",
    deadline: datetime.date | None = None,
) -> LookBackItem:
    """Holding (巩固) or relapsed (反弹); a relapse reopens the measure with `deadline`."""
    item = LookBackItem.objects.select_for_update().select_related("look_back").get(pk=item_id)
    if not actor.is_office:
        raise NotAllowed(_("Only office staff can give a look-back verdict."))
    if item.verdict != Verdict.PENDING:
        raise WrongState(_("This measure already has its verdict."))
    reason = (reason or "").strip()
    now = timezone.now()
    if verdict == Verdict.HOLDING:
        measure = services.lock_measure(item.measure_id)
        StatusChange.objects.create(
            measure=measure,
            from_status=measure.status,
            to_status=measure.status,
            action=StatusChange.Action.LOOK_BACK,
            actor=actor,
            comment=reason,
        )
    elif verdict == Verdict.RELAPSED:
        if not reason:
            raise InvalidInput(_("Give the reason the measure relapsed."), field="reason")
        services.measure_reopen(
            measure_id=item.measure_id,
            actor=actor,
            reason=_("Look-back: relapsed. %(reason)s") % {"reason": reason},
            deadline=deadline,
        )
        item.new_deadline = deadline
    else:
        raise InvalidInput(_("The verdict is holding or relapsed."), field="verdict")
    item.verdict = verdict
    item.reason = reason
    item.checked_by, item.checked_at = actor, now
    item.save()
    look_back = item.look_back
    if not look_back.items.filter(verdict=Verdict.PENDING).exists():
        LookBack.objects.filter(pk=look_back.pk, finished_at__isnull=True).update(finished_at=now)
    return item
