"""Time the hot paths through the real URL stack, against raw SQL floors: `manage.py benchmark`.

Runs on whatever the database holds (see generate_demo_data). By default each page and API
call is timed in-process through the URL stack; with --http it is timed over real HTTP
against gunicorn on loopback (demo/httpbench.py), the query counts still taken in-process
through the same middleware. Every entry carries its target (issue 20) and whether it was
met, and the run records the load average and the machine. The reminder-sweep scenarios
run last because they WRITE: they record reminders, notifications and deliveries as of
today, so a second benchmark on the same database no longer times a first sweep unless
--reset-reminders clears that state first.
"""

from __future__ import annotations

import dataclasses
import datetime
import json
import logging
import math
import statistics
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, transaction
from django.db.models import Count
from django.http import HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings
from rest_framework.test import APIClient

from accounts.models import Unit, User
from demo.httpbench import HttpServer, load_average, machine_facts, worker_peak_rss
from findings.models import Aspect, Problem
from inspections.models import InspectionRound
from rectification.models import Extension, Measure, StatusChange, restart_ladders, today
from rectification.selectors import measure_numbers, measures_visible_to, problem_numbers
from reminders import services as reminders
from reminders.models import (
    Escalation,
    EscalationDigest,
    Notification,
    ReminderDelivery,
    ReminderLog,
)
from supervision.evaluation import compute_scores, evaluation_create

SCENARIOS = [
    "dashboard_page_leader",
    "dashboard_page_office",
    "dashboard_summary",
    "dashboard_units",
    "dashboard_trend",
    "workbench",
    "tasks_liaison",
    "round_stats",
    "round_page",
    "round_periodic",
    "rounds_list",
    "rounds_page_office",
    "rounds_page_liaison",
    "problems_list",
    "problems_list_liaison",
    "measures_list",
    "measures_list_office",
    "measures_list_office_overdue",
    "measures_list_deep",
    "measures_list_liaison_deep",
    "measures_search",
    "measures_search_rare",
    "measure_detail",
    "measure_page",
    "evaluation_scores",
    "ledger_export",
    "five_ledgers_export",
    "reminder_sweep",
    "reminder_sweep_rerun",
    "me_after_sweep",
]


@dataclasses.dataclass(frozen=True)
class Target:
    """What issue 20 asks of a scenario at a million measures: a median under `ms`, a peak
    under `mb`, a median within `ratio` times its raw SQL floor."""

    ms: float | None = None
    mb: float | None = None
    ratio: float | None = None

    def met(self, entry: dict) -> bool | None:
        checks = []
        if self.ms is not None:
            checks.append(entry["median_ms"] < self.ms)
        if self.mb is not None and entry.get("peak_mb") is not None:
            checks.append(entry["peak_mb"] < self.mb)
        if self.ratio is not None and entry.get("ratio") is not None:
            checks.append(entry["ratio"] <= self.ratio)
        return all(checks) if checks else None

    def describe(self) -> str:
        parts = []
        if self.ms is not None:
            parts.append(f"< {self.ms:g} ms")
        if self.mb is not None:
            parts.append(f"< {self.mb:g} MB")
        if self.ratio is not None:
            parts.append(f"within x{self.ratio:g} of raw SQL")
        return ", ".join(parts)


# Issue 20's table; a scenario it does not name has no target (null in the JSON).
TARGETS = {
    "dashboard_page_leader": Target(ms=80),
    "dashboard_page_office": Target(ms=80),
    "dashboard_summary": Target(ms=30),
    "dashboard_units": Target(ms=30),
    "dashboard_trend": Target(ms=30),
    "workbench": Target(ms=50),
    "tasks_liaison": Target(ms=50),
    "round_page": Target(ms=50),
    "round_periodic": Target(ms=50),
    "rounds_list": Target(ms=50),
    "rounds_page_office": Target(ms=50),
    "rounds_page_liaison": Target(ms=50),
    "problems_list": Target(ms=50),
    "problems_list_liaison": Target(ms=50),
    "measures_list": Target(ms=30),
    "measures_list_office": Target(ms=30),
    "measures_list_office_overdue": Target(ms=30),
    "measures_list_deep": Target(ms=30),
    "measures_list_liaison_deep": Target(ms=30),
    "measures_search": Target(ms=200),
    "measures_search_rare": Target(ms=50),
    "measure_detail": Target(ms=30),
    "measure_page": Target(ms=30),
    "evaluation_scores": Target(ratio=1.5),
    "ledger_export": Target(ms=2000, mb=200),
    "five_ledgers_export": Target(ms=3000, mb=200),
    "reminder_sweep": Target(ms=60_000),
    "reminder_sweep_rerun": Target(ms=3_000),
}
SWEEP_SCENARIOS = {"reminder_sweep", "reminder_sweep_rerun", "me_after_sweep"}
SEARCH_WORD = "制度"
# In no generated text: the search must look at every measure in the liaison's scope and
# find none, the worst case of a rare word.
RARE_WORD = "光伏"
DEEP_PAGE = 200
LIAISON_DEEP_PAGE = 20
# The numbers of section 6 that the floors recompute and compare.
NUMBER_KEYS = [
    "total",
    "closed",
    "submitted",
    "in_progress",
    "not_started",
    "long_term",
    "overdue",
    "due_soon",
    "due_by_today",
    "closed_on_time",
    "extended",
]


