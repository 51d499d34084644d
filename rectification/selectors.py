"""Reads that matter: which measures a user sees, and the one definition of every number
(of a set of measures, a problem, a round)."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypedDict, cast

from django.core.exceptions import FieldDoesNotExist
from django.db import connection
from django.db.models import (
    BooleanField,
    Case,
    CharField,
    Count,
    DateField,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, TruncDate, TruncMonth
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext

from accounts.models import Unit, User
from accounts.selectors import (
    groups_supervising,
    in_jurisdiction_scope,
    in_liaison_scope,
    jurisdiction_scope,
    liaison_memberships,
    owns_jurisdiction,
    supervised_measures_filter,
)
from findings.models import Petition, Problem, ProblemClue, late_filter
from findings.selectors import problems_visible_to
from inspections.models import InspectionRound
from inspections.selectors import rounds_visible_to

from .models import (
    WAITING_FOR_SIGN_OFF,
    ClosureRollup,
    Evidence,
    Extension,
    Measure,
    MeasureDayRollup,
    MeasureRollup,
    MonthRollup,
    ProblemRollup,
    ProblemUnitRollup,
    ProgressReport,
    RollupDay,
    StatusChange,
    colour_filter,
    due_soon_filter,
    overdue_filter,
    today,
)


class ProblemStatusAnnotations(TypedDict):
    derived_status: str
    measures_total: int
    measures_closed: int


class ProgressAnnotations(TypedDict):
    latest_progress: str | None
    evidence_count: int


if TYPE_CHECKING:
    from typing import TypeAlias

    from django_stubs_ext import WithAnnotations

    # The rows of `with_problem_status` and `with_latest_progress`.
    ProblemWithStatus: TypeAlias = WithAnnotations[Problem, ProblemStatusAnnotations]
    MeasureWithProgress: TypeAlias = WithAnnotations[Measure, ProgressAnnotations]

CLOSED = Measure.Status.CLOSED


# What a list of measures shows (rectification/_measure_table.html, the workbench's and the
# tasks' cards): the problem's number and the lead unit. A list joins only these: with every
# relation of measures_visible_to the planner weighs eight tables and takes 20-30 ms to plan
# a query that runs in 1 ms.
LISTED_RELATIONS = ("problem", "lead_unit")


def listed(measures: QuerySet[Any], *more: str) -> QuerySet[Any]:
    """`measures` joined to what a list of them shows, and to the relations `more`; no
    cooperating units fetched (a list does not show them)."""
    return (
        measures.select_related(None)
        .select_related(*LISTED_RELATIONS, *more)
        .prefetch_related(None)
    )


def _liaison_unit(user: User) -> int | None:
    """The unit whose scope `user` sees by the liaison's rule, if that is their rule."""
    if not user.sees_jurisdiction and user.is_liaison and user.unit_id:
        return user.unit_id
    return None


def _measures_read_whole() -> QuerySet[Measure]:
    """The measures with what their pages show of them, before any scope."""
    return Measure.objects.select_related(
        "problem",
        "problem__round",
        "problem__aspect",
        "lead_unit",
        "lead_official_user",
        "closed_by",
        "submitted_by",
    ).prefetch_related("cooperating_units")


MEASURE_PEOPLE = ("lead_official_user", "submitted_by", "closed_by")


def people_of(measure: Measure) -> None:
    """Set a measure's people (MEASURE_PEOPLE) on it as select_related would, read in one
    query, or none where it names nobody."""
    keys = {getattr(measure, f"{name}_id") for name in MEASURE_PEOPLE} - {None}
    found = User.objects.in_bulk(keys) if keys else {}
    for name in MEASURE_PEOPLE:
        field: Any = Measure._meta.get_field(name)
        field.set_cached_value(measure, found.get(getattr(measure, f"{name}_id")))


def measures_visible_to(user: User) -> QuerySet[Measure]:
    qs = _measures_read_whole()
    if user.sees_jurisdiction:
        return in_jurisdiction_scope(qs, user, via="", round_via="problem__round__")
    if unit_id := _liaison_unit(user):
        return in_liaison_scope(qs, unit_id, via="")
    if user.is_supervisor:
        # A supervision group's member sees its rounds' measures led by its units.
        return qs.filter(supervised_measures_filter(user))
    return qs.none()


class ScopeInOrder:
    """All the measures a liaison sees, in the measures' own order (round, problem's number,
    measure's number, key), counted and cut into pages from the membership index by problem.

    Sorting the whole scope for one page reads every measure of it (twelve thousand for a
    province's busiest unit) to learn their numbers. Instead the scope's problems are read
    with how many of the unit's measures each holds (one index range of the membership
    table, a few hundred rows, sorted by the problems' numbers): their sum is the count, and
    a page's keys are read from the few problems it spans. The order is the measures' one
    because a problem's number is unique in its round and a measure's in its problem.
    """

    paths = ("problem__round_id", "problem__seq", "seq", "id")

    def __init__(self, unit_id: int) -> None:
        self.unit_id = unit_id

    @cached_property
    def problems(self) -> list[tuple[int, int]]:
        """Each problem of the scope in order, with how many of its measures the unit has."""
        members = liaison_memberships(Measure, self.unit_id)
        grouped, params = (
            members.values("problem")
            .annotate(n=Count("measure", distinct=True))
            .values_list("problem", "n")
            .query.sql_with_params()
        )
        # Grouped from the index alone, then joined to the problems for their order: the
        # ORM groups after the join, and PostgreSQL then sorts every row of the scope. On
        # PostgreSQL each group's problem is read by its key (LATERAL … OFFSET 0): guessing
        # ten thousand groups where there are twelve hundred, the planner would hash all
        # twenty-five thousand problems (10.6 ms, against 6.7).
        problem = Problem._meta.db_table
        if connection.vendor == "postgresql":
            joined = (
                f"JOIN LATERAL (SELECT p.round_id, p.seq FROM {problem} p"
                " WHERE p.id = g.problem OFFSET 0) p ON true"
            )
        else:
            joined = f"JOIN {problem} p ON p.id = g.problem"
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT g.problem, g.n FROM ({grouped}) g {joined} ORDER BY p.round_id, p.seq",
                params,
            )
            return [(pk, n) for pk, n in cursor.fetchall()]

    @property
    def count(self) -> int:
        return sum(n for _, n in self.problems)

    def keys(self, bottom: int, top: int) -> list[tuple]:
        """The `paths` of the measures from `bottom` (counted from 0) up to `top`."""
        chosen: list[int] = []
        skip = seen = 0
        for problem_id, n in self.problems:
            if seen >= top:
                break
            if seen + n > bottom:
                if not chosen:
                    skip = bottom - seen
                chosen.append(problem_id)
            seen += n
        if not chosen:
            return []
        members = liaison_memberships(Measure, self.unit_id).filter(problem_id__in=chosen)
        rows = (
            Measure.objects.filter(problem_id__in=chosen, pk__in=members.values("measure"))
            .order_by(*self.paths)
            .values_list(*self.paths)
        )
        return list(rows[skip : skip + top - bottom])


