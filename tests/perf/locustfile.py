"""Load test: the day's mix of liaisons, office staff and leaders against a running server.

Not a pytest module (its name does not start with test_). `manage.py loadtest` (or
scripts/loadtest.sh) starts gunicorn on loopback, signs every account in once, then runs
this file headless at rising user counts and finds the highest request rate whose p95
stays under 500 ms without errors (docs/performance.md, "Load test"). By hand:

    .venv/bin/locust -f tests/perf/locustfile.py --host http://127.0.0.1:8765 \\
        --headless --users 20 --spawn-rate 20 --run-time 60s --only-summary

The mix, by simulated users: 70 % liaisons on their tasks and their unit's measures, 20 %
office staff on the workbench, the lists and the search, 10 % leaders on the dashboard.
Each simulated user signs in as an account of its own, taken in turn from
TRACKER_LIAISONS (comma-separated; default liaison68_1,liaison68_2), TRACKER_OFFICE
(default office1 … office8) and TRACKER_LEADERS (default leader1 … leader6), password
TRACKER_PASSWORD (demo12345): a generated account's password is rehashed at its first
sign-in (the demo salt is too short for Django), and two first sign-ins at once leave one
session bound to a stale hash (403). `loadtest` signs each account in once beforehand.
TRACKER_ROUND (default 239; `loadtest` passes the largest) is the round the office opens;
TRACKER_OFFICE_PAGES (200) and TRACKER_LIAISON_PAGES (20) the deepest list pages asked for
(`loadtest` passes fewer on a smaller data set, where a page past the last is a 404).
With TRACKER_SUMMARY set to a path, the run writes there the figures of its requests after
sign-in (count, failures, rate, median and p95 in ms), which `loadtest` reads.
"""

from __future__ import annotations

import json
import math
import os
import random
import time
from typing import Any

from locust import HttpUser, between, events, task

PASSWORD = os.environ.get("TRACKER_PASSWORD", "demo12345")
LIAISONS = os.environ.get("TRACKER_LIAISONS", "liaison68_1,liaison68_2").split(",")
OFFICE = os.environ.get("TRACKER_OFFICE", ",".join(f"office{n}" for n in range(1, 9))).split(",")
LEADERS = os.environ.get("TRACKER_LEADERS", ",".join(f"leader{n}" for n in range(1, 7))).split(",")
ROUND = os.environ.get("TRACKER_ROUND", "239")
SEARCH = os.environ.get("TRACKER_SEARCH", "制度")
# The deepest pages to ask for (a smaller data set has fewer: a page past the last is 404).
OFFICE_PAGES = int(os.environ.get("TRACKER_OFFICE_PAGES", "200"))
LIAISON_PAGES = int(os.environ.get("TRACKER_LIAISON_PAGES", "20"))
SIGN_IN = "/login/"

# Requests after sign-in, for the summary: (seconds since start, ms, failed).
_samples: list[tuple[float, float, bool]] = []
_started = time.monotonic()


@events.request.add_listener
def _sample(name: str, response_time: float, exception: Any, **_kwargs: Any) -> None:
    if not name.startswith(SIGN_IN):
        _samples.append((time.monotonic(), response_time, exception is not None))


@events.test_start.add_listener
def _start(**_kwargs: Any) -> None:
    global _started
    _started = time.monotonic()
    _samples.clear()


def _nearest_rank(ordered: list[float], share: float) -> float:
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)] if ordered else 0.0


@events.quitting.add_listener
def _write_summary(**_kwargs: Any) -> None:
    path = os.environ.get("TRACKER_SUMMARY")
    if not path:
        return
    times = sorted(ms for _at, ms, _failed in _samples)
    first = min((at for at, _ms, _failed in _samples), default=_started)
    last = max((at for at, _ms, _failed in _samples), default=_started)
    seconds = max(last - first, 1e-9)
    summary = {
        "requests": len(times),
        "failures": sum(1 for _at, _ms, failed in _samples if failed),
        "rps": round(len(times) / seconds, 2) if len(times) > 1 else 0.0,
        "median_ms": round(_nearest_rank(times, 0.5), 1),
        "p95_ms": round(_nearest_rank(times, 0.95), 1),
        "max_ms": round(times[-1], 1) if times else 0.0,
        "seconds": round(seconds, 1),
    }
    with open(path, "w") as handle:
        json.dump(summary, handle)