class ScenarioFailed(CommandError):
    """A hot path did not answer 200: the figures would time an error page."""


@dataclasses.dataclass
class Cast:
    """The people and objects the scenarios act as and on."""

    office: User
    leader: User
    liaison: User
    largest_round: int
    largest_round_measures: int
    measure: int
    measures: int
    liaison_measures: int


def percentile(values: list[float], *, share: float) -> float:
    """Nearest-rank percentile: with few runs the p95 is simply the slowest."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def summary(times: list[float]) -> dict[str, float]:
    return {
        "median_ms": round(statistics.median(times), 2),
        "p95_ms": round(percentile(times, share=0.95), 2),
        "runs": len(times),
    }


def timed(action: Callable[[], Any], *, repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        times.append((time.perf_counter() - started) * 1000)
    return times


def counted(action: Callable[[], Any]) -> tuple[Any, int]:
    """Run once and count its SQL queries (this run is also the warm-up)."""
    with CaptureQueriesContext(connection) as queries:
        result = action()
    return result, len(queries.captured_queries)


def read(response: HttpResponseBase) -> bytes:
    """The whole body, so that a streamed file is generated in full before the clock stops."""
    if isinstance(response, StreamingHttpResponse):
        return response.getvalue()
    assert isinstance(response, HttpResponse)
    return response.content


def local_date_sql(column: str) -> str:
    """SQL for the local calendar day of a timestamp column, as TruncDate computes it."""
    if connection.vendor == "postgresql":
        return f"({column} AT TIME ZONE '{settings.TIME_ZONE}')::date"
    # SQLite stores UTC text; Asia/Shanghai has no daylight saving, so a fixed shift is exact.
    offset = datetime.datetime.now(datetime.UTC).astimezone(_zone()).utcoffset()
    hours = int(offset.total_seconds() // 3600) if offset is not None else 0
    return f"date({column}, '{hours:+d} hours')"


def _zone() -> datetime.tzinfo:
    import zoneinfo

    return zoneinfo.ZoneInfo(settings.TIME_ZONE)


def tables() -> dict[str, str]:
    return {
        "measure": Measure._meta.db_table,
        "problem": Problem._meta.db_table,
        "extension": Extension._meta.db_table,
        "aspect": Aspect._meta.db_table,
    }


def numbers_sql(*, where: str = "TRUE", group: str | None = None) -> str:
    """One query for the section-6 measure numbers, optionally grouped by a column of m."""
    t = tables()
    submitted_day = local_date_sql("m.submitted_at")
    select_group = f"{group}, " if group else ""
    group_by = f"GROUP BY {group}" if group else ""
    return f"""
        SELECT {select_group}
            COUNT(*),
            COUNT(*) FILTER (WHERE m.status = 'closed'),
            COUNT(*) FILTER (WHERE m.status = 'submitted'),
            COUNT(*) FILTER (WHERE m.status = 'in_progress'),
            COUNT(*) FILTER (WHERE m.status = 'not_started'),
            COUNT(*) FILTER (WHERE m.is_long_term AND m.status <> 'closed'),
            COUNT(*) FILTER (WHERE m.deadline < %(day)s AND NOT m.is_long_term
                             AND m.status <> 'closed'),
            COUNT(*) FILTER (WHERE m.deadline >= %(day)s AND m.deadline <= %(week)s
                             AND m.status <> 'closed'),
            COUNT(*) FILTER (WHERE m.deadline <= %(day)s AND NOT m.is_long_term),
            COUNT(*) FILTER (WHERE m.deadline <= %(day)s AND NOT m.is_long_term
                             AND m.status = 'closed' AND {submitted_day} <= m.deadline),
            COUNT(*) FILTER (WHERE m.id IN (SELECT e.measure_id FROM {t["extension"]} e
                                            WHERE e.status = 'approved'))
        FROM {t["measure"]} m
        WHERE {where}
        {group_by}
    """


def _day_params(day: datetime.date) -> dict[str, datetime.date | int]:
    return {"day": day, "week": day + datetime.timedelta(days=7)}


def raw_all_numbers(day: datetime.date) -> dict:
    """The floor of the dashboard summary: section-6 numbers of everything, one statement."""
    t = tables()
    sql = f"""
        WITH numbers AS ({numbers_sql()}),
        per_problem AS (
            SELECT p.id, COUNT(m.id) AS n,
                   COUNT(m.id) FILTER (WHERE m.status <> 'closed') AS still_open
            FROM {t["problem"]} p LEFT JOIN {t["measure"]} m ON m.problem_id = p.id
            GROUP BY p.id
        ),
        problems AS (
            SELECT COUNT(*), COUNT(*) FILTER (WHERE n > 0 AND still_open = 0) FROM per_problem
        )
        SELECT * FROM numbers, problems
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, _day_params(day))
        row = cursor.fetchone()
    data = dict(zip(NUMBER_KEYS, row[: len(NUMBER_KEYS)], strict=True))
    data["problems"], data["problems_completed"] = row[len(NUMBER_KEYS) :]
    return data