def scope_in_order(user: User) -> ScopeInOrder | None:
    """The whole of what `user` sees as a ScopeInOrder, where their rule allows one (a
    liaison's); None for everyone else."""
    unit_id = _liaison_unit(user)
    return ScopeInOrder(unit_id) if unit_id else None


def rounds_in_view(user: User) -> QuerySet[InspectionRound]:
    """The rounds whose pages a user opens: those of inspections.selectors, and for a
    supervision group's member the group's rounds (accounts.selectors.groups_supervising)."""
    if user.is_supervisor:
        return InspectionRound.objects.select_related("target_unit", "jurisdiction").filter(
            pk__in=groups_supervising(user).values("rounds")
        )
    return rounds_visible_to(user)


# The history rows that tell of an urge notice. A notice on a measure is addressed to its lead
# unit, and a cooperating unit's liaison may not read it (urges/{id}/ answers 404), so they
# do not read it in the history either.
ADDRESSED_TO_THE_LEAD_UNIT = (
    StatusChange.Action.URGE,
    StatusChange.Action.URGE_REPLY,
    StatusChange.Action.URGE_ACCEPT,
    StatusChange.Action.URGE_ESCALATE,
    StatusChange.Action.URGE_COMMENT,
)


def measure_history(measure: Measure, viewer: User) -> QuerySet[StatusChange]:
    """The measure's status changes and field edits, oldest first, as `viewer` may read them:
    each row follows the visibility of what it tells of."""
    rows = measure.history.select_related("actor").order_by("at", "id")
    if viewer.is_liaison and viewer.unit_id != measure.lead_unit_id:
        rows = rows.exclude(action__in=ADDRESSED_TO_THE_LEAD_UNIT)
    return rows


def _number_filters(
    day: datetime.date, on_time: Q | None = None, extended: Q | None = None
) -> dict[str, Q]:
    """Which measures each count of DESIGN.md section 6 counts, over measures annotated by
    `_numbers_base`: the one definition, read by the counts and by the lists they open.

    The rollups (MeasureRollup) carry the same fields, and store as flags the two conditions
    that read other rows: `on_time` and `extended` say how to ask for them there."""
    not_closed = ~Q(status=CLOSED)
    due = Q(deadline__lte=day, is_long_term=False)
    if on_time is None:
        on_time = Q(submitted_day__lte=F("deadline"))
    if extended is None:
        # Measures with an approved extension, as one hashed set rather than a probe per row.
        approved = Extension.objects.filter(status=Extension.Status.APPROVED)
        extended = Q(pk__in=approved.values("measure_id"))
    return {
        "closed": Q(status=CLOSED),
        # Waiting at each step towards sign-off: the head, the superior, the office.
        "endorsing": Q(status=Measure.Status.ENDORSING),
        "reviewing": Q(status=Measure.Status.REVIEWING),
        "submitted": Q(status=Measure.Status.SUBMITTED),
        "in_progress": Q(status=Measure.Status.IN_PROGRESS),
        "not_started": Q(status=Measure.Status.NOT_STARTED),
        "long_term": Q(is_long_term=True) & not_closed,
        "overdue": overdue_filter(day),
        "due_soon": due_soon_filter(day),
        "due_by_today": due,
        "closed_on_time": due & Q(status=CLOSED) & on_time,
        "extended": extended,
    }


# The counts of `measure_numbers` that name a set of measures (the rates are not sets).
COUNTED_NUMBERS = (
    "closed",
    "endorsing",
    "reviewing",
    "submitted",
    "in_progress",
    "not_started",
    "long_term",
    "overdue",
    "due_soon",
    "due_by_today",
    "closed_on_time",
    "extended",
)


NUMBER_COLUMNS = ("total", *COUNTED_NUMBERS)


def _count_expressions(
    day: datetime.date, names: tuple[str, ...], count: Any, **flags: Q | None
) -> dict[str, Any]:
    """`names` (of NUMBER_COLUMNS and "unassigned") as aggregates `count(filter=…)` under the
    filters of `_number_filters`, `flags` saying how its `on_time` and `extended` are asked."""
    filters = _number_filters(day, **flags)
    filters["unassigned"] = UNASSIGNED
    return {name: count() if name == "total" else count(filter=filters[name]) for name in names}


def measure_count_expressions(
    day: datetime.date, names: tuple[str, ...] = NUMBER_COLUMNS, extended: Q | None = None
) -> dict[str, Count]:
    """The counts of section 6 over measures annotated by `_numbers_base`, for a whole set and
    for each group (`extended`: the condition over another Extension model, a migration's)."""
    return _count_expressions(day, names, lambda **kw: Count("id", **kw), extended=extended)


def cell_count_expressions(
    day: datetime.date, names: tuple[str, ...] = NUMBER_COLUMNS
) -> dict[str, Coalesce]:
    """The same counts summed over MeasureRollup cells, which store `on_time` and `extended`
    as flags."""
    return _count_expressions(
        day,
        names,
        lambda **kw: Coalesce(Sum("n", **kw), 0),
        on_time=Q(on_time=True),
        extended=Q(extended=True),
    )


def measures_counted_as(
    measures: QuerySet[Measure], number: str, as_of: datetime.date | None = None
) -> QuerySet[Measure]:
    """The measures that `number` (one of COUNTED_NUMBERS) of `measure_numbers` counts: the
    list a dashboard number opens holds exactly these."""
    day = as_of or today()
    annotated = measures.annotate(submitted_day=TruncDate("submitted_at"))
    return annotated.filter(_number_filters(day)[number])


def _numbers_base(measures: QuerySet[Measure]) -> QuerySet[Measure]:
    return measures.order_by().annotate(submitted_day=TruncDate("submitted_at"))


def _with_rates(counts: dict) -> dict:
    counts["completion_rate"] = _rate(counts["closed"], counts["total"])
    counts["on_time_rate"] = _rate(counts["closed_on_time"], counts["due_by_today"])
    return counts


def measure_numbers(measures: QuerySet[Measure], as_of: datetime.date | None = None) -> dict:
    """DESIGN.md section 6 for a set of measures, computed in one query.

    Rates are None, not zero, when their denominator is zero.
    """
    day = as_of or today()
    counts = _with_rates(_numbers_base(measures).aggregate(**measure_count_expressions(day)))
    counts["as_of"] = day
    return counts


def measure_numbers_by_unit(
    measures: QuerySet[Measure], as_of: datetime.date | None = None
) -> list[dict]:
    """The numbers of section 6 for each lead unit of a set of measures, in one query.

    Each row carries `unit` (id, None for measures with no lead unit yet), `unit_name` and
    `unit_short_name`, and the same keys as `measure_numbers`.
    """
    day = as_of or today()
    rows = (
        _numbers_base(measures)
        .values("lead_unit")
        .annotate(
            unit_name=F("lead_unit__name"),
            unit_short_name=F("lead_unit__short_name"),
            **measure_count_expressions(day),
        )
        .order_by("lead_unit__name")
    )
    result = []
    for row in rows:
        row["unit"] = row.pop("lead_unit")
        result.append(_with_rates(row))
    return result


