"""Bulk actions over a selection of measures (批量操作): set units, official and deadline, move
deadlines, sign off or return several submissions at once.

A selection is a list of ids or the measure list's filter ("all matching"), always read through
the actor's scope. Each measure goes through the same single-measure service as a click on its
own page (rectification.services), inside one transaction: if any measure refuses, every
refusal is collected with the measure's number and the whole action is rolled back. A preview
runs the very same services and rolls back too, so it can never promise what the real action
would refuse. The apps above run their own actions through `run` (supervision: urge notices).
"""

from __future__ import annotations

import datetime
import functools
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import transaction
from django.http import QueryDict
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import User
from config.errors import DomainError, InvalidInput, StaleVersion

from . import services
from .filters import MeasureFilter
from .models import Measure
from .selectors import measures_visible_to

# Query-string keys of the list pages that choose a page or an order, not measures.
NOT_FILTERS = frozenset({"page", "page_size", "ordering"})
# The fields a bulk edit may set: those an office fills in after a feedback import.
BULK_FIELDS = ("lead_unit", "cooperating_units", "lead_official", "lead_official_user", "deadline")
# How many refusals a message names before it counts the rest.
NAMED_IN_MESSAGE = 20


@dataclass(frozen=True)
class Target:
    """A selected measure as the actor sees it: its id, its number (2.1) and its version."""

    id: int
    number: str
    version: int
    lead_unit_id: int | None


@dataclass(frozen=True)
class Blocker:
    measure_id: int
    number: str
    message: str
    status_code: int


@dataclass
class Outcome:
    """What a bulk action did (or, in a preview, would do)."""

    action: str
    preview: bool
    selected: int
    changed: list[int] = field(default_factory=list)
    # The versions read at the preview: sent back with the action, a measure changed in
    # between refuses it (version changed) instead of being overwritten.
    versions: dict[int, int] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def unchanged(self) -> int:
        return self.selected - len(self.changed)


class BulkRefused(DomainError):
    """Some measures block the action; nothing was changed. 403 when a measure is out of the
    actor's rights, else 409 (a wrong state, a changed version, a rule of one measure)."""

    def __init__(self, blocked: Sequence[Blocker]) -> None:
        self.blocked = list(blocked)
        self.status_code = 403 if any(b.status_code == 403 for b in blocked) else 409
        self.code = "permission_denied" if self.status_code == 403 else "conflict"
        named = "；".join(f"{b.number}：{b.message}" for b in self.blocked[:NAMED_IN_MESSAGE])
        rest = len(self.blocked) - NAMED_IN_MESSAGE
        if rest > 0:
            named += "；" + ngettext("and %(n)d more", "and %(n)d more", rest) % {"n": rest}
        super().__init__(
            ngettext(
                "%(n)d measure blocks the action, so nothing was changed: %(named)s",
                "%(n)d measures block the action, so nothing was changed: %(named)s",
                len(self.blocked),
            )
            % {"n": len(self.blocked), "named": named}
        )


def max_measures() -> int:
    return int(settings.BULK_MAX_MEASURES)


# --- The selection -------------------------------------------------------------------------


def _filter_data(raw: Mapping[str, Any] | str) -> QueryDict:
    """The list's filter as a query string (a page's `?round=3&status=…`) or a mapping (the
    API's `{"round": 3}`); a key the list does not know is refused, never ignored, so that a
    misspelt filter cannot silently select every measure."""
    if isinstance(raw, str):
        data = QueryDict(raw.lstrip("?"), mutable=True)
    elif isinstance(raw, Mapping):
        data = QueryDict(mutable=True)
        for key, value in raw.items():
            values = value if isinstance(value, list) else [value]
            if not all(isinstance(v, str | int | bool) for v in values):
                raise InvalidInput(
                    _("Each filter takes a value or a list of values."), field="filter"
                )
            data.setlist(
                str(key), [str(v).lower() if isinstance(v, bool) else str(v) for v in values]
            )
    else:
        raise InvalidInput(_("The filter is the measure list's query string."), field="filter")
    for key in NOT_FILTERS:
        data.pop(key, None)
    unknown = sorted(set(data) - set(MeasureFilter.base_filters))
    if unknown:
        raise InvalidInput(
            _("The measure list has no filter %(names)s.") % {"names": "、".join(unknown)},
            field="filter",
        )
    return data