def raw_unit_numbers(day: datetime.date) -> dict[int | None, dict]:
    """The floor of the per-unit numbers: one GROUP BY over the measures."""
    with connection.cursor() as cursor:
        cursor.execute(numbers_sql(group="m.lead_unit_id"), _day_params(day))
        rows = cursor.fetchall()
    return {row[0]: dict(zip(NUMBER_KEYS, row[1:], strict=True)) for row in rows}


def raw_round_numbers(*, round_id: int, day: datetime.date) -> dict:
    """The floor of a round's stats: its numbers, then its problems with their counts."""
    t = tables()
    where = f"m.problem_id IN (SELECT id FROM {t['problem']} WHERE round_id = %(round)s)"
    params = {**_day_params(day), "round": round_id}
    problems_sql = f"""
        SELECT p.id, p.seq, p.title, a.title, COUNT(m.id),
               COUNT(m.id) FILTER (WHERE m.status = 'closed')
        FROM {t["problem"]} p
        LEFT JOIN {t["aspect"]} a ON a.id = p.aspect_id
        LEFT JOIN {t["measure"]} m ON m.problem_id = p.id
        WHERE p.round_id = %(round)s
        GROUP BY p.id, p.seq, p.title, a.title
        ORDER BY p.seq
    """
    with connection.cursor() as cursor:
        cursor.execute(numbers_sql(where=where), params)
        data = dict(zip(NUMBER_KEYS, cursor.fetchone(), strict=True))
        cursor.execute(problems_sql, params)
        problems = cursor.fetchall()
    data["problems"] = len(problems)
    data["problems_completed"] = sum(1 for p in problems if p[4] and p[4] == p[5])
    return data


def raw_unit_round_numbers(*, round_id: int, day: datetime.date) -> dict[int | None, tuple]:
    """The floor of a round's evaluation: its numbers per lead unit and in all, the problems
    each unit leads a measure of, and the round's problems with their completion."""
    t = tables()
    where = f"m.problem_id IN (SELECT id FROM {t['problem']} WHERE round_id = %(round)s)"
    params = {**_day_params(day), "round": round_id}
    per_unit_problems = f"""
        SELECT m.lead_unit_id, COUNT(DISTINCT m.problem_id)
        FROM {t["measure"]} m
        WHERE {where}
        GROUP BY m.lead_unit_id
    """
    with connection.cursor() as cursor:
        cursor.execute(numbers_sql(where=where, group="m.lead_unit_id"), params)
        rows: dict[int | None, tuple] = {row[0]: row[1:] for row in cursor.fetchall()}
        cursor.execute(per_unit_problems, params)
        for unit_id, problems in cursor.fetchall():
            rows[unit_id] = (*rows[unit_id], problems)
    rows[None] = tuple(raw_round_numbers(round_id=round_id, day=day).values())
    return rows


def same_numbers(one: dict, other: dict, *, keys: list[str]) -> bool:
    return all(one.get(key) == other.get(key) for key in keys)