# --- The same numbers read from the rollups ----------------------------------------------------
# For a set of measures that is a union of (round, lead unit) cells, seen by someone who sees
# every measure of them: a few hundred rollup rows instead of the measures themselves. The
# filters are those of `_number_filters`, so the two ways of counting cannot drift apart.


def _rounds_of(scope: frozenset[int]) -> QuerySet[InspectionRound, Any]:
    return InspectionRound.objects.filter(jurisdiction_id__in=scope).order_by().values("pk")


def _units_of(scope: frozenset[int]) -> QuerySet[Unit, Any]:
    return Unit.objects.filter(jurisdiction_id__in=scope).order_by().values("pk")


def _cells_in(scope: frozenset[int]) -> Q:
    """Rollup rows (measures' or sign-offs') of the jurisdictions: accounts'
    `measures_in_jurisdictions` said over the rows' round and lead unit keys."""
    return Q(round_id__in=_rounds_of(scope)) | Q(lead_unit_id__in=_units_of(scope))


def _in_cells(
    rows: QuerySet[Any],
    rounds: list[int] | None,
    unit: int | None,
    scope: frozenset[int] | None,
) -> QuerySet[Any]:
    """Rollup rows keyed by (round, lead unit) of the given cells (as `measure_cells`)."""
    if rounds is not None:
        rows = rows.filter(round_id__in=rounds)
    if unit is not None:
        rows = rows.filter(lead_unit_id=unit)
    if scope is not None:
        rows = rows.filter(_cells_in(scope))
    return rows.order_by()


def measure_cells(
    rounds: list[int] | None = None,
    unit: int | None = None,
    scope: frozenset[int] | None = None,
) -> QuerySet[MeasureRollup]:
    """The rollup rows of the measures of `rounds` (None: every round) led by `unit` (None:
    any lead unit), within the jurisdictions `scope` (None: all; accounts'
    `measures_in_jurisdictions` said as cells: their rounds' and their units')."""
    return _in_cells(MeasureRollup.objects.exclude(n=0), rounds, unit, scope)


@dataclass(frozen=True)
class Cells:
    """A union of (round, lead unit) cells: the measures of `rounds` (None: every round) led
    by `unit` (None: any), within the jurisdictions `scope` (None: all).

    Their numbers on the day the day rollup is counted on (today, once rollups.advance_day
    has run) are read from MeasureDayRollup, one row per cell; on any other day, or before
    it has run, from the deadline cells of MeasureRollup."""

    rounds: list[int] | None = None
    unit: int | None = None
    scope: frozenset[int] | None = None

    def measure_rows(self) -> QuerySet[MeasureRollup]:
        return measure_cells(self.rounds, self.unit, self.scope)

    def day_rows(self, day: datetime.date) -> QuerySet[MeasureDayRollup]:
        """The cells' day rollup rows when it is counted on `day`; none otherwise."""
        return self.all_rows().filter(Exists(RollupDay.objects.filter(pk=1, day=day)))

    def all_rows(self) -> QuerySet[MeasureDayRollup]:
        """The cells' day rollup rows whatever day it is counted on: one per (round, lead
        unit) holding a measure (its total is kept by the triggers on every day)."""
        rows = MeasureDayRollup.objects.filter(total__gt=0)
        return _in_cells(rows, self.rounds, self.unit, self.scope)

    def counts(
        self, day: datetime.date, by: tuple[str, ...] = (), names: tuple[str, ...] = NUMBER_COLUMNS
    ) -> list[dict]:
        """`names` summed over the cells on `day`, one row per value of the key fields `by`
        (one row in all without them): from the day rollup when it is counted on `day`,
        else (or where it holds no cell) from the deadline cells, in one more query."""
        sums = {name: Coalesce(Sum(name), 0) for name in names}
        if by:
            rows = list(self.day_rows(day).values(*by).annotate(**sums))
        else:
            whole = self.day_rows(day).aggregate(cells=Count("pk"), **sums)
            rows = [whole] if whole.pop("cells") else []
        if rows:
            return rows
        fine = self.measure_rows().order_by()
        expressions = cell_count_expressions(day, names)
        if by:
            return list(fine.values(*by).annotate(**expressions))
        return [fine.aggregate(**expressions)]


def cell_numbers(cells: Cells, as_of: datetime.date | None = None) -> dict:
    """`measure_numbers` of the measures of `cells`, in one query (two on a day the day rollup
    is not counted on, or where there are no cells)."""
    day = as_of or today()
    counts = _with_rates(cells.counts(day)[0])
    counts["as_of"] = day
    return counts


def cell_numbers_by_unit(cells: Cells, as_of: datetime.date | None = None) -> list[dict]:
    """`measure_numbers_by_unit` of the measures of `cells`: one grouped query (two as in
    `cell_numbers`), and one for the units' names."""
    day = as_of or today()
    rows = cells.counts(day, by=("lead_unit_id",))
    led = Unit.objects.filter(pk__in=[r["lead_unit_id"] for r in rows if r["lead_unit_id"]])
    names = {pk: (name, short) for pk, name, short in led.values_list("pk", "name", "short_name")}
    result = []
    for row in rows:
        unit = row.pop("lead_unit_id")
        row["unit"] = unit
        row["unit_name"], row["unit_short_name"] = names.get(unit, (None, None))
        result.append(_with_rates(row))
    # The order of measure_numbers_by_unit: by name, the measures with no lead unit last.
    result.sort(key=lambda r: (r["unit_name"] is None, r["unit_name"] or ""))
    return result


def cell_numbers_by_jurisdiction(
    scopes: dict[int, frozenset[int]],
    rounds: list[int] | None = None,
    unit: int | None = None,
    as_of: datetime.date | None = None,
    scope: frozenset[int] | None = None,
) -> dict[int, dict]:
    """`cell_numbers(Cells(rounds, unit, scopes[key]))` and `cell_problem_numbers(
    problem_cells(rounds, unit, scopes[key]))` for every key, in six queries whatever the
    number of keys.

    The cells within `scope` are summed by the jurisdictions of their round and of their lead
    unit, and each sum is counted for every scope holding either (`_cells_in`): a county
    unit's measure in the city's joint round counts for the county as its office sees it, and
    once for the city."""
    day = as_of or today()
    # Summed by (round, lead unit) from the rollups, then keyed by their jurisdictions: two
    # small reads of the rounds' and units' keys rather than a lookup per rollup row.
    cells = Cells(rounds, unit, scope).counts(day, by=("round_id", "lead_unit_id"))
    of_round = dict(InspectionRound.objects.values_list("id", "jurisdiction_id"))
    of_unit = dict(Unit.objects.values_list("id", "jurisdiction_id"))
    # Summed first by (round's jurisdiction, unit's jurisdiction): a few dozen pairs where
    # there are thousands of cells, each then counted for the scopes holding either.
    pairs: dict[tuple[int | None, int | None], list[int]] = {}
    for row in cells:
        pair = (of_round.get(row["round_id"]), of_unit.get(row["lead_unit_id"] or 0))
        sums = pairs.setdefault(pair, [0] * len(NUMBER_COLUMNS))
        for i, name in enumerate(NUMBER_COLUMNS):
            sums[i] += row[name]
    problems = _problem_numbers_by_jurisdiction(scopes, rounds, unit, scope, of_round, of_unit)
    result = {}
    for key, within in scopes.items():
        counts = [0] * len(NUMBER_COLUMNS)
        for (at, led), sums in pairs.items():
            if at in within or led in within:
                counts = [a + b for a, b in zip(counts, sums, strict=True)]
        numbers = dict(zip(NUMBER_COLUMNS, counts, strict=True))
        result[key] = _with_rates(numbers) | {"as_of": day} | problems[key]
    return result


