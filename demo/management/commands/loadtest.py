"""Step the load up until it breaks: `manage.py loadtest`.

Starts gunicorn on loopback (2 sync workers, DEBUG off, this database), signs every account
the mix uses in once (a generated account's password is rehashed at its first sign-in),
then runs tests/perf/locustfile.py headless at each user count in turn. A step passes when
its requests after sign-in have a p95 under --p95-ms and no error; the answer is the highest
request rate of a passing step. The steps stop at the first that fails.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import Count

from accounts.models import User
from accounts.selectors import jurisdictions_above
from demo.httpbench import HttpServer, load_average, machine_facts
from inspections.models import InspectionRound
from rectification.models import Measure
from rectification.selectors import measures_visible_to

LOCUSTFILE = Path(settings.BASE_DIR) / "tests" / "perf" / "locustfile.py"
# The mix of the locustfile, by simulated users.
SHARES = {"liaison": 0.7, "office": 0.2, "leader": 0.1}
PAGE_SIZE = 50  # the API's page (config.api)


def busiest_liaisons(count: int) -> list[str]:
    """Liaisons of the units that lead the most measures, one account per unit first."""
    units = list(
        Measure.objects.exclude(lead_unit=None)
        .values_list("lead_unit", flat=True)
        .annotate(n=Count("id"))
        .order_by("-n", "lead_unit")
    )
    rank = {unit: position for position, unit in enumerate(units)}
    liaisons = list(
        User.objects.filter(role=User.Role.LIAISON, is_active=True, unit__in=units)
        .order_by("username")
        .values_list("username", "unit_id")
    )
    # Round-robin over units: the first account of every unit, then the second, …
    seen: dict[int, int] = {}
    keyed = []
    for username, unit_id in liaisons:
        seen[unit_id] = seen.get(unit_id, 0) + 1
        keyed.append((seen[unit_id], rank[unit_id], username))
    return [username for *_key, username in sorted(keyed)][:count]


def pages(rows: int, most: int) -> int:
    return max(1, min(most, math.ceil(rows / PAGE_SIZE)))


def largest_round() -> int | None:
    largest = (
        Measure.objects.values("problem__round")
        .annotate(n=Count("id"))
        .order_by("-n", "problem__round")
        .first()
    )
    return largest["problem__round"] if largest else None


def accounts(role: str, round_id: int | None = None) -> list[str]:
    """The active accounts of `role`; with `round_id`, only those who see that round (its
    jurisdiction's staff and those above it): a county's office opening a province's round
    would count a 404 as an error of the site."""
    users = User.objects.filter(role=role, is_active=True)
    if round_id is not None:
        jurisdiction = InspectionRound.objects.values_list("jurisdiction_id", flat=True).get(
            pk=round_id
        )
        users = users.filter(jurisdiction_id__in=jurisdictions_above(jurisdiction))
    return list(users.order_by("id").values_list("username", flat=True))


class Command(BaseCommand):
    help = (
        "Run the Locust mix (70% liaisons, 20% office, 10% leaders) against gunicorn on "
        "loopback at rising user counts; report each step and the highest request rate "
        "with p95 under the limit and no errors."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--users",
            default="5,10,20,40,80",
            help="Comma-separated user counts, in the order they are run.",
        )
        parser.add_argument("--run-time", default="60s", help="Length of each step (Locust).")
        parser.add_argument(
            "--p95-ms", type=float, default=500.0, help="The p95 a step must stay under."
        )
        parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers.")
        parser.add_argument("--password", default="demo12345")
        parser.add_argument(
            "--round", type=int, help="The round the office opens (default: the largest)."
        )
        parser.add_argument("--json", type=Path, help="Write the steps to this JSON file.")
        parser.add_argument(
            "--keep-going",
            action="store_true",
            help="Run every step even after one fails.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            steps = [int(n) for n in options["users"].split(",") if n.strip()]
        except ValueError:
            raise CommandError("--users takes whole numbers separated by commas") from None
        if not steps or min(steps) < 1:
            raise CommandError("--users needs at least one count of 1 or more")
        most = max(steps)
        liaisons = busiest_liaisons(max(1, round(most * SHARES["liaison"]) + 1))
        round_id = options["round"] or largest_round()
        office, leaders = accounts(User.Role.OFFICE, round_id), accounts(User.Role.LEADER)
        if not (liaisons and office and leaders):
            raise CommandError("No liaisons, office staff or leaders: run generate_demo_data.")
        report: dict[str, Any] = {
            "round": round_id,
            "machine": machine_facts(),
            "workers": options["workers"],
            "p95_limit_ms": options["p95_ms"],
            "run_time": options["run_time"],
            "accounts": {"liaison": len(liaisons), "office": len(office), "leader": len(leaders)},
            "measures": Measure.objects.count(),
            "steps": [],
        }
        with HttpServer(workers=options["workers"]) as server:
            self.stdout.write(f"gunicorn on {server.base}, {options['workers']} sync workers")
            for username in [*liaisons, *office, *leaders]:
                server.sign_in(username, options["password"])
            self.stdout.write(
                f"Signed in {len(liaisons)} liaisons, {len(office)} office, {len(leaders)} leaders"
            )
            env = {
                **os.environ,
                "TRACKER_LIAISONS": ",".join(liaisons),
                "TRACKER_OFFICE": ",".join(office),
                "TRACKER_LEADERS": ",".join(leaders),
                "TRACKER_PASSWORD": options["password"],
                "TRACKER_ROUND": str(round_id),
                # No page past the last: the office's list, and the smallest liaison scope.
                "TRACKER_OFFICE_PAGES": str(pages(Measure.objects.count(), 200)),
                "TRACKER_LIAISON_PAGES": str(
                    pages(
                        min(
                            measures_visible_to(u).count()
                            for u in User.objects.filter(username__in=liaisons)
                        ),
                        20,
                    )
                ),
            }
            best: dict[str, Any] | None = None
            for users in steps:
                step = self.step(server, users, options["run_time"], env)
                step["passed"] = step["failures"] == 0 and step["p95_ms"] < options["p95_ms"]
                report["steps"].append(step)
                self.stdout.write(
                    f"{users:>4} users: {step['rps']:>7.2f} req/s, median {step['median_ms']} ms, "
                    f"p95 {step['p95_ms']} ms, {step['failures']} errors of {step['requests']}, "
                    f"load {' '.join(str(x) for x in step['load_avg'])}: "
                    f"{'pass' if step['passed'] else 'FAIL'}"
                )
                if step["passed"] and (best is None or step["rps"] > best["rps"]):
                    best = step
                if options["json"]:
                    self.write(options["json"], report)
                if not step["passed"] and not options["keep_going"]:
                    break
        report["best"] = best
        if options["json"]:
            self.write(options["json"], report)
        if best is None:
            self.stdout.write(f"No step kept p95 under {options['p95_ms']:g} ms without errors.")
        else:
            self.stdout.write(
                f"Highest passing rate: {best['rps']} req/s at {best['users']} users "
                f"(p95 {best['p95_ms']} ms)"
            )

    def step(self, server: HttpServer, users: int, run_time: str, env: dict) -> dict[str, Any]:
        with tempfile.TemporaryDirectory() as folder:
            summary = Path(folder) / "summary.json"
            command = [
                sys.executable,
                "-m",
                "locust",
                "-f",
                str(LOCUSTFILE),
                "--host",
                server.base,
                "--headless",
                "--users",
                str(users),
                "--spawn-rate",
                str(users),
                "--run-time",
                run_time,
                "--only-summary",
                "--csv",
                str(Path(folder) / "stats"),
                "--loglevel",
                "WARNING",
            ]
            done = subprocess.run(
                command,
                env={**env, "TRACKER_SUMMARY": str(summary)},
                capture_output=True,
                text=True,
                check=False,
            )
            if not summary.exists():
                raise CommandError(
                    f"Locust wrote no summary (exit {done.returncode}):\n{done.stderr[-2000:]}"
                )
            figures = json.loads(summary.read_text())
            stats = Path(folder) / "stats_stats.csv"
            endpoints = stats.read_text() if stats.exists() else ""
        return {"users": users, **figures, "load_avg": load_average(), "endpoints_csv": endpoints}

    @staticmethod
    def write(path: Path, report: dict) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n")
