"""The rollups of DESIGN.md section 6: the database triggers that keep them, and their rebuild
and check against the live rows.

Triggers rather than calls from the services: a queryset's .update(), a bulk action, the
admin, an import, a COPY and a hand-typed SQL statement all change measures, and only the
database sees every one of them. The trigger runs in the writing statement's transaction, so
a rolled-back write leaves the rollups as they were. PostgreSQL and SQLite run the same
statements; only the wrapping (a PL/pgSQL function or a trigger body) and the local date
differ.
"""

from __future__ import annotations

import datetime
from collections import Counter
from typing import Any

from django.conf import settings
from django.db import connection as default_connection
from django.db import transaction
from django.db.models import (
    BooleanField,
    Case,
    Count,
    DateField,
    Exists,
    F,
    OuterRef,
    Q,
    Value,
    When,
)
from django.db.models.functions import TruncDate, TruncMonth

from .models import DUE_SOON_DAYS, today
from .selectors import (
    NUMBER_COLUMNS,
    cell_count_expressions,
    first_of_month,
    measure_count_expressions,
)

MEASURE = "rectification_measure"
EXTENSION = "rectification_extension"
PROBLEM = "findings_problem"
M_ROLLUP = "rectification_measurerollup"
C_ROLLUP = "rectification_closurerollup"
P_ROLLUP = "rectification_problemrollup"
D_ROLLUP = "rectification_measuredayrollup"
MO_ROLLUP = "rectification_monthrollup"
DAY = "rectification_rollupday"

M_KEY = (
    "round_id, COALESCE(lead_unit_id, 0), status, is_long_term,"
    " COALESCE(deadline, '0001-01-01'), on_time, extended"
)
C_KEY = "round_id, COALESCE(lead_unit_id, 0), closed_day"
M_COLUMNS = "round_id, lead_unit_id, status, is_long_term, deadline, on_time, extended, n"
C_COLUMNS = "round_id, lead_unit_id, closed_day, n"
# What a measure's cell depends on; an update that changes none of these leaves it alone.
WATCHED = ("problem_id", "lead_unit_id", "status", "is_long_term", "deadline", "submitted_at")
WATCHED_CLOSURE = ("closed_at",)

TRIGGERS = {
    # name: (table, event, condition on OLD and NEW or None)
    "rollup_measure_insert": (MEASURE, "INSERT", None),
    "rollup_measure_delete": (MEASURE, "DELETE", None),
    "rollup_measure_update": (MEASURE, "UPDATE", WATCHED + WATCHED_CLOSURE),
    "rollup_problem_insert": (PROBLEM, "INSERT", None),
    "rollup_problem_update": (PROBLEM, "UPDATE", ("round_id", "category")),
    "rollup_problem_delete": (PROBLEM, "DELETE", None),
    "rollup_extension_insert": (EXTENSION, "INSERT", None),
    "rollup_extension_update": (EXTENSION, "UPDATE", ("measure_id", "status")),
    "rollup_extension_delete": (EXTENSION, "DELETE", None),
}


