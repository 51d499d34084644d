"""Time the hot paths through the real URL stack, against raw SQL floors: `manage.py benchmark`.

Runs on whatever the database holds (see generate_demo_data). The reminder-sweep scenarios
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
from django.db import connection
from django.db.models import Count
from django.http import HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings
from rest_framework.test import APIClient

from accounts.models import Unit, User
from findings.models import Aspect, Problem
from rectification.models import Extension, Measure, StatusChange, restart_ladders, today
from rectification.selectors import measure_numbers, problem_numbers
from reminders import services as reminders
from reminders.models import (
    Escalation,
    EscalationDigest,
    Notification,
    ReminderDelivery,
    ReminderLog,
)

SCENARIOS = [
    "dashboard_summary",
    "dashboard_units",
    "round_stats",
    "round_page",
    "rounds_list",
    "rounds_page_office",
    "rounds_page_liaison",
    "problems_list",
    "measures_list",
    "measures_list_office_overdue",
    "measures_list_deep",
    "measures_search",
    "measure_detail",
    "ledger_export",
    "reminder_sweep",
    "reminder_sweep_rerun",
    "me_after_sweep",
]
SWEEP_SCENARIOS = {"reminder_sweep", "reminder_sweep_rerun", "me_after_sweep"}
SEARCH_WORD = "制度"
DEEP_PAGE = 200
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


def same_numbers(one: dict, other: dict, *, keys: list[str]) -> bool:
    return all(one.get(key) == other.get(key) for key in keys)


class Bench:
    """Runs the scenarios; every entry goes into `results` as soon as it is measured."""

    def __init__(
        self, *, cast: Cast, repeat: int, sweep_repeat: int, log: Callable[[str], object]
    ) -> None:
        self.cast = cast
        self.repeat = repeat
        self.sweep_repeat = sweep_repeat
        self.log = log
        self.day = today()
        self.results: dict[str, dict] = {}
        self.clients: dict[int, Client] = {}

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

    def url(self, name: str, user: User, path: str, *, repeat: int | None = None, **extra) -> dict:
        """Time GET `path` as `user`: one counted warm-up, then the timed runs."""
        action = self.get(user, path)
        response, queries = counted(action)
        if response.status_code != 200:
            raise ScenarioFailed(f"{name}: GET {path} answered {response.status_code}")
        entry = {
            "path": path,
            "user": user.username,
            "status": response.status_code,
            **summary(timed(action, repeat=repeat or self.repeat)),
            "queries": queries,
            **extra,
        }
        return self.record(name, entry)

    def record(self, name: str, entry: dict) -> dict:
        if "raw_sql_ms" in entry and entry["raw_sql_ms"]:
            entry["ratio"] = round(entry["median_ms"] / entry["raw_sql_ms"], 2)
        self.results[name] = entry
        extra = ""
        if "ratio" in entry:
            extra = f"  raw SQL {entry['raw_sql_ms']:>9.1f} ms  x{entry['ratio']}"
        if "peak_mb" in entry:
            extra += f"  peak {entry['peak_mb']} MB"
        self.log(
            f"{name:<30} median {entry['median_ms']:>10.1f} ms  p95 {entry['p95_ms']:>10.1f} ms"
            f"  {entry['queries']:>6} queries{extra}"
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

    def rounds_list(self) -> None:
        self.url("rounds_list", self.cast.liaison, "/api/v1/rounds/")

    def rounds_page_office(self) -> None:
        self.url("rounds_page_office", self.cast.office, "/rounds/")

    def rounds_page_liaison(self) -> None:
        self.url("rounds_page_liaison", self.cast.liaison, "/rounds/")

    def problems_list(self) -> None:
        self.url("problems_list", self.cast.office, "/api/v1/problems/")

    def measures_list(self) -> None:
        self.url("measures_list", self.cast.liaison, "/api/v1/measures/")

    def measures_list_office_overdue(self) -> None:
        self.url("measures_list_office_overdue", self.cast.office, "/api/v1/measures/?overdue=true")

    def measures_list_deep(self) -> None:
        # Page 200 when there is one; a small data set times its last page instead.
        pages = max(1, math.ceil(self.cast.measures / 50))
        page = min(DEEP_PAGE, pages)
        self.url(
            "measures_list_deep", self.cast.office, f"/api/v1/measures/?page={page}", page=page
        )

    def measures_search(self) -> None:
        self.url("measures_search", self.cast.office, f"/api/v1/measures/?q={SEARCH_WORD}")

    def measure_detail(self) -> None:
        cast = self.cast
        detail = self.get(cast.office, f"/api/v1/measures/{cast.measure}/")
        history = self.get(cast.office, f"/api/v1/measures/{cast.measure}/history/")

        def both() -> tuple[HttpResponseBase, HttpResponseBase]:
            return detail(), history()

        (one, two), queries = counted(both)
        if (one.status_code, two.status_code) != (200, 200):
            raise ScenarioFailed(f"measure_detail answered {one.status_code}/{two.status_code}")
        self.record(
            "measure_detail",
            {
                "path": f"/api/v1/measures/{cast.measure}/ + history/",
                "user": cast.office.username,
                "status": 200,
                **summary(timed(both, repeat=self.repeat)),
                "queries": queries,
                "detail_ms": round(statistics.median(timed(detail, repeat=self.repeat)), 2),
                "history_ms": round(statistics.median(timed(history, repeat=self.repeat)), 2),
            },
        )

    def ledger_export(self) -> None:
        cast = self.cast
        path = f"/api/v1/ledger/export/?round={cast.largest_round}"
        entry = self.url(
            "ledger_export", cast.office, path, round_measures=cast.largest_round_measures
        )
        # A separate traced run: tracemalloc slows Python down, so it is not a timed run.
        tracemalloc.start()
        try:
            self.get(cast.office, path)()
            entry["peak_mb"] = round(tracemalloc.get_traced_memory()[1] / 2**20, 1)
        finally:
            tracemalloc.stop()
        entry["peak_measure"] = "tracemalloc"
        self.log(f"{'':<30} ledger export peak {entry['peak_mb']} MB (tracemalloc)")

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
        office = self.cast.office
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


def find_cast() -> Cast:
    office = User.objects.filter(role=User.Role.OFFICE, is_active=True).order_by("id").first()
    leader = User.objects.filter(role=User.Role.LEADER, is_active=True).order_by("id").first()
    busiest = (
        Measure.objects.exclude(lead_unit=None)
        .values("lead_unit")
        .annotate(n=Count("id"))
        .order_by("-n", "lead_unit")
        .first()
    )
    liaison = None
    if busiest is not None:
        liaison = (
            User.objects.filter(
                role=User.Role.LIAISON, is_active=True, unit_id=busiest["lead_unit"]
            )
            .order_by("id")
            .first()
        )
    largest = (
        Measure.objects.values("problem__round")
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
    )


class Command(BaseCommand):
    help = (
        "Time each hot path in-process through the URL stack (middleware included) as a "
        "given user: median and p95 ms, SQL query count, and for the aggregates a raw SQL "
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
            "--reset-reminders",
            action="store_true",
            help="Delete every reminder log, notification, delivery, escalation and digest, "
            "and put every measure back at its first rung, before the sweep, so that the "
            "first sweep is a first sweep again.",
        )

    def handle(self, *args, **options) -> None:
        if options["repeat"] < 1 or options["sweep_repeat"] < 1:
            raise CommandError("--repeat and --sweep-repeat must be at least 1")
        names = [n for n in SCENARIOS if not options["only"] or n in options["only"]]
        if options["skip_sweep"]:
            names = [n for n in names if n not in SWEEP_SCENARIOS]
        cast = find_cast()
        self.stdout.write(
            f"{cast.measures:,} measures; largest round {cast.largest_round} "
            f"({cast.largest_round_measures:,} measures); office {cast.office.username}, "
            f"leader {cast.leader.username}, liaison {cast.liaison.username}"
        )
        bench = Bench(
            cast=cast,
            repeat=options["repeat"],
            sweep_repeat=options["sweep_repeat"],
            log=self.stdout.write,
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
        report = {
            "measures": cast.measures,
            "as_of": bench.day.isoformat(),
            "repeat": options["repeat"],
            "database": f"{connection.display_name} "
            + ".".join(str(part) for part in connection.get_database_version()),
            "scenarios": bench.results,
        }
        # The test client's host; pages and the API refuse unknown hosts.
        with override_settings(ALLOWED_HOSTS=[*settings.ALLOWED_HOSTS, "testserver"]):
            for name in names:
                getattr(bench, name)()
                # Written after every scenario: a long run cut short keeps what it measured.
                if options["json"]:
                    self.write_json(path=options["json"], report=report)
        if options["json"]:
            self.stdout.write(f"Wrote {options['json']}")

    @staticmethod
    def write_json(*, path: Path, report: dict) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n")