def cell_trend(
    rounds: list[int] | None = None,
    unit: int | None = None,
    as_of: datetime.date | None = None,
    scope: frozenset[int] | None = None,
) -> list[dict]:
    """`measure_trend` of the measures of the given cells, from the rollups, in three queries:
    the months before `as_of`'s from MonthRollup (a row per cell and month), and that month
    up to `as_of` from the deadline and sign-off cells of its days."""
    day = as_of or today()
    start = day.replace(day=1)
    due: dict[datetime.date, int] = {}
    closed: dict[datetime.date, int] = {}
    months = (
        _in_cells(MonthRollup.objects.filter(month__lt=start), rounds, unit, scope)
        .values("month")
        .annotate(due_n=Sum("due"), closed_n=Sum("closed"))
        .values_list("month", "due_n", "closed_n")
    )
    for month, due_n, closed_n in months:
        due[month], closed[month] = due_n, closed_n
    due[start] = (
        measure_cells(rounds, unit, scope)
        .filter(is_long_term=False, deadline__gte=start, deadline__lte=day)
        .aggregate(n=Coalesce(Sum("n"), 0))["n"]
    )
    closures = ClosureRollup.objects.filter(closed_day__gte=start, closed_day__lte=day)
    closed[start] = _in_cells(closures, rounds, unit, scope).aggregate(n=Coalesce(Sum("n"), 0))["n"]
    return _burn_up(
        {m: n for m, n in due.items() if n}, {m: n for m, n in closed.items() if n}, day
    )


def problem_cells(
    rounds: list[int] | None = None,
    unit: int | None = None,
    scope: frozenset[int] | None = None,
) -> QuerySet[ProblemRollup]:
    """The rollup rows of the problems of `rounds`; with `unit`, those holding a measure the
    unit leads; within `scope`, the problems of its jurisdictions'
    rounds and those holding a measure their units lead."""
    rows = ProblemRollup.objects.all()
    if rounds is not None:
        rows = rows.filter(round_id__in=rounds)
    if unit is not None:
        led = ProblemUnitRollup.objects.filter(lead_unit_id=unit).order_by()
        rows = rows.filter(problem_id__in=led.values("problem_id"))
    if scope is not None:
        led = ProblemUnitRollup.objects.filter(lead_unit_id__in=_units_of(scope)).order_by()
        rows = rows.filter(
            Q(round_id__in=_rounds_of(scope)) | Q(problem_id__in=led.values("problem_id"))
        )
    return rows


_COMPLETED = Q(measures__gt=0, open_measures=0)


def cell_problem_numbers(cells: QuerySet[ProblemRollup]) -> dict:
    """`problem_numbers` of the problems the rollup rows `cells` count."""
    counts = cells.order_by().aggregate(
        problems=Count("problem_id"), problems_completed=Count("problem_id", filter=_COMPLETED)
    )
    counts["problems_in_progress"] = counts["problems"] - counts["problems_completed"]
    counts["problem_completion_rate"] = _rate(counts["problems_completed"], counts["problems"])
    return counts


def _problem_numbers_by_jurisdiction(
    scopes: dict[int, frozenset[int]],
    rounds: list[int] | None,
    unit: int | None,
    scope: frozenset[int] | None,
    of_round: dict[int, int],
    of_unit: dict[int, int],
) -> dict[int, dict]:
    """The problem numbers of `cell_numbers_by_jurisdiction`, given the rounds' and units'
    jurisdictions, in three queries: the problems summed by round; the (round, lead unit)
    cells, from which those whose unit is of another jurisdiction than the round are the
    joint rounds'; and, each once, the problems of those cells."""
    cells = problem_cells(rounds, unit, scope).order_by()
    by_round = list(
        cells.values("round_id").annotate(
            problems=Count("problem_id"), problems_completed=Count("problem_id", filter=_COMPLETED)
        )
    )
    # The joint rounds' cells, of any lead unit: a problem of `cells` counts for every
    # jurisdiction that leads one of its measures. One day rollup row per cell.
    crossing: dict[tuple[int, int | None], tuple[int | None, int]] = {}
    for round_id, unit_id in Cells(rounds).all_rows().values_list("round_id", "lead_unit_id"):
        at, led = of_round.get(round_id), of_unit.get(unit_id or 0)
        if led is not None and at != led:
            crossing[(round_id, unit_id)] = (at, led)
    joint = []
    if crossing:
        # The cells' rounds and units, then only the pairs that cross (a plain pair of IN
        # lists: a hundred ORed pairs cost more to compile than to run).
        led_rows = ProblemUnitRollup.objects.filter(
            round_id__in={round_id for round_id, _ in crossing},
            lead_unit_id__in={unit_id for _, unit_id in crossing},
        ).order_by()
        if unit is not None or scope is not None:
            led_rows = led_rows.filter(problem_id__in=cells.values("problem_id"))
        completed = ProblemRollup.objects.filter(_COMPLETED, problem_id=OuterRef("problem_id"))
        joint = [
            (problem, *crossing[(round_id, unit_id)], done)
            for problem, round_id, unit_id, done in led_rows.annotate(
                completed=Exists(completed)
            ).values_list("problem_id", "round_id", "lead_unit_id", "completed")
            if (round_id, unit_id) in crossing
        ]
    # The joint problems by the jurisdiction of the unit leading them, each once in each.
    led_by: dict[int, dict[int, tuple[int | None, bool]]] = defaultdict(dict)
    for problem, at, led, done in joint:
        led_by[led][problem] = (at, done)
    own_by: dict[int | None, list[int]] = defaultdict(lambda: [0, 0])
    for row in by_round:
        sums = own_by[of_round.get(row["round_id"])]
        sums[0] += row["problems"]
        sums[1] += row["problems_completed"]
    result = {}
    for key, within in scopes.items():
        own = [own_by[j] for j in within if j in own_by]
        others: dict[int, bool] = {}
        for j in within:
            for problem, (at, done) in led_by.get(j, {}).items():
                if at not in within:
                    others[problem] = done
        problems = sum(n for n, _ in own) + len(others)
        done = sum(d for _, d in own) + sum(others.values())
        result[key] = {
            "problems": problems,
            "problems_completed": done,
            "problems_in_progress": problems - done,
            "problem_completion_rate": _rate(done, problems),
        }
    return result