class Bench:
    """Runs the scenarios; every entry goes into `results` as soon as it is measured.

    With `http` (a started HttpServer) a URL scenario is counted in-process, then timed over
    HTTP in two passes of `repeat` runs (the second after every other URL scenario has run,
    so that one pass's caches and one moment's load do not make the figure).
    """

    def __init__(
        self,
        *,
        cast: Cast,
        repeat: int,
        sweep_repeat: int,
        log: Callable[[str], object],
        http: HttpServer | None = None,
    ) -> None:
        self.cast = cast
        self.repeat = repeat
        self.sweep_repeat = sweep_repeat
        self.log = log
        self.http = http
        self.day = today()
        self.results: dict[str, dict] = {}
        self.clients: dict[int, Client] = {}
        # URL scenarios timed once over HTTP, waiting for their second pass.
        self.second_pass: list[tuple[str, Callable[[], object]]] = []

    def client(self, user: User) -> Client:
        # APIClient is a django.test.Client: force_login goes through the session
        # middleware like a browser, so pages and API share one client per user.
        if user.pk not in self.clients:
            client = APIClient(HTTP_ACCEPT_LANGUAGE="zh-hans")
            client.force_login(user)
            self.clients[user.pk] = client
        return self.clients[user.pk]

    def get(self, user: User, path: str) -> Callable[[], HttpResponseBase]:
        client = self.client(user)

        def request() -> HttpResponseBase:
            response = client.get(path)
            read(response)
            return response

        return request

    def http_get(self, user: User, path: str) -> Callable[[], tuple[int, int]]:
        assert self.http is not None
        http = self.http

        def request() -> tuple[int, int]:
            return http.get(user.username, path)

        return request

    def url(self, name: str, user: User, path: str, *, repeat: int | None = None, **extra) -> dict:
        """Time GET `path` as `user`: one counted warm-up in-process, then the timed runs
        (over HTTP with --http)."""
        action = self.get(user, path)
        response, queries = counted(action)
        if response.status_code != 200:
            raise ScenarioFailed(f"{name}: GET {path} answered {response.status_code}")
        runs = repeat or self.repeat
        entry: dict[str, Any] = {"path": path, "user": user.username, "status": 200}
        if self.http is None:
            entry.update(mode="in-process", **summary(timed(action, repeat=runs)))
        else:
            request = self.http_get(user, path)
            status, size = request()  # the worker's own warm-up
            if status != 200:
                raise ScenarioFailed(f"{name}: GET {path} over HTTP answered {status}")
            times = timed(request, repeat=runs)
            entry.update(mode="http", bytes=size, **summary(times), pass_ms=[times])
            self.second_pass.append((name, request))
        entry.update(queries=queries, **extra)
        return self.record(name, entry)

    def run_second_pass(self) -> None:
        """The second HTTP pass of every URL scenario timed once so far."""
        pending, self.second_pass = self.second_pass, []
        for name, request in pending:
            entry = self.results[name]
            times = timed(request, repeat=len(entry["pass_ms"][0]))
            entry["pass_ms"].append(times)
            entry.update(summary([t for one in entry["pass_ms"] for t in one]))
            entry["pass_median_ms"] = [round(statistics.median(one), 2) for one in entry["pass_ms"]]
            entry["pass_ms"] = [[round(t, 2) for t in one] for one in entry["pass_ms"]]
            self.record(name, entry, again=True)

    def record(self, name: str, entry: dict, *, again: bool = False) -> dict:
        if "raw_sql_ms" in entry and entry["raw_sql_ms"]:
            entry["ratio"] = round(entry["median_ms"] / entry["raw_sql_ms"], 2)
        target = TARGETS.get(name)
        entry["target"] = target.describe() if target else None
        entry["met"] = target.met(entry) if target else None
        entry["load_avg"] = load_average()
        self.results[name] = entry
        extra = ""
        if "ratio" in entry:
            extra = f"  raw SQL {entry['raw_sql_ms']:>9.1f} ms  x{entry['ratio']}"
        if entry.get("peak_mb") is not None:
            extra += f"  peak {entry['peak_mb']} MB"
        if target:
            extra += f"  [{entry['target']}: {'met' if entry['met'] else 'NOT met'}]"
        passes = " (both passes)" if again else ""
        self.log(
            f"{name:<30} median {entry['median_ms']:>10.1f} ms  p95 {entry['p95_ms']:>10.1f} ms"
            f"  {entry['queries']:>6} queries{extra}{passes}"
        )
        return entry

    def floor(self, action: Callable[[], Any], *, repeat: int | None = None) -> tuple[Any, float]:
        result = action()
        return result, round(statistics.median(timed(action, repeat=repeat or self.repeat)), 2)

    # --- the scenarios ----------------------------------------------------------------

    def answers(self, user: User, path: str) -> bool:
        """Whether `path` exists yet (200), without logging the 404 as a problem."""
        logger = logging.getLogger("django.request")
        level = logger.level
        logger.setLevel(logging.ERROR)
        try:
            return self.get(user, path)().status_code == 200
        finally:
            logger.setLevel(level)

    def dashboard_page_leader(self) -> None:
        self.url("dashboard_page_leader", self.cast.leader, "/dashboard/")

    def dashboard_page_office(self) -> None:
        self.url("dashboard_page_office", self.cast.office, "/dashboard/")

    def dashboard_trend(self) -> None:
        self.url("dashboard_trend", self.cast.leader, "/api/v1/dashboard/trend/")

    def workbench(self) -> None:
        self.url("workbench", self.cast.office, "/workbench/")

    def tasks_liaison(self) -> None:
        self.url("tasks_liaison", self.cast.liaison, "/tasks/")

    def dashboard_summary(self) -> None:
        leader, path = self.cast.leader, "/api/v1/dashboard/summary/"
        raw, raw_ms = self.floor(lambda: raw_all_numbers(self.day))
        if self.answers(leader, path):
            self.url("dashboard_summary", leader, path, via="url", raw_sql_ms=raw_ms)
            return

        # Until the dashboard exists, the same numbers straight from the one selector.
        def numbers() -> dict:
            data = measure_numbers(Measure.objects.all(), self.day)
            data.update(problem_numbers(Problem.objects.all()))
            return data

        data, queries = counted(numbers)
        keys = [*NUMBER_KEYS, "problems", "problems_completed"]
        self.record(
            "dashboard_summary",
            {
                "via": "selector",
                "user": leader.username,
                **summary(timed(numbers, repeat=self.repeat)),
                "queries": queries,
                "raw_sql_ms": raw_ms,
                "raw_sql_matches": same_numbers(data, raw, keys=keys),
            },
        )

    def dashboard_units(self) -> None:
        leader, path = self.cast.leader, "/api/v1/dashboard/units/"
        raw, raw_ms = self.floor(lambda: raw_unit_numbers(self.day))
        if self.answers(leader, path):
            self.url("dashboard_units", leader, path, via="url", raw_sql_ms=raw_ms)
            return

        # The selector takes one set of measures, so a unit table asks it once per unit.
        def numbers() -> dict[int, dict]:
            return {
                unit_id: measure_numbers(Measure.objects.filter(lead_unit_id=unit_id), self.day)
                for unit_id in Unit.objects.order_by("id").values_list("id", flat=True)
            }

        data, queries = counted(numbers)
        matches = all(
            same_numbers(data[unit_id], raw.get(unit_id, {}), keys=NUMBER_KEYS)
            if data[unit_id]["total"]
            else unit_id not in raw
            for unit_id in data
        )
        self.record(
            "dashboard_units",
            {
                "via": "selector",
                "user": leader.username,
                **summary(timed(numbers, repeat=self.repeat)),
                "queries": queries,
                "units": len(data),
                "raw_sql_ms": raw_ms,
                "raw_sql_matches": matches,
            },
        )

    def round_stats(self) -> None:
        cast = self.cast
        raw, raw_ms = self.floor(
            lambda: raw_round_numbers(round_id=cast.largest_round, day=self.day)
        )
        path = f"/api/v1/rounds/{cast.largest_round}/stats/"
        entry = self.url(
            "round_stats",
            cast.office,
            path,
            round_measures=cast.largest_round_measures,
            raw_sql_ms=raw_ms,
        )
        api = json.loads(read(self.get(cast.office, path)()))
        entry["raw_sql_matches"] = same_numbers(
            api, raw, keys=[*NUMBER_KEYS, "problems", "problems_completed"]
        )

    def round_page(self) -> None:
        cast = self.cast
        self.url(
            "round_page",
            cast.office,
            f"/rounds/{cast.largest_round}/",
            round_measures=cast.largest_round_measures,
        )

    def round_periodic(self) -> None:
        cast = self.cast
        self.url(
            "round_periodic",
            cast.office,
            f"/rounds/{cast.largest_round}/periodic/",
            round_measures=cast.largest_round_measures,
        )

    def rounds_list(self) -> None:
        self.url("rounds_list", self.cast.liaison, "/api/v1/rounds/")

    def rounds_page_office(self) -> None:
        self.url("rounds_page_office", self.cast.office, "/rounds/")

    def rounds_page_liaison(self) -> None:
        self.url("rounds_page_liaison", self.cast.liaison, "/rounds/")

    def problems_list(self) -> None:
        self.url("problems_list", self.cast.office, "/api/v1/problems/")

    def problems_list_liaison(self) -> None:
        self.url("problems_list_liaison", self.cast.liaison, "/api/v1/problems/")

    def measures_list(self) -> None:
        self.url("measures_list", self.cast.liaison, "/api/v1/measures/")

    def measures_list_office(self) -> None:
        self.url("measures_list_office", self.cast.office, "/api/v1/measures/")

    def measures_list_office_overdue(self) -> None:
        self.url("measures_list_office_overdue", self.cast.office, "/api/v1/measures/?overdue=true")

    def measures_list_deep(self) -> None:
        # Page 200 when there is one; a small data set times its last page instead.
        pages = max(1, math.ceil(self.cast.measures / 50))
        page = min(DEEP_PAGE, pages)
        self.url(
            "measures_list_deep", self.cast.office, f"/api/v1/measures/?page={page}", page=page
        )

    def measures_list_liaison_deep(self) -> None:
        pages = max(1, math.ceil(self.cast.liaison_measures / 50))
        page = min(LIAISON_DEEP_PAGE, pages)
        self.url(
            "measures_list_liaison_deep",
            self.cast.liaison,
            f"/api/v1/measures/?page={page}",
            page=page,
            scope_measures=self.cast.liaison_measures,
        )

    def measures_search(self) -> None:
        self.url("measures_search", self.cast.office, f"/api/v1/measures/?q={SEARCH_WORD}")

    def measures_search_rare(self) -> None:
        self.url("measures_search_rare", self.cast.liaison, f"/api/v1/measures/?q={RARE_WORD}")

    def measure_detail(self) -> None:
        cast = self.cast
        detail = self.get(cast.office, f"/api/v1/measures/{cast.measure}/")
        history = self.get(cast.office, f"/api/v1/measures/{cast.measure}/history/")

        def both() -> tuple[HttpResponseBase, HttpResponseBase]:
            return detail(), history()

        (one, two), queries = counted(both)
        if (one.status_code, two.status_code) != (200, 200):
            raise ScenarioFailed(f"measure_detail answered {one.status_code}/{two.status_code}")
        entry: dict[str, Any] = {
            "path": f"/api/v1/measures/{cast.measure}/ + history/",
            "user": cast.office.username,
            "status": 200,
            "queries": queries,
        }
        if self.http is None:
            entry["mode"] = "in-process"
            entry.update(summary(timed(both, repeat=self.repeat)))
            entry["detail_ms"] = round(statistics.median(timed(detail, repeat=self.repeat)), 2)
            entry["history_ms"] = round(statistics.median(timed(history, repeat=self.repeat)), 2)
        else:
            on_detail = self.http_get(cast.office, f"/api/v1/measures/{cast.measure}/")
            on_history = self.http_get(cast.office, f"/api/v1/measures/{cast.measure}/history/")

            def over_http() -> tuple[int, int]:
                (status_one, size_one), (status_two, size_two) = on_detail(), on_history()
                if (status_one, status_two) != (200, 200):
                    raise ScenarioFailed(f"measure_detail over HTTP: {status_one}/{status_two}")
                return 200, size_one + size_two

            entry["bytes"] = over_http()[1]
            times = timed(over_http, repeat=self.repeat)
            entry.update(mode="http", pass_ms=[times], **summary(times))
            entry["detail_ms"] = round(statistics.median(timed(on_detail, repeat=self.repeat)), 2)
            entry["history_ms"] = round(statistics.median(timed(on_history, repeat=self.repeat)), 2)
            self.second_pass.append(("measure_detail", over_http))
        self.record("measure_detail", entry)

    def measure_page(self) -> None:
        cast = self.cast
        self.url("measure_page", cast.office, f"/measures/{cast.measure}/", measure=cast.measure)

    def evaluation_scores(self) -> None:
        """compute_scores of the largest round, against one statement of its per-unit and
        whole-round numbers. Run in a transaction rolled back at the end: the evaluation it
        scores is created for the occasion (with the default scheme when the round has none)."""
        cast = self.cast
        raw, raw_ms = self.floor(
            lambda: raw_unit_round_numbers(round_id=cast.largest_round, day=self.day)
        )
        with transaction.atomic():
            evaluation = evaluation_create(
                actor=cast.office,
                inspection_round=InspectionRound.objects.get(pk=cast.largest_round),
                as_of=self.day,
            )

            def score() -> list:
                return compute_scores(evaluation)

            scores, queries = counted(score)
            times = timed(score, repeat=self.repeat)
            transaction.set_rollback(True)
        self.record(
            "evaluation_scores",
            {
                "via": "supervision.evaluation.compute_scores",
                "round": cast.largest_round,
                "round_measures": cast.largest_round_measures,
                "units": len(scores) - 1,
                **summary(times),
                "queries": queries,
                "raw_sql_ms": raw_ms,
                "raw_sql_units": len(raw) - 1,
            },
        )

    def export(self, name: str, path: str) -> None:
        cast = self.cast
        entry = self.url(name, cast.office, path, round_measures=cast.largest_round_measures)
        if self.http is not None:
            # The serving worker's memory high-water mark during one more request.
            entry["peak_mb"] = worker_peak_rss(self.http, self.http_get(cast.office, path))
            entry["peak_measure"] = "gunicorn worker VmHWM"
        else:
            # A separate traced run: tracemalloc slows Python down, so it is not a timed run.
            tracemalloc.start()
            try:
                self.get(cast.office, path)()
                entry["peak_mb"] = round(tracemalloc.get_traced_memory()[1] / 2**20, 1)
            finally:
                tracemalloc.stop()
            entry["peak_measure"] = "tracemalloc"
        self.record(name, entry)

    def ledger_export(self) -> None:
        self.export("ledger_export", f"/api/v1/ledger/export/?round={self.cast.largest_round}")

    def five_ledgers_export(self) -> None:
        self.export(
            "five_ledgers_export", f"/api/v1/ledger/five-ledgers/?round={self.cast.largest_round}"
        )

    def reminder_sweep(self) -> None:
        fresh = not ReminderLog.objects.exists()
        before = _rss_mb()
        reset = _reset_peak_rss()
        result, queries, ms = _sweep(self.day)
        entry = {
            "as_of": self.day.isoformat(),
            "fresh": fresh,
            **summary([ms]),
            "queries": queries,
            "reminders": result.total,
            "escalations": sum(result.escalations.values()),
            "digests": result.digests,
            "emails": result.emails,
            "webhooks": result.webhooks,
        }
        if reset:
            entry.update(peak_mb=_peak_rss_mb(), rss_before_mb=before, peak_measure="rss_hwm")
        self.record("reminder_sweep", entry)

    def reminder_sweep_rerun(self) -> None:
        runs = [_sweep(self.day) for _ in range(self.sweep_repeat)]
        self.record(
            "reminder_sweep_rerun",
            {
                "as_of": self.day.isoformat(),
                **summary([ms for _result, _queries, ms in runs]),
                "queries": runs[0][1],
                "reminders": runs[-1][0].total,
            },
        )

    def me_after_sweep(self) -> None:
        # The office user the sweep told most: each office hears of its own jurisdiction's
        # work only, so the province's may have heard of none in a small set.
        told = (
            Notification.objects.filter(recipient__role=User.Role.OFFICE)
            .values("recipient")
            .annotate(n=Count("id"))
            .order_by("-n", "recipient")
            .first()
        )
        office = User.objects.get(pk=told["recipient"]) if told else self.cast.office
        notes = Notification.objects.filter(recipient=office).count()
        self.url("me_after_sweep", office, "/api/v1/me/", notifications=notes)