def select(
    actor: User,
    *,
    ids: Iterable[int] | None = None,
    filter: Mapping[str, Any] | str | None = None,
) -> list[Target]:
    """The measures of a selection, in the actor's scope, in one order (by id).

    An id the actor cannot see is refused as if it did not exist, naming only what was sent.
    """
    visible = measures_visible_to(actor)
    if (ids is None) == (filter is None):
        raise InvalidInput(_("Choose measures, or all that match a filter."), field="ids")
    if ids is not None:
        wanted = sorted(set(ids))
        if not wanted:
            raise InvalidInput(_("Choose at least one measure."), field="ids")
        if len(wanted) > max_measures():
            raise _too_many("ids", len(wanted))
        qs = visible.filter(pk__in=wanted)
    else:
        assert filter is not None
        filtered = MeasureFilter(_filter_data(filter), queryset=visible)
        if not filtered.is_valid():
            raise InvalidInput(
                _("Some filters were not understood: %(names)s")
                % {"names": "、".join(sorted(filtered.errors))},
                field="filter",
            )
        qs = filtered.qs
        wanted = None
    rows = list(
        qs.order_by("pk").values_list("pk", "problem__seq", "seq", "version", "lead_unit_id")[
            : max_measures() + 1
        ]
    )
    if wanted is not None and len(rows) < len(wanted):
        found = {row[0] for row in rows}
        missing = [str(i) for i in wanted if i not in found]
        raise InvalidInput(
            _("These measures do not exist or are not yours to see: %(ids)s")
            % {"ids": ", ".join(missing[:NAMED_IN_MESSAGE])},
            field="ids",
        )
    if not rows:
        raise InvalidInput(_("No measure matches the filter."), field="filter")
    if len(rows) > max_measures():
        raise _too_many("filter", len(rows))
    return [
        Target(id=pk, number=f"{problem_seq}.{seq}", version=version, lead_unit_id=unit)
        for pk, problem_seq, seq, version, unit in rows
    ]


def select_posted(actor: User, data: QueryDict) -> list[Target]:
    """The selection of a page's form: the ticked `ids`, or with `all_matching` every measure
    matching the list's `filter` (its query string)."""
    if data.get("all_matching"):
        return select(actor, filter=data.get("filter", ""))
    try:
        ids = [int(value) for value in data.getlist("ids")]
    except ValueError:
        raise InvalidInput(_("Choose measures from the list."), field="ids") from None
    return select(actor, ids=ids)


def versions_text(versions: Mapping[int, int]) -> str:
    """The versions of a preview, carried by the page's confirmation form."""
    return ",".join(f"{pk}:{version}" for pk, version in sorted(versions.items()))


def parse_versions(text: str | None) -> dict[int, int] | None:
    if not text:
        return None
    try:
        pairs = (item.split(":") for item in text.split(","))
        return {int(pk): int(version) for pk, version in pairs}
    except ValueError:
        raise InvalidInput(_("Preview the action again."), field="versions") from None


def _too_many(field_name: str, count: int) -> InvalidInput:
    return InvalidInput(
        _("At most %(max)d measures at a time (this selection holds %(count)s).")
        % {"max": max_measures(), "count": f"{count}+" if count > max_measures() else count},
        field=field_name,
    )


# --- Running an action ---------------------------------------------------------------------


def blocker(target: Target, error: DomainError) -> Blocker:
    return Blocker(target.id, target.number, error.message, error.status_code)


# One unit of work: the measures it writes, and the call that writes them (answering whether
# anything changed); `explain` names, for a unit that refused, which of its measures block.
Work = tuple[Sequence[Target], Callable[[], bool]]


def run(
    *,
    action: str,
    targets: Sequence[Target],
    work: Iterable[Work],
    preview: bool,
    versions: Mapping[int, int] | None = None,
    explain: Callable[[Sequence[Target], DomainError], list[Blocker]] | None = None,
) -> Outcome:
    """Run every unit of work in one transaction, each in a savepoint so that every refusal
    is collected; any refusal, or a preview, rolls the whole transaction back."""
    outcome = Outcome(
        action=action,
        preview=preview,
        selected=len(targets),
        versions={t.id: t.version for t in targets},
    )
    blocked: list[Blocker] = []
    if versions is not None:
        blocked += _changed_since(targets, versions)
    with transaction.atomic():
        for written, call in work:
            try:
                with transaction.atomic():
                    changed = call()
            except DomainError as error:
                blocked += explain(written, error) if explain else [blocker(written[0], error)]
            else:
                if changed:
                    outcome.changed += [t.id for t in written]
        if blocked or preview:
            transaction.set_rollback(True)
    if blocked:
        raise BulkRefused(sorted(blocked, key=lambda b: b.measure_id))
    return outcome


