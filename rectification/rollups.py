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
from django.db.models import BooleanField, Case, Count, Exists, F, OuterRef, Q, Value, When
from django.db.models.functions import TruncDate

MEASURE = "rectification_measure"
EXTENSION = "rectification_extension"
PROBLEM = "findings_problem"
M_ROLLUP = "rectification_measurerollup"
C_ROLLUP = "rectification_closurerollup"
P_ROLLUP = "rectification_problemrollup"

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
    approved_old = "OLD.status = 'approved'"
    approved_new = "NEW.status = 'approved'"
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
    if name == "rollup_extension_insert":
        others = _extended("NEW.measure_id", "NEW.id")
        return _extension_move(d, "NEW.measure_id", others, f"{others} OR {approved_new}")
    if name == "rollup_extension_delete":
        others = _extended("OLD.measure_id", "OLD.id")
        return _extension_move(d, "OLD.measure_id", f"{others} OR {approved_old}", others)
    if name == "rollup_extension_update":
        statements = []
        # The old measure, then the new one if the request was moved to another measure.
        for measure, only_if in (
            ("OLD.measure_id", "TRUE"),
            ("NEW.measure_id", "NEW.measure_id <> OLD.measure_id"),
        ):
            others = _extended(measure, "NEW.id")
            was = f"{others} OR (OLD.measure_id = {measure} AND {approved_old})"
            now = f"{others} OR (NEW.measure_id = {measure} AND {approved_new})"
            statements += _extension_move(d, measure, was, now, only_if)
        return statements
    raise KeyError(name)


def _condition(d: _Dialect, columns: tuple[str, ...] | None) -> str:
    if not columns:
        return ""
    return " OR ".join(d.distinct(f"OLD.{c}", f"NEW.{c}") for c in columns)


def trigger_sql(vendor: str) -> list[str]:
    """The statements that create the rollups' unique keys and triggers on `vendor`."""
    d = _Dialect(vendor)
    sql = [
        f"CREATE UNIQUE INDEX measurerollup_key ON {M_ROLLUP} ({M_KEY})",
        f"CREATE UNIQUE INDEX closurerollup_key ON {C_ROLLUP} ({C_KEY})",
    ]
    for name, (table, event, columns) in TRIGGERS.items():
        body = _statements(d, name)
        condition = _condition(d, columns)
        when = f" WHEN ({condition})" if condition else ""
        if vendor == "postgresql":
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


def drop_sql(vendor: str) -> list[str]:
    sql = []
    for name, (table, _event, _columns) in TRIGGERS.items():
        if vendor == "postgresql":
            sql.append(f"DROP TRIGGER IF EXISTS {name} ON {table}")
            sql.append(f"DROP FUNCTION IF EXISTS {name}()")
        else:
            sql.append(f"DROP TRIGGER IF EXISTS {name}")
    sql += ["DROP INDEX IF EXISTS measurerollup_key", "DROP INDEX IF EXISTS closurerollup_key"]
    return sql


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
    found = []
    for table in ("measures", "closures", "problems"):
        for key in sorted(set(want[table]) | set(have[table]), key=repr):
            if want[table][key] != have[table][key]:
                found.append(f"{table} {key!r}: stored {have[table][key]}, live {want[table][key]}")
    return found


@transaction.atomic
def rebuild(models: dict[str, Any] | None = None) -> None:
    """Replace every rollup with what the live rows give."""
    models = models or current_models()
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


def current_models() -> dict[str, Any]:
    from findings.models import Problem

    from .models import ClosureRollup, Extension, Measure, MeasureRollup, ProblemRollup

    return {
        "Measure": Measure,
        "Problem": Problem,
        "Extension": Extension,
        "MeasureRollup": MeasureRollup,
        "ClosureRollup": ClosureRollup,
        "ProblemRollup": ProblemRollup,
    }


def install(connection: Any = default_connection) -> None:
    with connection.cursor() as cursor:
        for statement in trigger_sql(connection.vendor):
            cursor.execute(statement)


def uninstall(connection: Any = default_connection) -> None:
    with connection.cursor() as cursor:
        for statement in drop_sql(connection.vendor):
            cursor.execute(statement)