def _sweep(day: datetime.date) -> tuple[reminders.SweepResult, int, float]:
    """One sweep, its query count and its time in ms.

    Messages are not handed to Celery: delivery is a worker's job and would time the
    broker. The queries are counted by a wrapper rather than CaptureQueriesContext, whose
    log keeps only the last 9,000 statements and would hold every SQL text in memory.
    """
    count = 0

    def counter(execute: Callable, sql: str, params: Any, many: bool, context: dict) -> Any:
        nonlocal count
        count += 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(counter):
        started = time.perf_counter()
        result = reminders.sweep(as_of=day, dispatch=lambda _delivery_id: None)
        elapsed = (time.perf_counter() - started) * 1000
    return result, count, elapsed


def _reset_peak_rss() -> bool:
    """Reset the kernel's high-water mark of this process's memory (Linux 4.0 and later)."""
    try:
        with open("/proc/self/clear_refs", "w") as handle:
            handle.write("5")
    except OSError:
        return False
    return True


def _status_mb(key: str) -> float | None:
    try:
        with open("/proc/self/status") as handle:
            for line in handle:
                if line.startswith(f"{key}:"):
                    return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        return None
    return None


def _rss_mb() -> float | None:
    return _status_mb("VmRSS")


def _peak_rss_mb() -> float | None:
    return _status_mb("VmHWM")