def _changed_since(targets: Sequence[Target], versions: Mapping[int, int]) -> list[Blocker]:
    """The measures whose version moved since the preview, and those that joined or left the
    selection (a filter matches other measures now)."""
    blocked = []
    for t in targets:
        if t.id not in versions:
            blocked.append(
                Blocker(t.id, t.number, _("It joined the selection after the preview."), 409)
            )
        elif versions[t.id] != t.version:
            blocked.append(
                Blocker(
                    t.id,
                    t.number,
                    _("It was changed after the preview (now version %(now)s).")
                    % {"now": t.version},
                    StaleVersion.status_code,
                )
            )
    gone = set(versions) - {t.id for t in targets}
    if gone:
        raise InvalidInput(
            _("Some measures of the preview are no longer in the selection: %(ids)s")
            % {"ids": ", ".join(str(i) for i in sorted(gone)[:NAMED_IN_MESSAGE])},
            field="versions",
        )
    return blocked


def _each(targets: Sequence[Target], call: Callable[[Target], bool]) -> list[Work]:
    return [([t], functools.partial(call, t)) for t in targets]


# --- The actions ---------------------------------------------------------------------------


def bulk_update(
    *,
    actor: User,
    targets: Sequence[Target],
    changes: dict[str, Any],
    preview: bool = False,
    versions: Mapping[int, int] | None = None,
) -> Outcome:
    """Set the same lead unit, cooperating units, lead official or deadline on every measure
    (services.measure_update: each change in the measure's history)."""
    unknown = set(changes) - set(BULK_FIELDS)
    if unknown:
        raise InvalidInput(
            _("These fields cannot be set in bulk: %s") % ", ".join(sorted(unknown)),
            field="fields",
        )
    if not changes:
        raise InvalidInput(_("Choose at least one field to set."), field="fields")
    changes = {**changes}
    if "cooperating_units" in changes:
        changes["cooperating_units"] = list(changes["cooperating_units"])

    def edit(t: Target) -> bool:
        measure = services.measure_update(
            measure_id=t.id, actor=actor, changes=changes, expected_version=t.version
        )
        return measure.version != t.version

    return run(
        action="update",
        targets=targets,
        work=_each(targets, edit),
        preview=preview,
        versions=versions,
    )


def bulk_shift_deadlines(
    *,
    actor: User,
    targets: Sequence[Target],
    days: int,
    reason: str,
    preview: bool = False,
    versions: Mapping[int, int] | None = None,
) -> Outcome:
    """Move every deadline by `days` (negative: earlier), the reason in each measure's history.

    A long-term measure has no deadline to move and a signed-off one is done: both stay as
    they are, so that a whole round's deadlines move in one action."""
    if not isinstance(days, int) or isinstance(days, bool) or days == 0 or abs(days) > 3660:
        raise InvalidInput(_("Move the deadlines by a number of days (not 0)."), field="days")
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(_("Give the reason for moving the deadlines."), field="reason")
    movable = dict(
        Measure.objects.filter(pk__in=[t.id for t in targets], deadline__isnull=False)
        .exclude(status=Measure.Status.CLOSED)
        .values_list("pk", "deadline")
    )

    def shift(t: Target) -> bool:
        deadline: datetime.date | None = movable.get(t.id)
        if deadline is None:
            return False
        services.measure_update(
            measure_id=t.id,
            actor=actor,
            changes={"deadline": deadline + datetime.timedelta(days=days)},
            expected_version=t.version,
            comment=reason,
        )
        return True

    return run(
        action="shift_deadlines",
        targets=targets,
        work=_each(targets, shift),
        preview=preview,
        versions=versions,
    )


def bulk_approve(
    *,
    actor: User,
    targets: Sequence[Target],
    comment: str = "",
    preview: bool = False,
    versions: Mapping[int, int] | None = None,
) -> Outcome:
    """Sign off every submission with one comment (services.measure_approve, each with its
    own rules: the state, the second person, and whatever steps the round's chain adds)."""

    def approve(t: Target) -> bool:
        services.measure_approve(
            measure_id=t.id, actor=actor, comment=comment, expected_version=t.version
        )
        return True

    return run(
        action="approve",
        targets=targets,
        work=_each(targets, approve),
        preview=preview,
        versions=versions,
    )


def bulk_return(
    *,
    actor: User,
    targets: Sequence[Target],
    reason: str,
    preview: bool = False,
    versions: Mapping[int, int] | None = None,
) -> Outcome:
    """Return every submission to its unit with one reason (services.measure_return)."""
    if not (reason or "").strip():
        raise InvalidInput(_("Give the reason for returning it."), field="reason")

    def send_back(t: Target) -> bool:
        services.measure_return(
            measure_id=t.id, actor=actor, reason=reason, expected_version=t.version
        )
        return True

    return run(
        action="return",
        targets=targets,
        work=_each(targets, send_back),
        preview=preview,
        versions=versions,
    )