def cell_problem_numbers_by_category(cells: QuerySet[ProblemRollup]) -> list[dict]:
    """`problem_numbers_by_category` of the problems the rollup rows `cells` count."""
    rows = (
        cells.order_by()
        .values("category")
        .annotate(
            problems=Count("problem_id"),
            problems_completed=Count("problem_id", filter=_COMPLETED),
        )
        .order_by("category")
    )
    labels = dict(Problem.Category.choices)
    return [
        {
            **row,
            "label": str(labels.get(row["category"], row["category"])),
            "problem_completion_rate": _rate(row["problems_completed"], row["problems"]),
        }
        for row in rows
    ]


def lead_units(scope: frozenset[int] | None = None) -> QuerySet[Unit]:
    """The units that lead at least one measure (within the jurisdictions `scope`), by name:
    the dashboard's unit picker. Read from the day rollup: a cell's total is kept by its
    triggers whatever day it is counted on, and there is one row per cell, not per deadline."""
    led = Cells(scope=scope).all_rows().exclude(lead_unit_id=None)
    return (
        Unit.objects.filter(pk__in=led.values("lead_unit_id"))
        .only("pk", "name", "short_name")
        .order_by("name")
    )


# Typed as any rows: the type checker does not follow the `month` annotation out of them.
def _falling_due(measures: QuerySet[Measure], day: datetime.date) -> QuerySet[Any]:
    """The burn-up's due line: measures not long-term by the month of their deadline in force."""
    return measures.filter(is_long_term=False, deadline__isnull=False, deadline__lte=day).annotate(
        month=TruncMonth("deadline")
    )


def _signed_off(measures: QuerySet[Measure], day: datetime.date) -> QuerySet[Any]:
    """The burn-up's closed line: measures by the month of their sign-off, in Asia/Shanghai."""
    return (
        measures.filter(status=CLOSED, closed_at__isnull=False)
        .annotate(day=TruncDate("closed_at"))
        .filter(day__lte=day)
        # A date, as the deadline's month is, so that a month's measures are picked by it.
        .annotate(month=TruncMonth("closed_at", output_field=DateField()))
    )


def measures_due_in_month(
    measures: QuerySet[Measure], month: datetime.date, as_of: datetime.date | None = None
) -> QuerySet[Measure]:
    """The measures the burn-up counts as falling due in `month` (its first day)."""
    return _falling_due(measures, as_of or today()).filter(month=month)


def measures_closed_in_month(
    measures: QuerySet[Measure], month: datetime.date, as_of: datetime.date | None = None
) -> QuerySet[Measure]:
    """The measures the burn-up counts as signed off in `month` (its first day)."""
    return _signed_off(measures, as_of or today()).filter(month=month)


def measure_trend(measures: QuerySet[Measure], as_of: datetime.date | None = None) -> list[dict]:
    """Month by month up to `as_of`: measures falling due and measures signed off, each also
    cumulated (the burn-up of 挂图作战). Two grouped queries, whatever the number of rows.

    Due counts the deadline in force of measures that are not long-term; closed counts the
    sign-off date in Asia/Shanghai, as every other number does.
    """
    day = as_of or today()
    due = dict(
        _falling_due(measures.order_by(), day)
        .values("month")
        .annotate(n=Count("id"))
        .values_list("month", "n")
    )
    closed_rows = (
        _signed_off(measures.order_by(), day)
        .values("month")
        .annotate(n=Count("id"))
        .values_list("month", "n")
    )
    closed = {first_of_month(m): n for m, n in closed_rows}
    return _burn_up({first_of_month(m): n for m, n in due.items()}, closed, day)


def _burn_up(
    due: dict[datetime.date, int], closed: dict[datetime.date, int], day: datetime.date
) -> list[dict]:
    """Month by month from the first month with a count up to `day`'s, each cumulated."""
    months = sorted(set(due) | set(closed))
    if not months:
        return []
    result, cum_due, cum_closed = [], 0, 0
    month = months[0]
    last = first_of_month(day)
    while month <= last:
        cum_due += due.get(month, 0)
        cum_closed += closed.get(month, 0)
        result.append(
            {
                "month": month.strftime("%Y-%m"),
                "due": due.get(month, 0),
                "closed": closed.get(month, 0),
                "cumulative_due": cum_due,
                "cumulative_closed": cum_closed,
            }
        )
        month = (month + datetime.timedelta(days=32)).replace(day=1)
    return result


def first_of_month(value: datetime.date | datetime.datetime) -> datetime.date:
    """The month of a date, or of a time in the configured zone, as its first day."""
    if isinstance(value, datetime.datetime):
        value = timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return value.replace(day=1)


def _rate(numerator: int, denominator: int) -> float | None:
    if not denominator:
        return None
    return round(numerator / denominator, 4)


def problem_completion_filters(prefix: str = "") -> dict[str, Any]:
    """Annotations telling whether a problem has measures and whether any is still open.

    Each is an indexed probe (measure by problem and status) made only for the rows the
    query returns, so a page of problems costs the same however many measures exist.
    """
    return {
        "has_measures": Exists(Measure.objects.filter(problem=OuterRef(f"{prefix}pk"))),
        "has_open_measures": Exists(
            Measure.objects.filter(problem=OuterRef(f"{prefix}pk")).exclude(status=CLOSED)
        ),
    }


def measures_of_completed_problems(measures: QuerySet[Measure]) -> QuerySet[Measure]:
    """The measures of the problems that `problem_numbers` counts as completed: a measure's
    problem has measures, so completed means that none of them is still open."""
    still_open = Measure.objects.filter(problem=OuterRef("problem_id")).exclude(status=CLOSED)
    return measures.filter(~Exists(still_open))


def _per_problem_counts(problems: QuerySet) -> QuerySet:
    """Each problem with its number of measures and of open ones, in one grouped join."""
    return (
        problems.order_by()
        .annotate(
            # Counted on status (never null) so that the index on (problem, status) alone
            # answers, without reading the measures' rows.
            measures_n=Count("measures__status"),
            open_n=Count("measures__status", filter=~Q(measures__status=CLOSED)),
        )
        .annotate(completed=Case(When(measures_n__gt=0, open_n=0, then=1), default=0))
    )


def problem_numbers(problems: QuerySet) -> dict:
    """Problems, completed problems and the problem completion rate (整改完成率).

    A problem is completed when it has measures and every one of them is closed: counted
    over one grouped join of problems and measures, as the summary of a whole province
    needs it (a probe per problem would cost tens of thousands of index lookups).
    """
    counts = _per_problem_counts(problems).aggregate(
        problems=Count("id"), problems_completed=Coalesce(Sum("completed"), 0)
    )
    counts["problems_in_progress"] = counts["problems"] - counts["problems_completed"]
    counts["problem_completion_rate"] = _rate(counts["problems_completed"], counts["problems"])
    return counts


