"""The benchmark's real-HTTP side: gunicorn on loopback, one signed-in session per account,
and the facts of the machine a figure was taken on."""

from __future__ import annotations

import os
import platform
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote

from django.conf import settings
from django.db import connection

# The PostgreSQL settings a figure depends on (docs/performance.md, deploy/postgresql.conf).
PG_SETTINGS = [
    "shared_buffers",
    "effective_cache_size",
    "work_mem",
    "maintenance_work_mem",
    "random_page_cost",
    "effective_io_concurrency",
    "max_parallel_workers_per_gather",
    "max_parallel_workers",
    "max_worker_processes",
    "jit",
    "default_statistics_target",
]


class HttpBenchError(RuntimeError):
    """gunicorn did not start, or an account could not sign in."""


def _exit_on_term(signum: int, _frame: object) -> None:
    raise SystemExit(128 + signum)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def database_url() -> str:
    """The URL of the database this process uses (under pytest: the test database)."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    user = quote(db.get("USER") or "", safe="")
    password = quote(db.get("PASSWORD") or "", safe="")
    auth = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    port = f":{db['PORT']}" if db.get("PORT") else ""
    return f"postgres://{auth}{db.get('HOST') or '127.0.0.1'}{port}/{db['NAME']}"


class HttpServer:
    """gunicorn with `workers` sync workers on 127.0.0.1, DEBUG off, on this database.

    The second factor is not asked (OTP_REQUIRED_ROLES empty) and passwords do not expire,
    so that the generated accounts sign in with their password alone, as in load_demo.
    """

    def __init__(self, *, workers: int = 2, timeout: int = 600) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.workers = workers
        self.timeout = timeout
        self.process: subprocess.Popen[bytes] | None = None
        self.sessions: dict[str, Any] = {}
        self._previous: Any = signal.SIG_DFL

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        hosts = {"127.0.0.1", "localhost", *settings.ALLOWED_HOSTS}
        env.update(
            DATABASE_URL=database_url(),
            DEBUG="0",
            ALLOWED_HOSTS=",".join(sorted(h for h in hosts if h != "*")),
            OTP_REQUIRED_ROLES="",
            PASSWORD_MAX_AGE_DAYS="0",
            # A benchmark signs every role in from one address: no lockout between runs.
            AXES_FAILURE_LIMIT="1000",
        )
        return env

    def start(self) -> None:
        command = [
            sys.executable,
            "-m",
            "gunicorn",
            "config.wsgi:application",
            "--bind",
            f"127.0.0.1:{self.port}",
            "--workers",
            str(self.workers),
            "--worker-class",
            "sync",
            "--timeout",
            str(self.timeout),
            "--log-level",
            "warning",
        ]
        self.process = subprocess.Popen(
            command, cwd=Path(settings.BASE_DIR), env=self.env(), start_new_session=True
        )
        import requests

        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise HttpBenchError(f"gunicorn exited with {self.process.returncode}")
            try:
                if requests.get(f"{self.base}/login/", timeout=5).status_code == 200:
                    break
            except requests.RequestException:
                pass
            time.sleep(0.3)
        else:
            self.stop()
            raise HttpBenchError("gunicorn did not answer /login/ within 90 s")
        # Both workers up before anything is timed.
        while len(self.worker_pids()) < self.workers and time.monotonic() < deadline:
            time.sleep(0.2)

    def stop(self) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def __enter__(self) -> HttpServer:
        # A run stopped with SIGTERM (kill, a CI timeout) still stops its gunicorn.
        self._previous = signal.signal(signal.SIGTERM, _exit_on_term)
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
        signal.signal(signal.SIGTERM, self._previous)

    def worker_pids(self) -> list[int]:
        if self.process is None:
            return []
        try:
            text = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children").read_text()
        except OSError:
            return []
        return [int(pid) for pid in text.split()]

    def sign_in(self, username: str, password: str) -> None:
        """One session per account, through the login form like a browser."""
        import requests

        session = requests.Session()
        session.headers["Accept-Language"] = "zh-hans"
        session.get(f"{self.base}/login/", timeout=60)
        response = session.post(
            f"{self.base}/login/",
            data={
                "username": username,
                "password": password,
                "csrfmiddlewaretoken": session.cookies.get("csrftoken", ""),
            },
            headers={"Referer": f"{self.base}/login/"},
            timeout=120,
            allow_redirects=False,
        )
        if response.status_code != 302 or "/login/" in response.headers.get("Location", ""):
            raise HttpBenchError(
                f"{username} could not sign in ({response.status_code}); "
                f"is the password {password!r}?"
            )
        self.sessions[username] = session

    def get(self, username: str, path: str) -> tuple[int, int]:
        """GET `path` as `username`, reading the whole body: status and body size."""
        response = self.sessions[username].get(
            f"{self.base}{path}", timeout=self.timeout, allow_redirects=False
        )
        return response.status_code, len(response.content)


def worker_peak_rss(server: HttpServer, action: Any) -> float | None:
    """Run `action` and answer the highest memory high-water mark among the workers, in MB
    (the mark is reset first through /proc/<pid>/clear_refs; Linux only)."""
    pids = server.worker_pids()
    for pid in pids:
        try:
            Path(f"/proc/{pid}/clear_refs").write_text("5")
        except OSError:
            return None
    action()
    peaks = []
    for pid in pids:
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        found = re.search(r"^VmHWM:\s+(\d+) kB", status, re.MULTILINE)
        if found:
            peaks.append(int(found.group(1)) / 1024)
    return round(max(peaks), 1) if peaks else None


def load_average() -> list[float]:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return []


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


def _memory_gib() -> float | None:
    try:
        found = re.search(r"^MemTotal:\s+(\d+) kB", Path("/proc/meminfo").read_text(), re.M)
    except OSError:
        return None
    return round(int(found.group(1)) / 2**20, 1) if found else None


def machine_facts() -> dict[str, Any]:
    """What a figure was measured on: cores, memory, versions and the database's settings."""
    import django

    facts: dict[str, Any] = {
        "cpus": os.cpu_count(),
        "cpu_model": _cpu_model(),
        "memory_gib": _memory_gib(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "django": django.get_version(),
        # The benchmark's own process (the in-process counts); gunicorn runs with DEBUG off.
        "debug_in_process": settings.DEBUG,
    }
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT name, setting, unit FROM pg_settings WHERE name = ANY(%s)", [PG_SETTINGS]
            )
            facts["postgresql_settings"] = {
                name: f"{setting}{' ' + unit if unit else ''}"
                for name, setting, unit in cursor.fetchall()
            }
    return facts