def find_cast(
    *,
    round_id: int | None = None,
    liaison_name: str | None = None,
    office_name: str | None = None,
    leader_name: str | None = None,
) -> Cast:
    """Who and what the scenarios use: by default the liaison of the unit that leads the
    most measures and the round that holds the most (the worst ordinary cases). With
    `office_name` (a county's office, say), the largest round is the largest it sees."""
    offices = User.objects.filter(role=User.Role.OFFICE, is_active=True)
    leaders = User.objects.filter(role=User.Role.LEADER, is_active=True)
    if office_name:
        offices = offices.filter(username=office_name)
    if leader_name:
        leaders = leaders.filter(username=leader_name)
    office = offices.order_by("id").first()
    leader = leaders.order_by("id").first()
    if office_name and office is None:
        raise CommandError(f"No active office account {office_name!r}.")
    if leader_name and leader is None:
        raise CommandError(f"No active leader {leader_name!r}.")
    busiest = (
        Measure.objects.exclude(lead_unit=None)
        .values("lead_unit")
        .annotate(n=Count("id"))
        .order_by("-n", "lead_unit")
        .first()
    )
    liaison = None
    if liaison_name:
        liaison = User.objects.filter(
            role=User.Role.LIAISON, is_active=True, username=liaison_name
        ).first()
        if liaison is None:
            raise CommandError(f"No active liaison {liaison_name!r}.")
    elif busiest is not None:
        liaison = (
            User.objects.filter(
                role=User.Role.LIAISON, is_active=True, unit_id=busiest["lead_unit"]
            )
            .order_by("id")
            .first()
        )
    rounds = measures_visible_to(office) if office_name and office else Measure.objects.all()
    if round_id is not None:
        rounds = rounds.filter(problem__round=round_id)
    largest = (
        rounds.values("problem__round")
        .annotate(n=Count("id"))
        .order_by("-n", "problem__round")
        .first()
    )
    if not (office and leader and liaison and largest):
        raise CommandError(
            "The benchmark needs an office user, a leader, a liaison of a unit that leads "
            "measures, and a round with measures: run generate_demo_data first."
        )
    # A measure with a long history: the detail page's worst ordinary case.
    measure = (
        StatusChange.objects.filter(measure__problem__round=largest["problem__round"])
        .values("measure")
        .annotate(n=Count("id"))
        .order_by("-n", "measure")
        .first()
    )
    return Cast(
        office=office,
        leader=leader,
        liaison=liaison,
        largest_round=largest["problem__round"],
        largest_round_measures=largest["n"],
        measure=measure["measure"]
        if measure
        else Measure.objects.filter(problem__round=largest["problem__round"]).values_list(
            "pk", flat=True
        )[0],
        measures=Measure.objects.count(),
        liaison_measures=measures_visible_to(liaison).count(),
    )