def _utc_offset_hours() -> int:
    """The zone's offset from UTC. Asia/Shanghai has kept +8 without summer time since 1991,
    which is what lets SQLite's date() give the local date."""
    from zoneinfo import ZoneInfo

    offset = datetime.datetime(2026, 1, 1, tzinfo=ZoneInfo(settings.TIME_ZONE)).utcoffset()
    assert offset is not None
    return int(offset.total_seconds() // 3600)


class _Dialect:
    def __init__(self, vendor: str) -> None:
        self.vendor = vendor

    def local_date(self, expr: str) -> str:
        if self.vendor == "postgresql":
            return f"(({expr}) AT TIME ZONE '{settings.TIME_ZONE}')::date"
        return f"date({expr}, '{_utc_offset_hours():+d} hours')"

    def distinct(self, a: str, b: str) -> str:
        return f"{a} IS DISTINCT FROM {b}" if self.vendor == "postgresql" else f"{a} IS NOT {b}"

    def upsert(self, table: str, key: str) -> str:
        return f"ON CONFLICT ({key}) DO UPDATE SET n = {table}.n + excluded.n"

    def plus_days(self, day: str, days: int) -> str:
        if self.vendor == "postgresql":
            return f"({day} + {days})"
        return f"date({day}, '+{days} days')"

    def rollup_day(self) -> str:
        """The day rollup's day as a row source `rd`: on PostgreSQL read FOR SHARE, so that a
        write waits for a recount of the day (advance_day) to commit and then reads the new
        day. SQLite has one writer at a time."""
        lock = " FOR SHARE" if self.vendor == "postgresql" else ""
        return f"(SELECT day FROM {DAY} WHERE id = 1{lock}) rd"

    def month_of(self, day: str) -> str:
        if self.vendor == "postgresql":
            return f"date_trunc('month', {day})::date"
        return f"date({day}, 'start of month')"

    def on_time(self, row: str) -> str:
        submitted = self.local_date(f"{row}.submitted_at")
        return f"COALESCE({submitted} <= {row}.deadline, FALSE)"


def _extended(measure: str, other_than: str | None = None) -> str:
    other = f" AND e.id <> {other_than}" if other_than else ""
    return (
        f"EXISTS (SELECT 1 FROM {EXTENSION} e WHERE e.measure_id = {measure}"
        f" AND e.status = 'approved'{other})"
    )


def _measure_add(d: _Dialect, row: str, sign: int) -> list[str]:
    """Count the measure `row` (NEW or OLD) into its cells, or out of them (sign -1)."""
    return [
        f"INSERT INTO {M_ROLLUP} ({M_COLUMNS}) SELECT p.round_id, {row}.lead_unit_id,"
        f" {row}.status, {row}.is_long_term, {row}.deadline, {d.on_time(row)},"
        f" {_extended(f'{row}.id')}, {sign} FROM {PROBLEM} p WHERE p.id = {row}.problem_id"
        f" {d.upsert(M_ROLLUP, M_KEY)}",
        f"INSERT INTO {C_ROLLUP} ({C_COLUMNS}) SELECT p.round_id, {row}.lead_unit_id,"
        f" {d.local_date(f'{row}.closed_at')}, {sign} FROM {PROBLEM} p"
        f" WHERE p.id = {row}.problem_id AND {row}.status = 'closed'"
        f" AND {row}.closed_at IS NOT NULL {d.upsert(C_ROLLUP, C_KEY)}",
        f"UPDATE {P_ROLLUP} SET measures = measures + ({sign}), open_measures = open_measures"
        f" + (CASE WHEN {row}.status <> 'closed' THEN {sign} ELSE 0 END)"
        f" WHERE problem_id = {row}.problem_id",
    ]


def _problem_move(d: _Dialect, round_expr: str, sign: int) -> list[str]:
    """Count a problem's measures into (or out of) the cells of round `round_expr`."""
    moved = "OLD.round_id <> NEW.round_id AND m.problem_id = NEW.id"
    return [
        f"INSERT INTO {M_ROLLUP} ({M_COLUMNS}) SELECT {round_expr}, m.lead_unit_id, m.status,"
        f" m.is_long_term, m.deadline, {d.on_time('m')}, {_extended('m.id')},"
        f" {sign} * COUNT(*) FROM {MEASURE} m WHERE {moved} GROUP BY m.lead_unit_id,"
        f" m.status, m.is_long_term, m.deadline, {d.on_time('m')}, {_extended('m.id')}"
        f" {d.upsert(M_ROLLUP, M_KEY)}",
        f"INSERT INTO {C_ROLLUP} ({C_COLUMNS}) SELECT {round_expr}, m.lead_unit_id,"
        f" {d.local_date('m.closed_at')}, {sign} * COUNT(*) FROM {MEASURE} m WHERE {moved}"
        f" AND m.status = 'closed' AND m.closed_at IS NOT NULL GROUP BY m.lead_unit_id,"
        f" {d.local_date('m.closed_at')} {d.upsert(C_ROLLUP, C_KEY)}",
    ]


def _extension_move(
    d: _Dialect, measure: str, was: str, now: str, only_if: str = "TRUE"
) -> list[str]:
    """Move the measure's cell from extended=`was` to extended=`now` when they differ."""
    statements = []
    for flag, sign in ((was, -1), (now, 1)):
        statements.append(
            f"INSERT INTO {M_ROLLUP} ({M_COLUMNS}) SELECT p.round_id, m.lead_unit_id, m.status,"
            f" m.is_long_term, m.deadline, {d.on_time('m')}, ({flag}), {sign}"
            f" FROM {MEASURE} m JOIN {PROBLEM} p ON p.id = m.problem_id"
            f" WHERE m.id = {measure} AND ({only_if}) AND ({was}) <> ({now})"
            f" {d.upsert(M_ROLLUP, M_KEY)}"
        )
    return statements


def _statements(d: _Dialect, name: str) -> list[str]:
    if name == "rollup_measure_insert":
        return _measure_add(d, "NEW", 1)
    if name == "rollup_measure_delete":
        return _measure_add(d, "OLD", -1)
    if name == "rollup_measure_update":
        return _measure_add(d, "OLD", -1) + _measure_add(d, "NEW", 1)
    if name == "rollup_problem_insert":
        return [
            f"INSERT INTO {P_ROLLUP} (problem_id, round_id, category, measures, open_measures)"
            " VALUES (NEW.id, NEW.round_id, NEW.category, 0, 0)"
        ]
    if name == "rollup_problem_update":
        return [
            f"UPDATE {P_ROLLUP} SET round_id = NEW.round_id, category = NEW.category"
            " WHERE problem_id = NEW.id",
            *_problem_move(d, "OLD.round_id", -1),
            *_problem_move(d, "NEW.round_id", 1),
        ]
    if name == "rollup_problem_delete":
        return [f"DELETE FROM {P_ROLLUP} WHERE problem_id = OLD.id"]
    return _extension_changes(d, name, _extension_move)


def _extension_changes(d: _Dialect, name: str, move: Any) -> list[str]:
    """The statements of an extension trigger (`name` ends with its event): `move` shifts the
    measure's `extended` flag from one condition to another, in one rollup or the other."""
    approved_old = "OLD.status = 'approved'"
    approved_new = "NEW.status = 'approved'"
    if name.endswith("_extension_insert"):
        others = _extended("NEW.measure_id", "NEW.id")
        return move(d, "NEW.measure_id", others, f"{others} OR {approved_new}")
    if name.endswith("_extension_delete"):
        others = _extended("OLD.measure_id", "OLD.id")
        return move(d, "OLD.measure_id", f"{others} OR {approved_old}", others)
    if name.endswith("_extension_update"):
        statements = []
        # The old measure, then the new one if the request was moved to another measure.
        for measure, only_if in (
            ("OLD.measure_id", "TRUE"),
            ("NEW.measure_id", "NEW.measure_id <> OLD.measure_id"),
        ):
            others = _extended(measure, "NEW.id")
            was = f"{others} OR (OLD.measure_id = {measure} AND {approved_old})"
            now = f"{others} OR (NEW.measure_id = {measure} AND {approved_new})"
            statements += move(d, measure, was, now, only_if)
        return statements
    raise KeyError(name)


def _condition(d: _Dialect, columns: tuple[str, ...] | None) -> str:
    if not columns:
        return ""
    return " OR ".join(d.distinct(f"OLD.{c}", f"NEW.{c}") for c in columns)


def _create_triggers(d: _Dialect, triggers: dict, statements: Any) -> list[str]:
    sql = []
    for name, (table, event, columns) in triggers.items():
        body = statements(d, name)
        condition = _condition(d, columns)
        when = f" WHEN ({condition})" if condition else ""
        if d.vendor == "postgresql":
            ret = "OLD" if event == "DELETE" else "NEW"
            sql.append(
                f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$"
                f" BEGIN {'; '.join(body)}; RETURN {ret}; END $$"
            )
            sql.append(
                f"CREATE TRIGGER {name} AFTER {event} ON {table} FOR EACH ROW{when}"
                f" EXECUTE FUNCTION {name}()"
            )
        else:
            sql.append(
                f"CREATE TRIGGER {name} AFTER {event} ON {table} FOR EACH ROW{when}"
                f" BEGIN {'; '.join(body)}; END"
            )
    return sql


def _drop_triggers(vendor: str, triggers: dict) -> list[str]:
    sql = []
    for name, (table, _event, _columns) in triggers.items():
        if vendor == "postgresql":
            sql.append(f"DROP TRIGGER IF EXISTS {name} ON {table}")
            sql.append(f"DROP FUNCTION IF EXISTS {name}()")
        else:
            sql.append(f"DROP TRIGGER IF EXISTS {name}")
    return sql


def trigger_sql(vendor: str) -> list[str]:
    """The statements that create the rollups' unique keys and triggers on `vendor`."""
    return [
        f"CREATE UNIQUE INDEX measurerollup_key ON {M_ROLLUP} ({M_KEY})",
        f"CREATE UNIQUE INDEX closurerollup_key ON {C_ROLLUP} ({C_KEY})",
        *_create_triggers(_Dialect(vendor), TRIGGERS, _statements),
    ]


def drop_sql(vendor: str) -> list[str]:
    return [
        *_drop_triggers(vendor, TRIGGERS),
        "DROP INDEX IF EXISTS measurerollup_key",
        "DROP INDEX IF EXISTS closurerollup_key",
    ]


# --- The day rollup: every number of a (round, lead unit) as of one day ------------------------

# The columns of MeasureDayRollup: the counted numbers of section 6, and the workbench's.
DAY_COUNTS = (*NUMBER_COLUMNS, "unassigned")
D_KEY = "round_id, COALESCE(lead_unit_id, 0)"
D_COLUMNS = "round_id, lead_unit_id, " + ", ".join(DAY_COUNTS)


def _day_conditions(d: _Dialect, row: str, extended: str) -> dict[str, str]:
    """Which counts of the day the measure `row` falls in, as SQL over `rd.day`: the filters
    of rectification.selectors._number_filters and UNASSIGNED said over one row. The check
    (`expected_days`) counts with those filters themselves, so the two cannot drift apart."""
    day, soon = "rd.day", d.plus_days("rd.day", DUE_SOON_DAYS)
    is_open = f"{row}.status <> 'closed'"
    due = f"{row}.deadline <= {day} AND NOT {row}.is_long_term"
    conditions = {"total": "1 = 1", "closed": f"{row}.status = 'closed'"}
    for status in ("endorsing", "reviewing", "submitted", "in_progress", "not_started"):
        conditions[status] = f"{row}.status = '{status}'"
    conditions.update(
        {
            "long_term": f"{row}.is_long_term AND {is_open}",
            "overdue": f"{row}.deadline < {day} AND NOT {row}.is_long_term AND {is_open}",
            "due_soon": f"{row}.deadline >= {day} AND {row}.deadline <= {soon} AND {is_open}",
            "due_by_today": due,
            "closed_on_time": f"{due} AND {row}.status = 'closed' AND {d.on_time(row)}",
            "extended": extended,
            "unassigned": f"({row}.lead_unit_id IS NULL OR ({row}.deadline IS NULL"
            f" AND NOT {row}.is_long_term)) AND {is_open}",
        }
    )
    return conditions


def _day_upsert(d: _Dialect, select: str) -> str:
    updates = ", ".join(f"{c} = {D_ROLLUP}.{c} + excluded.{c}" for c in DAY_COUNTS)
    return (
        f"INSERT INTO {D_ROLLUP} ({D_COLUMNS}) {select}"
        f" ON CONFLICT ({D_KEY}) DO UPDATE SET {updates}"
    )


def _day_add(d: _Dialect, row: str, sign: int) -> list[str]:
    """Count the measure `row` (NEW or OLD) into its (round, lead unit) of the day, or out."""
    conditions = _day_conditions(d, row, _extended(f"{row}.id"))
    values = ", ".join(f"CASE WHEN {conditions[c]} THEN {sign} ELSE 0 END" for c in DAY_COUNTS)
    return [
        _day_upsert(
            d,
            f"SELECT p.round_id, {row}.lead_unit_id, {values} FROM {PROBLEM} p,"
            f" {d.rollup_day()} WHERE p.id = {row}.problem_id",
        )
    ]


def _day_problem_move(d: _Dialect, round_expr: str, sign: int) -> list[str]:
    conditions = _day_conditions(d, "m", _extended("m.id"))
    values = ", ".join(
        f"{sign} * SUM(CASE WHEN {conditions[c]} THEN 1 ELSE 0 END)" for c in DAY_COUNTS
    )
    return [
        _day_upsert(
            d,
            f"SELECT {round_expr}, m.lead_unit_id, {values} FROM {MEASURE} m,"
            f" {d.rollup_day()} WHERE OLD.round_id <> NEW.round_id AND m.problem_id = NEW.id"
            " GROUP BY m.lead_unit_id",
        )
    ]


def _day_extension_move(
    d: _Dialect, measure: str, was: str, now: str, only_if: str = "TRUE"
) -> list[str]:
    values = ", ".join(
        f"(CASE WHEN {now} THEN 1 ELSE 0 END) - (CASE WHEN {was} THEN 1 ELSE 0 END)"
        if c == "extended"
        else "0"
        for c in DAY_COUNTS
    )
    return [
        _day_upsert(
            d,
            f"SELECT p.round_id, m.lead_unit_id, {values} FROM {MEASURE} m"
            f" JOIN {PROBLEM} p ON p.id = m.problem_id, {d.rollup_day()}"
            f" WHERE m.id = {measure} AND ({only_if}) AND ({was}) <> ({now})",
        )
    ]


DAY_TRIGGERS = {
    "dayrollup_measure_insert": (MEASURE, "INSERT", None),
    "dayrollup_measure_delete": (MEASURE, "DELETE", None),
    "dayrollup_measure_update": (MEASURE, "UPDATE", WATCHED),
    "dayrollup_problem_update": (PROBLEM, "UPDATE", ("round_id",)),
    "dayrollup_extension_insert": (EXTENSION, "INSERT", None),
    "dayrollup_extension_update": (EXTENSION, "UPDATE", ("measure_id", "status")),
    "dayrollup_extension_delete": (EXTENSION, "DELETE", None),
}


def _day_statements(d: _Dialect, name: str) -> list[str]:
    if name == "dayrollup_measure_insert":
        return _day_add(d, "NEW", 1)
    if name == "dayrollup_measure_delete":
        return _day_add(d, "OLD", -1)
    if name == "dayrollup_measure_update":
        return _day_add(d, "OLD", -1) + _day_add(d, "NEW", 1)
    if name == "dayrollup_problem_update":
        return _day_problem_move(d, "OLD.round_id", -1) + _day_problem_move(d, "NEW.round_id", 1)
    return _extension_changes(d, name, _day_extension_move)


def day_trigger_sql(vendor: str) -> list[str]:
    """The day rollup's unique key and triggers on `vendor`."""
    return [
        f"CREATE UNIQUE INDEX measuredayrollup_key ON {D_ROLLUP} ({D_KEY})",
        *_create_triggers(_Dialect(vendor), DAY_TRIGGERS, _day_statements),
    ]


def day_drop_sql(vendor: str) -> list[str]:
    return [*_drop_triggers(vendor, DAY_TRIGGERS), "DROP INDEX IF EXISTS measuredayrollup_key"]


# --- The problems' lead units: which units lead measures of which problem ------------------

U_ROLLUP = "rectification_problemunitrollup"
U_KEY = "problem_id, lead_unit_id"


def _unit_add(row: str) -> list[str]:
    """Count the measure `row` (NEW) into its (problem, lead unit)."""
    return [
        f"INSERT INTO {U_ROLLUP} (problem_id, round_id, lead_unit_id, n) SELECT p.id,"
        f" p.round_id, {row}.lead_unit_id, 1 FROM {PROBLEM} p WHERE p.id = {row}.problem_id"
        f" AND {row}.lead_unit_id IS NOT NULL"
        f" ON CONFLICT ({U_KEY}) DO UPDATE SET n = {U_ROLLUP}.n + excluded.n"
    ]


def _unit_remove(row: str) -> list[str]:
    """Count the measure `row` (OLD) out of its (problem, lead unit); a pair left with no
    measure is deleted, so that every row stands for a unit that leads the problem."""
    pair = f"problem_id = {row}.problem_id AND lead_unit_id = {row}.lead_unit_id"
    return [
        f"UPDATE {U_ROLLUP} SET n = n - 1 WHERE {pair}",
        f"DELETE FROM {U_ROLLUP} WHERE {pair} AND n <= 0",
    ]


UNIT_TRIGGERS = {
    "unitrollup_measure_insert": (MEASURE, "INSERT", None),
    "unitrollup_measure_delete": (MEASURE, "DELETE", None),
    "unitrollup_measure_update": (MEASURE, "UPDATE", ("problem_id", "lead_unit_id")),
    "unitrollup_problem_update": (PROBLEM, "UPDATE", ("round_id",)),
    "unitrollup_problem_delete": (PROBLEM, "DELETE", None),
}


def _unit_statements(d: _Dialect, name: str) -> list[str]:
    if name == "unitrollup_measure_insert":
        return _unit_add("NEW")
    if name == "unitrollup_measure_delete":
        return _unit_remove("OLD")
    if name == "unitrollup_measure_update":
        return _unit_remove("OLD") + _unit_add("NEW")
    if name == "unitrollup_problem_update":
        return [f"UPDATE {U_ROLLUP} SET round_id = NEW.round_id WHERE problem_id = NEW.id"]
    if name == "unitrollup_problem_delete":
        return [f"DELETE FROM {U_ROLLUP} WHERE problem_id = OLD.id"]
    raise KeyError(name)


def unit_trigger_sql(vendor: str) -> list[str]:
    """The problems' lead units' triggers on `vendor` (the unique key is the model's)."""
    return _create_triggers(_Dialect(vendor), UNIT_TRIGGERS, _unit_statements)


def unit_drop_sql(vendor: str) -> list[str]:
    return _drop_triggers(vendor, UNIT_TRIGGERS)


# --- The months: the burn-up's due and signed-off measures of a cell, summed by month ---------

MO_KEY = "round_id, COALESCE(lead_unit_id, 0), month"


def _month_add(d: _Dialect, row: str, sign: int, column: str, day: str, condition: str) -> str:
    """Count the rollup row `row` (NEW or OLD) of MeasureRollup or ClosureRollup into its
    month's `column`, or out of it (sign -1)."""
    due, closed = (f"{sign} * {row}.n", "0") if column == "due" else ("0", f"{sign} * {row}.n")
    return (
        f"INSERT INTO {MO_ROLLUP} (round_id, lead_unit_id, month, due, closed)"
        f" SELECT {row}.round_id, {row}.lead_unit_id, {d.month_of(f'{row}.{day}')}, {due},"
        f" {closed} WHERE {row}.n <> 0 AND {condition.format(row=row)}"
        f" ON CONFLICT ({MO_KEY}) DO UPDATE SET due = {MO_ROLLUP}.due + excluded.due,"
        f" closed = {MO_ROLLUP}.closed + excluded.closed"
    )


# name: (table, event, watched columns), and what the row counts into: (column, day, condition)
MONTH_TRIGGERS = {
    "monthrollup_due_insert": (M_ROLLUP, "INSERT", None),
    "monthrollup_due_update": (
        M_ROLLUP,
        "UPDATE",
        ("n", "round_id", "lead_unit_id", "deadline", "is_long_term"),
    ),
    "monthrollup_due_delete": (M_ROLLUP, "DELETE", None),
    "monthrollup_closed_insert": (C_ROLLUP, "INSERT", None),
    "monthrollup_closed_update": (
        C_ROLLUP,
        "UPDATE",
        ("n", "round_id", "lead_unit_id", "closed_day"),
    ),
    "monthrollup_closed_delete": (C_ROLLUP, "DELETE", None),
}
_MONTH_COUNTS = {
    "due": ("due", "deadline", "NOT {row}.is_long_term AND {row}.deadline IS NOT NULL"),
    "closed": ("closed", "closed_day", "{row}.closed_day IS NOT NULL"),
}


def _month_statements(d: _Dialect, name: str) -> list[str]:
    _, kind, event = name.split("_")
    column, day, condition = _MONTH_COUNTS[kind]
    rows = {"insert": [("NEW", 1)], "delete": [("OLD", -1)], "update": [("OLD", -1), ("NEW", 1)]}
    return [_month_add(d, row, sign, column, day, condition) for row, sign in rows[event]]


def month_trigger_sql(vendor: str) -> list[str]:
    """The months' unique key and triggers on `vendor`."""
    return [
        f"CREATE UNIQUE INDEX monthrollup_key ON {MO_ROLLUP} ({MO_KEY})",
        *_create_triggers(_Dialect(vendor), MONTH_TRIGGERS, _month_statements),
    ]


def month_drop_sql(vendor: str) -> list[str]:
    return [*_drop_triggers(vendor, MONTH_TRIGGERS), "DROP INDEX IF EXISTS monthrollup_key"]


# --- What the rollups should hold, from the live rows --------------------------------------

MEASURE_KEY = (
    "round_id",
    "lead_unit_id",
    "status",
    "is_long_term",
    "deadline",
    "on_time",
    "extended",
)


def expected(models: dict[str, Any]) -> dict[str, Counter]:
    """Every rollup's cells as the live rows give them, each a Counter of key -> count.

    `models` names the classes (Measure, Problem, Extension and the rollups), so that a
    migration passes its historical ones. Counted by the ORM, in the configured time zone,
    independently of the triggers' SQL: the check compares two ways of counting.
    """
    measure, problem, extension = models["Measure"], models["Problem"], models["Extension"]
    approved = extension.objects.filter(measure=OuterRef("pk"), status="approved")
    rows = (
        measure.objects.order_by()
        .annotate(
            round_id=F("problem__round_id"),
            submitted_day=TruncDate("submitted_at"),
            extended=Exists(approved),
        )
        .annotate(
            on_time=Case(
                When(Q(submitted_day__lte=F("deadline")), then=Value(True)),
                default=Value(False),
                output_field=BooleanField(),
            )
        )
        .values(*MEASURE_KEY)
        .annotate(count=Count("id"))
    )
    measures: Counter = Counter()
    for row in rows:
        count = row.pop("count")
        measures[tuple(row[k] for k in MEASURE_KEY)] += count
    closures: Counter = Counter()
    closed = (
        measure.objects.order_by()
        .filter(status="closed", closed_at__isnull=False)
        .annotate(round_id=F("problem__round_id"), closed_day=TruncDate("closed_at"))
        .values_list("round_id", "lead_unit_id", "closed_day")
        .annotate(count=Count("id"))
    )
    for round_id, unit_id, day, count in closed:
        closures[(round_id, unit_id, day)] += count
    problems: Counter = Counter()
    per_problem = (
        problem.objects.order_by()
        .annotate(
            measures_n=Count("measures__status"),
            open_n=Count("measures__status", filter=~Q(measures__status="closed")),
        )
        .values_list("pk", "round_id", "category", "measures_n", "open_n")
    )
    for pk, round_id, category, measures_n, open_n in per_problem:
        problems[(pk, round_id, category, measures_n, open_n)] = 1
    return {"measures": measures, "closures": closures, "problems": problems}


def stored(models: dict[str, Any]) -> dict[str, Counter]:
    """The rollups' cells as stored, zero cells left out."""
    measures: Counter = Counter()
    for row in models["MeasureRollup"].objects.exclude(n=0).values(*MEASURE_KEY, "n"):
        measures[tuple(row[k] for k in MEASURE_KEY)] += row["n"]
    closures: Counter = Counter()
    for round_id, unit_id, day, n in (
        models["ClosureRollup"]
        .objects.exclude(n=0)
        .values_list("round_id", "lead_unit_id", "closed_day", "n")
    ):
        closures[(round_id, unit_id, day)] += n
    problems: Counter = Counter()
    for row in models["ProblemRollup"].objects.values_list(
        "problem_id", "round_id", "category", "measures", "open_measures"
    ):
        problems[row] += 1
    return {"measures": measures, "closures": closures, "problems": problems}


def differences(models: dict[str, Any] | None = None) -> list[str]:
    """Each cell where the stored rollups and the live rows disagree, named; empty when exact."""
    models = models or current_models()
    want, have = expected(models), stored(models)
    if "MeasureDayRollup" in models:
        want["days"], have["days"] = expected_days(models), stored_days(models)
    if "ProblemUnitRollup" in models:
        want["problem_units"] = expected_problem_units(models)
        have["problem_units"] = stored_problem_units(models)
    if "MonthRollup" in models:
        want["months"], have["months"] = expected_months(models), stored_months(models)
    found = []
    for table in want:
        for key in sorted(set(want[table]) | set(have[table]), key=repr):
            if want[table][key] != have[table][key]:
                found.append(f"{table} {key!r}: stored {have[table][key]}, live {want[table][key]}")
    return found


def expected_problem_units(models: dict[str, Any]) -> Counter:
    """(problem, round, lead unit) -> how many measures, as the live measures give them."""
    rows = (
        models["Measure"]
        .objects.exclude(lead_unit=None)
        .order_by()
        .values_list("problem_id", "problem__round_id", "lead_unit_id")
        .annotate(count=Count("id"))
    )
    return Counter({(p, r, u): n for p, r, u, n in rows})


def stored_problem_units(models: dict[str, Any]) -> Counter:
    rows = models["ProblemUnitRollup"].objects.values_list(
        "problem_id", "round_id", "lead_unit_id", "n"
    )
    found: Counter = Counter()
    for p, r, u, n in rows:
        found[(p, r, u)] += n
    return found


@transaction.atomic
def rebuild_problem_units(models: dict[str, Any]) -> None:
    """Replace the problems' lead units with what the live measures give."""
    table = models["ProblemUnitRollup"]
    table.objects.all().delete()
    table.objects.bulk_create(
        (
            table(problem_id=p, round_id=r, lead_unit_id=u, n=n)
            for (p, r, u), n in expected_problem_units(models).items()
        ),
        batch_size=2000,
    )


def expected_months(models: dict[str, Any]) -> Counter:
    """(round, lead unit, month, "due" or "closed") -> how many measures, as the live
    measures give them: falling due in the month (not long-term), signed off in it."""
    measures = models["Measure"].objects.order_by().annotate(round_id=F("problem__round_id"))
    found: Counter = Counter()
    due = (
        measures.filter(is_long_term=False, deadline__isnull=False)
        .annotate(month=TruncMonth("deadline"))
        .values_list("round_id", "lead_unit_id", "month")
        .annotate(count=Count("id"))
    )
    closed = (
        measures.filter(status="closed", closed_at__isnull=False)
        .annotate(month=TruncMonth(TruncDate("closed_at"), output_field=DateField()))
        .values_list("round_id", "lead_unit_id", "month")
        .annotate(count=Count("id"))
    )
    for kind, rows in (("due", due), ("closed", closed)):
        for round_id, unit_id, month, count in rows:
            found[(round_id, unit_id, first_of_month(month), kind)] += count
    return found


def stored_months(models: dict[str, Any]) -> Counter:
    found: Counter = Counter()
    rows = models["MonthRollup"].objects.values_list(
        "round_id", "lead_unit_id", "month", "due", "closed"
    )
    for round_id, unit_id, month, due, closed in rows:
        for kind, n in (("due", due), ("closed", closed)):
            if n:
                found[(round_id, unit_id, month, kind)] += n
    return found


@transaction.atomic
def rebuild_months(models: dict[str, Any]) -> None:
    """Replace the months with what the live measures give."""
    table = models["MonthRollup"]
    table.objects.all().delete()
    rows: dict[tuple, dict[str, int]] = {}
    for (round_id, unit_id, month, kind), n in expected_months(models).items():
        rows.setdefault((round_id, unit_id, month), {"due": 0, "closed": 0})[kind] = n
    table.objects.bulk_create(
        (table(round_id=r, lead_unit_id=u, month=m, **n) for (r, u, m), n in rows.items()),
        batch_size=2000,
    )


def _day_of(models: dict[str, Any]) -> datetime.date | None:
    return models["RollupDay"].objects.filter(pk=1).values_list("day", flat=True).first()


def expected_days(models: dict[str, Any], day: datetime.date | None = None) -> Counter:
    """The day rollup as the live measures give it on `day` (default: the stored day), each
    (round, lead unit, count's name) -> value, zeros left out. Counted by the ORM with the
    filters of the numbers themselves, independently of the triggers' SQL."""
    day = day or _day_of(models)
    if day is None:
        return Counter()
    approved = models["Extension"].objects.filter(measure=OuterRef("pk"), status="approved")
    rows = (
        models["Measure"]
        .objects.order_by()
        .annotate(submitted_day=TruncDate("submitted_at"), round_id=F("problem__round_id"))
        .values("round_id", "lead_unit_id")
        .annotate(**measure_count_expressions(day, DAY_COUNTS, extended=Q(Exists(approved))))
    )
    return _day_counter(rows)


def _day_counter(rows: Any) -> Counter:
    found: Counter = Counter()
    for row in rows:
        for name in DAY_COUNTS:
            if row[name]:
                found[(row["round_id"], row["lead_unit_id"], name)] = row[name]
    return found


def stored_days(models: dict[str, Any]) -> Counter:
    rows = models["MeasureDayRollup"].objects.values("round_id", "lead_unit_id", *DAY_COUNTS)
    return _day_counter(rows)


def _fill_day(models: dict[str, Any], day: datetime.date, counts: Counter) -> None:
    day_rollup = models["MeasureDayRollup"]
    day_rollup.objects.all().delete()
    rows: dict[tuple, dict] = {}
    for (round_id, unit_id, name), value in counts.items():
        rows.setdefault((round_id, unit_id), {})[name] = value
    day_rollup.objects.bulk_create(
        (day_rollup(round_id=r, lead_unit_id=u, **values) for (r, u), values in rows.items()),
        batch_size=2000,
    )
    models["RollupDay"].objects.update_or_create(pk=1, defaults={"day": day})


def _lock_day(models: dict[str, Any]) -> datetime.date | None:
    """Hold back every write that would count into the day rollup until this transaction
    ends: the writers' triggers wait on the table, then read the new day (FOR SHARE)."""
    table = models["MeasureDayRollup"]._meta.db_table
    if default_connection.vendor == "postgresql":
        with default_connection.cursor() as cursor:
            cursor.execute(f"LOCK TABLE {table} IN EXCLUSIVE MODE")
    return (
        models["RollupDay"]
        .objects.select_for_update()
        .filter(pk=1)
        .values_list("day", flat=True)
        .first()
    )


def advance_day(day: datetime.date | None = None) -> bool:
    """Recount the day rollup as of `day` (default: today) unless it already is; True when it
    was recounted. From the cells of MeasureRollup (a few hundred thousand rows at a million
    measures, not the measures), in one transaction with the writers held back. Run each
    day by its first reminder sweep (reminders.tasks.count_the_day); until it runs on a new
    day, the numbers of that day are read from the cells, slower but just as exact."""
    models = current_models()
    day = day or today()
    with transaction.atomic():
        if _lock_day(models) == day:
            return False
        rows = (
            models["MeasureRollup"]
            .objects.exclude(n=0)
            .order_by()
            .values("round_id", "lead_unit_id")
            .annotate(**cell_count_expressions(day, DAY_COUNTS))
        )
        _fill_day(models, day, _day_counter(rows))
    return True


@transaction.atomic
def rebuild_day(models: dict[str, Any]) -> None:
    """Replace the day rollup with what the live measures give on its day (today if none)."""
    _lock_day(models)
    day = _day_of(models) or today()
    _fill_day(models, day, expected_days(models, day))


@transaction.atomic
def rebuild(models: dict[str, Any] | None = None) -> None:
    """Replace every rollup with what the live rows give."""
    models = models or current_models()
    if "MeasureDayRollup" in models:
        rebuild_day(models)
    if "ProblemUnitRollup" in models:
        rebuild_problem_units(models)
    want = expected(models)
    measure_rollup = models["MeasureRollup"]
    closure_rollup = models["ClosureRollup"]
    problem_rollup = models["ProblemRollup"]
    measure_rollup.objects.all().delete()
    closure_rollup.objects.all().delete()
    problem_rollup.objects.all().delete()
    measure_rollup.objects.bulk_create(
        (
            measure_rollup(**dict(zip(MEASURE_KEY, key, strict=True)), n=n)
            for key, n in want["measures"].items()
        ),
        batch_size=2000,
    )
    closure_rollup.objects.bulk_create(
        (
            closure_rollup(round_id=r, lead_unit_id=u, closed_day=day, n=n)
            for (r, u, day), n in want["closures"].items()
        ),
        batch_size=2000,
    )
    problem_rollup.objects.bulk_create(
        (
            problem_rollup(problem_id=pk, round_id=r, category=c, measures=m, open_measures=o)
            for (pk, r, c, m, o) in want["problems"]
        ),
        batch_size=2000,
    )
    if "MonthRollup" in models:  # after the cells, whose triggers count into the months
        rebuild_months(models)


def current_models() -> dict[str, Any]:
    from findings.models import Problem

    from .models import (
        ClosureRollup,
        Extension,
        Measure,
        MeasureDayRollup,
        MeasureRollup,
        MonthRollup,
        ProblemRollup,
        ProblemUnitRollup,
        RollupDay,
    )

    return {
        "MeasureDayRollup": MeasureDayRollup,
        "RollupDay": RollupDay,
        "Measure": Measure,
        "Problem": Problem,
        "Extension": Extension,
        "MeasureRollup": MeasureRollup,
        "ClosureRollup": ClosureRollup,
        "ProblemRollup": ProblemRollup,
        "ProblemUnitRollup": ProblemUnitRollup,
        "MonthRollup": MonthRollup,
    }


def _execute(statements: list[str], connection: Any) -> None:
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def install(connection: Any = default_connection) -> None:
    _execute(trigger_sql(connection.vendor), connection)


def uninstall(connection: Any = default_connection) -> None:
    _execute(drop_sql(connection.vendor), connection)


def install_day(connection: Any = default_connection) -> None:
    _execute(day_trigger_sql(connection.vendor), connection)


def uninstall_day(connection: Any = default_connection) -> None:
    _execute(day_drop_sql(connection.vendor), connection)


def install_problem_units(connection: Any = default_connection) -> None:
    _execute(unit_trigger_sql(connection.vendor), connection)


def uninstall_problem_units(connection: Any = default_connection) -> None:
    _execute(unit_drop_sql(connection.vendor), connection)


def install_months(connection: Any = default_connection) -> None:
    _execute(month_trigger_sql(connection.vendor), connection)


def uninstall_months(connection: Any = default_connection) -> None:
    _execute(month_drop_sql(connection.vendor), connection)