def _measure_count(problem: str = "pk", unit_id: int | None = None, **conditions: Any) -> Coalesce:
    if unit_id is not None:
        # The unit's rows of the problem: one index range by (unit, problem), each measure
        # once (a unit may both lead and cooperate on one).
        mine = liaison_memberships(Measure, unit_id).filter(
            problem=OuterRef(problem), **{f"measure__{k}": v for k, v in conditions.items()}
        )
        counted = mine.values("problem").annotate(n=Count("measure", distinct=True)).values("n")
        return Coalesce(Subquery(counted, output_field=IntegerField()), 0)
    rows = Measure.objects.filter(problem=OuterRef(problem), **conditions)
    counted = (
        rows.order_by()
        .values("problem")
        .annotate(n=Count("status"))  # status: the index on (problem, status) answers alone
        .values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def with_problem_status(
    problems: QuerySet[Problem], unit_id: int | None = None
) -> QuerySet[ProblemWithStatus]:
    """Each problem's derived status and measure counts, annotated in the same query.

    Correlated counts rather than a GROUP BY over the join: PostgreSQL then computes them
    only for the rows of the page, after the ordering and the LIMIT, from the index on
    (problem, status). With `unit_id` (a liaison's unit) the counts are of that unit's
    measures only, so that a liaison learns nothing about other units' work; the status
    stays the problem's own.
    """
    annotated = problems.annotate(
        **problem_completion_filters(),
        measures_total=_measure_count(unit_id=unit_id),
        measures_closed=_measure_count(unit_id=unit_id, status=CLOSED),
    ).annotate(
        derived_status=Case(
            When(
                has_measures=True,
                has_open_measures=False,
                then=Value(Problem.Status.COMPLETED.value),
            ),
            default=Value(Problem.Status.IN_PROGRESS.value),
            output_field=CharField(),
        )
    )
    # The plugin reads no names passed with `**`, so it drops the first annotate's fields.
    return cast("QuerySet[ProblemWithStatus]", annotated)


def owns_round(user: User, inspection_round: InspectionRound) -> bool:
    """Whether the round is of the user's jurisdictions, not a joint round of the level above
    in which they see only their units' measures."""
    return owns_jurisdiction(user, inspection_round.jurisdiction_id)


def _counting_unit(user: User) -> int | None:
    """The unit whose measures a user's problem counts cover: a liaison's own, else all."""
    return user.unit_id if not user.sees_jurisdiction and user.is_liaison else None


def problems_with_status_visible_to(user: User) -> QuerySet[ProblemWithStatus]:
    """The problems a user sees, with the status and counts their measures give them."""
    return with_problem_status(problems_visible_to(user), _counting_unit(user))


def round_stats(
    inspection_round: InspectionRound,
    user: User,
    as_of: datetime.date | None = None,
    *,
    problem_list: bool = True,
) -> dict:
    """The numbers of DESIGN.md section 6 for one round, plus each problem's status (unless
    not `problem_list`: the round's page shows its problems a page at a time instead)."""
    measures = measures_visible_to(user).filter(problem__round=inspection_round)
    visible_problems = problems_visible_to(user).filter(round=inspection_round)
    stats: dict = {"round": inspection_round.pk}
    whole = user.sees_jurisdiction and owns_round(user, inspection_round)
    if whole:  # every measure of the round: its cells' rollups
        stats.update(cell_numbers(Cells([inspection_round.pk]), as_of))
        stats.update(cell_problem_numbers(problem_cells([inspection_round.pk])))
    else:  # a liaison's, a group's, or a joint round's measures of the level below
        stats.update(measure_numbers(measures, as_of))
        stats.update(problem_numbers(visible_problems))
    if problem_list:
        problems = with_problem_status(visible_problems, _counting_unit(user)).order_by("seq")
        stats["problem_list"] = [
            {
                "id": p.pk,
                "seq": p.seq,
                "title": p.title,
                "aspect": p.aspect.title if p.aspect else None,
                "status": p.derived_status,
                "measures_total": p.measures_total,
                "measures_closed": p.measures_closed,
            }
            for p in problems
        ]
    if whole:
        day = as_of or today()
        stats["clues"] = _handling_counts(ProblemClue.objects.filter(round=inspection_round), day)
        stats["petitions"] = _handling_counts(Petition.objects.filter(round=inspection_round), day)
    return stats


def round_counts(
    round_ids: list[int], unit_id: int | None = None, led_in: frozenset[int] | None = None
) -> dict[int, dict]:
    """Problems, measures and signed-off measures of each of the given rounds, in one
    grouped query: over the problems' rollups for whole rounds; with `unit_id` (a liaison's
    unit) only that unit's measures, and the problems holding them, count, read from the
    unit's range of the membership table; with `led_in` (jurisdictions, for the joint rounds
    of the level above) only the measures their units lead."""
    if led_in is not None:
        joint = (
            Measure.objects.filter(
                problem__round_id__in=round_ids, lead_unit__jurisdiction_id__in=led_in
            )
            .order_by()
            .values(round_id=F("problem__round_id"))
            .annotate(
                problems_n=Count("problem", distinct=True),
                measures_n=Count("id"),
                closed_n=Count("id", filter=Q(status=CLOSED)),
            )
        )
        return {
            row["round_id"]: {
                "problems": row["problems_n"],
                "measures": row["measures_n"],
                "closed": row["closed_n"],
            }
            for row in joint
        }
    if unit_id is None:  # whole rounds: the problems' rollups
        whole = (
            problem_cells(round_ids)
            .order_by()
            .values("round_id")
            .annotate(
                problems_n=Count("problem_id"),
                measures_n=Coalesce(Sum("measures"), 0),
                open_n=Coalesce(Sum("open_measures"), 0),
            )
        )
        return {
            row["round_id"]: {
                "problems": row["problems_n"],
                "measures": row["measures_n"],
                "closed": row["measures_n"] - row["open_n"],
            }
            for row in whole
        }
    rows = (  # a liaison's unit: its range of the membership table
        liaison_memberships(Measure, unit_id)
        .filter(problem__round_id__in=round_ids)
        .values(round_id=F("problem__round_id"))
        .annotate(
            problems_n=Count("problem", distinct=True),
            measures_n=Count("measure", distinct=True),
            closed_n=Count("measure", distinct=True, filter=Q(measure__status=CLOSED)),
        )
    )
    return {
        row["round_id"]: {
            "problems": row["problems_n"],
            "measures": row["measures_n"],
            "closed": row["closed_n"],
        }
        for row in rows
    }


def _handling_counts(qs: QuerySet, day: datetime.date) -> dict:
    """Clues or petitions: how many, how many concluded, how many with their feedback late."""
    return qs.aggregate(
        total=Count("id"),
        concluded=Count("id", filter=Q(status="concluded")),
        late=Count("id", filter=late_filter(day)),
    )


def _of_visible_measures(rows: QuerySet[Any], user: User) -> QuerySet[Any]:
    """`rows` (evidence, extensions) of the measures `user` sees: all of them, without testing
    each against a million measures, when the user sees every measure there is."""
    if user.sees_jurisdiction and jurisdiction_scope(user) is None:
        return rows
    return rows.filter(measure_id__in=measures_visible_to(user).values("id"))


def evidence_visible_to(user: User) -> QuerySet[Evidence]:
    return _of_visible_measures(Evidence.objects.select_related("uploaded_by"), user)


def extensions_visible_to(user: User) -> QuerySet[Extension]:
    return _of_visible_measures(Extension.objects.select_related("requested_by"), user)


def with_latest_progress(measures: QuerySet[Measure]) -> QuerySet[MeasureWithProgress]:
    """Annotate each measure's latest progress text and evidence count in the same query."""
    latest = ProgressReport.objects.filter(measure=OuterRef("pk")).order_by("-created_at", "-id")
    evidence = (
        Evidence.objects.filter(measure=OuterRef("pk"))
        .order_by()
        .values("measure")
        .annotate(n=Count("id"))
        .values("n")
    )
    return measures.annotate(
        latest_progress=Subquery(latest.values("text")[:1]),
        evidence_count=Coalesce(Subquery(evidence, output_field=IntegerField()), 0),
    )


def problem_order(prefix: str = "") -> tuple[Any, str]:
    """Problems grouped by aspect, then by number: the order of the ledger and the report.

    `prefix` names the problem from another model, e.g. "problem__" from a measure.
    """
    return (F(f"{prefix}aspect__seq").asc(nulls_last=True), f"{prefix}seq")


def problem_numbers_by_category(problems: QuerySet[Problem]) -> list[dict]:
    """Problems and completed problems for each category, in one grouped query."""
    # Summed here from the grouped join's rows: a problem's completion is itself an
    # aggregate, and SQL cannot group an aggregate again without a nested query.
    grouped: dict[str, dict] = {}
    for category, completed in _per_problem_counts(problems).values_list("category", "completed"):
        entry = grouped.setdefault(
            category, {"category": category, "problems": 0, "problems_completed": 0}
        )
        entry["problems"] += 1
        entry["problems_completed"] += completed
    labels = dict(Problem.Category.choices)
    return [
        {
            **row,
            "label": str(labels.get(row["category"], row["category"])),
            "problem_completion_rate": _rate(row["problems_completed"], row["problems"]),
        }
        for _category, row in sorted(grouped.items())
    ]


def handling_numbers(
    user: User,
    rounds: QuerySet[InspectionRound] | None = None,
    as_of: datetime.date | None = None,
) -> dict:
    """Counts of problem clues and petitions, never their content; None for whom they are
    hidden (liaisons)."""
    if not user.sees_jurisdiction:
        return {"clues": None, "petitions": None}
    clues = in_jurisdiction_scope(ProblemClue.objects.all(), user, via=None, round_via="round__")
    petitions = in_jurisdiction_scope(Petition.objects.all(), user, via=None, round_via="round__")
    if rounds is not None:
        clues, petitions = clues.filter(round__in=rounds), petitions.filter(round__in=rounds)
    return {
        "clues": _handling_counts(clues, as_of or today()),
        "petitions": _handling_counts(petitions, as_of or today()),
    }


# --- Work queues: the liaison's tasks and the office's workbench ------------------------------


def colour_rank(day: datetime.date) -> Case:
    """0 red, 1 yellow, 2 green, 3 none: the order of urgency (Measure.warning_colour)."""
    return Case(
        When(colour_filter(Measure.Colour.RED, day), then=Value(0)),
        When(colour_filter(Measure.Colour.YELLOW, day), then=Value(1)),
        When(colour_filter(Measure.Colour.GREEN, day), then=Value(2)),
        default=Value(3),
        output_field=IntegerField(),
    )


# The tabs of 我的整改任务: what the unit still has to do, what waits for the office's sign-off,
# and what is signed off. Each measure is in exactly one of them.
TASK_TABS = {
    "todo": Q(status__in=[Measure.Status.NOT_STARTED, Measure.Status.IN_PROGRESS]),
    # Waiting at any step towards sign-off: the head's, the superior's, the office's.
    "submitted": Q(status__in=WAITING_FOR_SIGN_OFF),
    "closed": Q(status=CLOSED),
}


def liaison_task_counts(user: User, as_of: datetime.date | None = None) -> dict[str, int]:
    """How many of a liaison's measures each tab holds, and how many of them are overdue.

    A liaison's are counted from their unit's membership rows, which carry the measure's
    status, deadline and long-term flag: one range of an index that holds them all."""
    day = as_of or today()
    filters = {**TASK_TABS, "overdue": overdue_filter(day)}
    if (unit_id := _liaison_unit(user)) is not None:
        # A measure the unit both leads and cooperates on has two rows: each counted once
        # (COUNT(DISTINCT) per tab: 4 ms, where DISTINCT rows then counted took 8).
        rows = liaison_memberships(Measure, unit_id)
        counted = {name: Count("measure", distinct=True, filter=q) for name, q in filters.items()}
        return rows.aggregate(**counted)
    counts = {name: Count("id", filter=q) for name, q in filters.items()}
    return measures_visible_to(user).aggregate(**counts)


class TasksInOrder:
    """The keys of one page of a liaison's tasks (liaison_tasks), in their order, read from
    the unit's membership rows rather than from its ten thousand measures: the tab is a
    range of the index `measure_unit_tasks`, and the order of urgency is computed from the
    columns it holds. The order is liaison_tasks' own; DeferredJoinPaginator takes it as the
    list's `in_order` source (`paths` None: keys only, for an ordering by expressions)."""

    def __init__(self, unit_id: int, tab: str, day: datetime.date) -> None:
        rows = liaison_memberships(Measure, unit_id).filter(TASK_TABS[tab])
        if tab == "closed":
            self.paths: list[str] | None = ["closed_at", "id"]
            self.ascending = [False, True]
            self._rows = rows.values_list("closed_at", "measure").distinct()
            self._rows = self._rows.order_by("-closed_at", "measure")
        else:
            self.paths = None
            self._rows = (
                rows.annotate(urgency=colour_rank(day))
                .values_list("urgency", "deadline", "measure")
                .distinct()
                .order_by("urgency", F("deadline").asc(nulls_last=True), "measure")
            )

    @cached_property
    def count(self) -> int:
        return self._rows.count()

    def keys(self, bottom: int, top: int) -> list:
        """The rows `bottom` to `top`: their primary keys (`paths` None), or their `paths`."""
        found = list(self._rows[bottom:top])
        if self.paths is None:
            return [row[-1] for row in found]
        return found


def liaison_tasks(user: User, *, tab: str = "todo", as_of: datetime.date | None = None):
    """A liaison's measures of one tab (TASK_TABS), most urgent first: red, yellow, green,
    then by deadline, long-term last; the signed-off ones latest first. Each row knows
    whether the user's unit leads it (`is_lead`)."""
    day = as_of or today()
    qs = listed(measures_visible_to(user)).filter(TASK_TABS[tab])
    qs = with_latest_progress(qs).annotate(
        urgency=colour_rank(day),
        is_lead=Case(
            When(lead_unit_id=user.unit_id, then=Value(True)),
            default=Value(False),
            output_field=BooleanField(),
        ),
    )
    if tab == "closed":
        return qs.order_by("-closed_at", "id")
    return qs.order_by("urgency", F("deadline").asc(nulls_last=True), "id")


def liaison_tasks_in_order(
    user: User, *, tab: str = "todo", as_of: datetime.date | None = None
) -> TasksInOrder | None:
    """The faster source of liaison_tasks' pages for a liaison (None for anyone else)."""
    unit_id = _liaison_unit(user)
    return None if unit_id is None else TasksInOrder(unit_id, tab, as_of or today())


def review_queue(user: User) -> QuerySet[Measure]:
    """Submissions waiting for sign-off, the longest waiting first, with their evidence."""
    return (
        with_latest_progress(
            listed(measures_visible_to(user).filter(status=Measure.Status.SUBMITTED))
        )
        .prefetch_related(
            Prefetch("evidence", queryset=Evidence.objects.order_by("uploaded_at", "id"))
        )
        .order_by("submitted_at", "id")
    )


def chain_queue(user: User) -> QuerySet[Measure]:
    """What waits for `user`'s own step of the endorsement chain, the longest waiting first:
    the endorsement of the units they head, the review of the rounds that name them."""
    # Most people head no unit and are no round's superior: one look at the two keys then
    # spares them a pass over every measure they see (a liaison's ten thousand).
    steps: Any = (
        User.objects.filter(pk=user.pk)
        .values(
            heads=Exists(Unit.objects.filter(head=user.pk)),
            reviews=Exists(InspectionRound.objects.filter(endorsement_superior=user.pk)),
        )
        .first()
    ) or {}
    waiting = Q(pk__in=[])
    if steps.get("heads"):
        waiting |= Q(status=Measure.Status.ENDORSING, lead_unit__head=user)
    if steps.get("reviews"):
        waiting |= Q(status=Measure.Status.REVIEWING, problem__round__endorsement_superior=user)
    visible = measures_visible_to(user)
    if steps.get("heads") or steps.get("reviews"):
        # The few waiting measures first, by the (lead unit, status) index, then those of
        # them the user sees: PostgreSQL takes a scope's key array for ten keys, and would
        # test the user's twelve thousand measures one by one for the step's forty-five.
        candidates = Measure.objects.filter(waiting)
        if (unit_id := _liaison_unit(user)) is not None:
            # A liaison's: each candidate looked up among its unit's membership rows (by the
            # rows' measure index), and then read by its key alone, the scope's test done.
            rows = liaison_memberships(Measure, unit_id).filter(measure=OuterRef("pk"))
            candidates = candidates.filter(Exists(rows))
            visible = _measures_read_whole()
        waiting = Q(pk__in=list(candidates.values_list("pk", flat=True)))
    return with_latest_progress(listed(visible.filter(waiting), "submitted_by")).order_by(
        "waiting_since", "id"
    )


def pending_extensions(user: User) -> QuerySet[Extension]:
    return (
        extensions_visible_to(user)
        .filter(status=Extension.Status.PENDING)
        .select_related("measure", "measure__problem", "measure__lead_unit")
        .order_by("requested_at", "id")
    )


def overdue_measures(user: User, as_of: datetime.date | None = None) -> QuerySet[Measure]:
    day = as_of or today()
    return listed(measures_visible_to(user)).filter(overdue_filter(day)).order_by("deadline", "id")


def due_soon_measures(user: User, as_of: datetime.date | None = None) -> QuerySet[Measure]:
    day = as_of or today()
    return listed(measures_visible_to(user)).filter(due_soon_filter(day)).order_by("deadline", "id")


# Open measures that have no lead unit, or no deadline and are not long-term: over measures
# and over their rollups alike.
UNASSIGNED = (Q(lead_unit_id__isnull=True) | Q(deadline__isnull=True, is_long_term=False)) & ~Q(
    status=CLOSED
)
WORKBENCH_COUNTS = ("endorsing", "reviewing", "submitted", "overdue", "due_soon")


def unassigned_measures(user: User) -> QuerySet[Measure]:
    """Open measures that have no lead unit, or no deadline and are not long-term."""
    return (
        listed(measures_visible_to(user))
        .filter(UNASSIGNED)
        .order_by("problem__round_id", "problem__seq", "seq")
    )


def workbench_counts(user: User, as_of: datetime.date | None = None) -> dict[str, int]:
    """The workbench's counters of measures: waiting at each step, overdue, due soon and
    unassigned. Read from the rollups for those who see every measure."""
    day = as_of or today()
    names = (*WORKBENCH_COUNTS, "unassigned")
    if user.sees_jurisdiction:
        return Cells(scope=jurisdiction_scope(user)).counts(day, names=names)[0]
    return _numbers_base(measures_visible_to(user)).aggregate(
        **measure_count_expressions(day, names)
    )


def measure_timeline(
    measure: Measure,
    viewer: User,
    *,
    evidence: list[Evidence] | None = None,
    extensions: list[Extension] | None = None,
) -> list[dict]:
    """The measure's whole record as one timeline, oldest first: status changes and field
    edits, progress reports, evidence uploads and extension requests (with their decision).
    Four queries, whatever the length of the record; two when the page that shows it has
    already read the measure's `evidence` and `extensions` (in their model order)."""
    if evidence is None:
        evidence = list(measure.evidence.select_related("uploaded_by"))
    if extensions is None:
        extensions = list(measure.extensions.select_related("requested_by", "decided_by"))
    entries: list[dict] = []
    for change in measure_history(measure, viewer):
        entries.append(
            {
                "at": change.at,
                "kind": change.action,
                "actor": change.actor,
                "title": change.get_action_display(),
                "field": _field_label(change.field) if change.field else "",
                "old": _value_label(change.old_value),
                "new": _value_label(change.new_value),
                "comment": change.comment,
            }
        )
    for report in measure.progress.select_related("author").order_by("created_at", "id"):
        entries.append(
            {
                "at": report.created_at,
                "kind": "progress",
                "actor": report.author,
                "title": ProgressReport._meta.verbose_name,
                "progress": report,
            }
        )
    for upload in evidence:
        entries.append(
            {
                "at": upload.uploaded_at,
                "kind": "evidence",
                "actor": upload.uploaded_by,
                "title": Evidence._meta.verbose_name,
                "evidence": upload,
            }
        )
    for extension in extensions:
        entries.append(
            {
                "at": extension.requested_at,
                "kind": "extension",
                "actor": extension.requested_by,
                "title": Extension._meta.verbose_name,
                "extension": extension,
            }
        )
    entries.sort(key=lambda e: e["at"])
    return entries


def _field_label(field: str) -> str:
    try:
        return str(getattr(Measure._meta.get_field(field), "verbose_name", field))
    except FieldDoesNotExist:  # a field since removed from the model: its code name
        return field


def _value_label(value: str) -> str:
    return {"true": gettext("yes"), "false": gettext("no")}.get(value, value)