class SignedIn(HttpUser):
    """Signs in once through the login form (session and CSRF cookies), like a browser."""

    abstract = True
    wait_time = between(1, 3)
    accounts: list[str] = []
    started = 0

    def on_start(self) -> None:
        cls = type(self)
        self.username = cls.accounts[cls.started % len(cls.accounts)]
        cls.started += 1
        self.client.headers["Accept-Language"] = "zh-hans"
        self.client.get(SIGN_IN, name=SIGN_IN)
        token = self.client.cookies.get("csrftoken", "")
        self.client.post(
            SIGN_IN,
            data={"username": self.username, "password": PASSWORD, "csrfmiddlewaretoken": token},
            headers={"Referer": f"{self.host}{SIGN_IN}"},
            name=f"{SIGN_IN} (POST)",
        )

    def bell(self) -> None:
        self.client.get("/api/v1/me/", name="/api/v1/me/")


class Liaison(SignedIn):
    """A unit's liaison: what is due, the unit's measures, now and then the next page."""

    weight = 7
    accounts = LIAISONS

    @task(4)
    def task_list(self) -> None:
        self.client.get("/tasks/", name="/tasks/")
        self.bell()

    @task(3)
    def measures(self) -> None:
        self.client.get("/api/v1/measures/", name="/api/v1/measures/ (liaison)")

    @task(1)
    def next_page(self) -> None:
        page = random.randint(1, LIAISON_PAGES)
        self.client.get(f"/api/v1/measures/?page={page}", name="/api/v1/measures/?page=N (liaison)")

    @task(1)
    def problems(self) -> None:
        self.client.get("/api/v1/problems/", name="/api/v1/problems/ (liaison)")

    @task(1)
    def rounds(self) -> None:
        self.client.get("/rounds/", name="/rounds/ (liaison)")


class Office(SignedIn):
    """Office staff: the workbench first, then the lists, a search, the largest round."""

    weight = 2
    accounts = OFFICE

    @task(3)
    def workbench(self) -> None:
        self.client.get("/workbench/", name="/workbench/")
        self.bell()

    @task(2)
    def overdue(self) -> None:
        self.client.get("/api/v1/measures/?overdue=true", name="/api/v1/measures/?overdue=true")

    @task(1)
    def deep_page(self) -> None:
        page = random.randint(1, OFFICE_PAGES)
        self.client.get(f"/api/v1/measures/?page={page}", name="/api/v1/measures/?page=N")

    @task(1)
    def search(self) -> None:
        self.client.get(f"/api/v1/measures/?q={SEARCH}", name="/api/v1/measures/?q=")

    @task(1)
    def problems(self) -> None:
        self.client.get("/api/v1/problems/", name="/api/v1/problems/")

    @task(1)
    def round_page(self) -> None:
        self.client.get(f"/rounds/{ROUND}/", name="/rounds/<largest>/")
        self.client.get("/rounds/", name="/rounds/ (office)")


class Leader(SignedIn):
    """A leader: the dashboard page, then its numbers by unit and over time."""

    weight = 1
    accounts = LEADERS

    @task(3)
    def dashboard(self) -> None:
        self.client.get("/dashboard/", name="/dashboard/")
        self.bell()

    @task(1)
    def summary(self) -> None:
        self.client.get("/api/v1/dashboard/summary/", name="/api/v1/dashboard/summary/")

    @task(1)
    def units(self) -> None:
        self.client.get("/api/v1/dashboard/units/", name="/api/v1/dashboard/units/")

    @task(1)
    def trend(self) -> None:
        self.client.get("/api/v1/dashboard/trend/", name="/api/v1/dashboard/trend/")