class Command(BaseCommand):
    help = (
        "Time each hot path through the URL stack (middleware included) as a given user, "
        "in-process or with --http over real HTTP through gunicorn: median and p95 ms, SQL "
        "query count, the target and whether it was met, and for the aggregates a raw SQL "
        "floor and the ratio. WARNING: the reminder-sweep scenarios run last and write "
        "reminder logs, notifications and deliveries to the database."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--repeat", type=int, default=5, help="Timed runs per scenario.")
        parser.add_argument(
            "--sweep-repeat",
            type=int,
            default=1,
            help="Timed runs of the rerun sweep (the first sweep runs once by nature).",
        )
        parser.add_argument("--json", type=Path, help="Write the results to this JSON file.")
        parser.add_argument(
            "--only",
            action="append",
            choices=SCENARIOS,
            help="Run only this scenario (repeatable).",
        )
        parser.add_argument(
            "--skip-sweep",
            action="store_true",
            help="Leave out the scenarios that write (the reminder sweep and me_after_sweep).",
        )
        parser.add_argument(
            "--http",
            action="store_true",
            help="Time every page and API call over real HTTP: start gunicorn on 127.0.0.1 "
            "(DEBUG off), sign each role in once, time two passes of --repeat runs. Query "
            "counts are still taken in-process through the same middleware.",
        )
        parser.add_argument(
            "--round", type=int, help="Time this round instead of the one with most measures."
        )
        parser.add_argument(
            "--liaison",
            help="Act as this liaison instead of one of the unit that leads most measures.",
        )
        parser.add_argument(
            "--as-office",
            help="Act as this office account (a county's office, office_j<id>) instead of the "
            "first; the round timed is then the largest it sees.",
        )
        parser.add_argument("--as-leader", help="Act as this leader instead of the first.")
        parser.add_argument(
            "--http-workers", type=int, default=2, help="gunicorn sync workers (--http)."
        )
        parser.add_argument(
            "--password",
            default="demo12345",
            help="The password of the generated accounts (--http signs in with it).",
        )
        parser.add_argument(
            "--reset-reminders",
            action="store_true",
            help="Delete every reminder log, notification, delivery, escalation and digest, "
            "and put every measure back at its first rung, before the sweep, so that the "
            "first sweep is a first sweep again.",
        )

    def handle(self, *args, **options) -> None:
        if options["repeat"] < 1 or options["sweep_repeat"] < 1:
            raise CommandError("--repeat and --sweep-repeat must be at least 1")
        if options["http_workers"] < 1:
            raise CommandError("--http-workers must be at least 1")
        names = [n for n in SCENARIOS if not options["only"] or n in options["only"]]
        if options["skip_sweep"]:
            names = [n for n in names if n not in SWEEP_SCENARIOS]
        cast = find_cast(
            round_id=options["round"],
            liaison_name=options["liaison"],
            office_name=options["as_office"],
            leader_name=options["as_leader"],
        )
        self.stdout.write(
            f"{cast.measures:,} measures; largest round {cast.largest_round} "
            f"({cast.largest_round_measures:,} measures); office {cast.office.username}, "
            f"leader {cast.leader.username}, liaison {cast.liaison.username} "
            f"({cast.liaison_measures:,} measures in scope); load average "
            f"{' '.join(str(x) for x in load_average())}"
        )
        if options["reset_reminders"] and SWEEP_SCENARIOS & set(names):
            ReminderLog.objects.all().delete()
            ReminderDelivery.objects.all().delete()
            Notification.objects.all().delete()
            Escalation.objects.all().delete()
            EscalationDigest.objects.all().delete()
            # The sweep moves each measure past the rung it recorded: with the records gone,
            # every ladder starts again.
            restart_ladders()
        if not options["http"]:
            self.run(cast=cast, names=names, options=options, http=None)
            return
        with HttpServer(workers=options["http_workers"]) as server:
            self.stdout.write(
                f"gunicorn on {server.base}: {server.workers} sync workers, DEBUG off"
            )
            for user in (cast.office, cast.leader, cast.liaison):
                server.sign_in(user.username, options["password"])
            # Signing in may rehash a generated account's password, which changes the hash
            # a session is bound to: the in-process clients sign in with the fresh rows.
            for user in (cast.office, cast.leader, cast.liaison):
                user.refresh_from_db()
            self.run(cast=cast, names=names, options=options, http=server)

    def run(self, *, cast: Cast, names: list[str], options: dict, http: HttpServer | None) -> None:
        bench = Bench(
            cast=cast,
            repeat=options["repeat"],
            sweep_repeat=options["sweep_repeat"],
            log=self.stdout.write,
            http=http,
        )
        report: dict[str, Any] = {
            "measures": cast.measures,
            "as_of": bench.day.isoformat(),
            "repeat": options["repeat"],
            "mode": "http" if http else "in-process",
            "database": f"{connection.display_name} "
            + ".".join(str(part) for part in connection.get_database_version()),
            "machine": machine_facts(),
            "load_avg_start": load_average(),
            "scenarios": bench.results,
        }
        if http is not None:
            report["http"] = {
                "server": "gunicorn",
                "workers": http.workers,
                "worker_class": "sync",
                "debug": False,
                "bind": http.base,
                "passes": 2,
                "runs_per_pass": options["repeat"],
            }

        def save() -> None:
            # Written after every scenario: a long run cut short keeps what it measured.
            report["load_avg_end"] = load_average()
            report["targets"] = {
                "met": sorted(n for n, e in bench.results.items() if e.get("met") is True),
                "not_met": sorted(n for n, e in bench.results.items() if e.get("met") is False),
            }
            if options["json"]:
                self.write_json(path=options["json"], report=report)

        # The test client's host; pages and the API refuse unknown hosts.
        with override_settings(ALLOWED_HOSTS=[*settings.ALLOWED_HOSTS, "testserver"]):
            for name in names:
                if name in SWEEP_SCENARIOS:
                    # The sweep writes: every page is timed twice before it changes them.
                    bench.run_second_pass()
                getattr(bench, name)()
                save()
            bench.run_second_pass()
            save()
        met = report["targets"]
        self.stdout.write(
            f"Targets met: {len(met['met'])}, not met: {len(met['not_met'])} "
            f"({', '.join(met['not_met']) or 'none'}); load average "
            f"{' '.join(str(x) for x in report['load_avg_end'])}"
        )
        if options["json"]:
            self.stdout.write(f"Wrote {options['json']}")

    @staticmethod
    def write_json(*, path: Path, report: dict) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n")
