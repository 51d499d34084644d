"""Load test: liaison, office and leader traffic against a running server (Locust).

Not a pytest module (its name does not start with test_). Run it against gunicorn on
loopback with a generated data set (generate_demo_data; every account's password is
demo12345), for a bounded time, headless:

    DATABASE_URL=postgres://…/tracker_bench .venv/bin/gunicorn config.wsgi \
        --bind 127.0.0.1:8765 --workers 2 &
    .venv/bin/locust -f tests/perf/locustfile.py --host http://127.0.0.1:8765 \
        --headless --users 6 --spawn-rate 6 --run-time 60s --only-summary

TRACKER_LIAISONS (default liaison68_1,liaison68_2) and TRACKER_ROUND (default 239, the
largest round of the 1M data set) name who and what to ask for; office and leader users
take office1, office2 … and leader1, leader2 … in turn. Each simulated user signs in as its
own account: the generated accounts' passwords are rehashed at their first sign-in (the
fixed demo salt is too short for Django), which ends the other sessions of that account.
See docs/performance.md for the figures.
"""

from __future__ import annotations

import os
import random

from locust import HttpUser, between, task

PASSWORD = os.environ.get("TRACKER_PASSWORD", "demo12345")
LIAISONS = os.environ.get("TRACKER_LIAISONS", "liaison68_1,liaison68_2").split(",")
ROUND = os.environ.get("TRACKER_ROUND", "239")


class SignedIn(HttpUser):
    """Signs in once through the login form (session and CSRF cookies), like a browser."""

    abstract = True
    wait_time = between(0.5, 2)
    accounts: list[str] = []
    started = 0

    def on_start(self) -> None:
        cls = type(self)
        self.username = cls.accounts[cls.started % len(cls.accounts)]
        cls.started += 1
        self.client.get("/login/", name="/login/")
        token = self.client.cookies.get("csrftoken", "")
        self.client.post(
            "/login/",
            data={"username": self.username, "password": PASSWORD, "csrfmiddlewaretoken": token},
            headers={"Referer": f"{self.host}/login/"},
            name="/login/ (POST)",
        )

    def bell(self) -> None:
        self.client.get("/api/v1/me/", name="/api/v1/me/")


class Liaison(SignedIn):
    weight = 3
    accounts = LIAISONS

    @task(3)
    def measures(self) -> None:
        self.client.get("/api/v1/measures/", name="/api/v1/measures/ (liaison)")
        self.bell()

    @task(2)
    def task_list(self) -> None:
        self.client.get("/tasks/", name="/tasks/")

    @task(1)
    def rounds(self) -> None:
        self.client.get("/api/v1/rounds/", name="/api/v1/rounds/ (liaison)")
        self.client.get("/rounds/", name="/rounds/ (liaison)")


class Office(SignedIn):
    weight = 2
    accounts = [f"office{n}" for n in range(1, 9)]

    @task(2)
    def problems(self) -> None:
        self.client.get("/api/v1/problems/", name="/api/v1/problems/")
        self.bell()

    @task(2)
    def overdue(self) -> None:
        self.client.get("/api/v1/measures/?overdue=true", name="/api/v1/measures/?overdue=true")

    @task(1)
    def deep_page(self) -> None:
        page = random.randint(1, 200)
        self.client.get(f"/api/v1/measures/?page={page}", name="/api/v1/measures/?page=N")

    @task(1)
    def round_page(self) -> None:
        self.client.get(f"/rounds/{ROUND}/", name="/rounds/<largest>/")

    @task(1)
    def workbench(self) -> None:
        self.client.get("/workbench/", name="/workbench/")
        self.client.get("/rounds/", name="/rounds/ (office)")


class Leader(SignedIn):
    weight = 1
    accounts = [f"leader{n}" for n in range(1, 7)]

    @task(2)
    def dashboard(self) -> None:
        self.client.get("/api/v1/dashboard/summary/", name="/api/v1/dashboard/summary/")
        self.bell()

    @task(1)
    def round_stats(self) -> None:
        self.client.get(f"/api/v1/rounds/{ROUND}/stats/", name="/api/v1/rounds/<largest>/stats/")
