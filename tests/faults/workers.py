"""Real Celery workers for the fault tests: started on the test database, killed at will."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings

from tests.rectification.test_celery_redis import BASE_DIR, worker_database_url

DEAD_REDIS = "redis://127.0.0.1:6399/12"  # nothing listens there: Redis "unreachable"


def service_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": worker_database_url(),
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        "REDIS_URL": settings.REDIS_URL,
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(tmp_path / "mail"),
        "VAR_DIR": str(tmp_path),
        "DB_CONN_MAX_AGE": "0",
        **extra,
    }


class Worker:
    def __init__(self, tmp_path: Path, name: str, **extra: str) -> None:
        self.log_path = tmp_path / f"{name}.log"
        self.log = open(self.log_path, "w+")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "--pool=solo",
                "--loglevel=INFO",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "-n",
                f"{name}@%h",
            ],
            cwd=BASE_DIR,
            env=service_env(tmp_path, **extra),
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )

    def kill(self) -> None:
        """SIGKILL: the worker dies at once, in the middle of whatever it does."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=20)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.seek(0)
        print(self.log.read())
        self.log.close()


def manage(tmp_path: Path, *args: str, **extra: str) -> subprocess.CompletedProcess:
    """`manage.py …` in a process of its own, on the test database."""
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env=service_env(tmp_path, **extra),
        capture_output=True,
        text=True,
        timeout=120,
    )


def messages_received(tmp_path: Path) -> list[tuple[str, str]]:
    """(To:, Message-ID:) of every message the file e-mail backend wrote: a message sent
    again under the same identifier is one message to its reader."""
    folder = tmp_path / "mail"
    if not folder.exists():
        return []
    found = []
    for file in sorted(folder.iterdir()):
        for message in file.read_text().split("\n" + "-" * 79 + "\n"):
            headers = dict(
                line.split(": ", 1) for line in message.splitlines() if ": " in line[:40]
            )
            if "To" in headers:
                found.append((headers["To"], headers.get("Message-ID", "")))
    return found


def emails_sent(tmp_path: Path) -> list[str]:
    """The To: line of every message the file e-mail backend wrote."""
    folder = tmp_path / "mail"
    if not folder.exists():
        return []
    lines = []
    for file in sorted(folder.iterdir()):
        lines += [line for line in file.read_text().splitlines() if line.startswith("To: ")]
    return lines


def wait_for(condition, what: str, seconds: float = 90, step: float = 0.2):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(step)
    pytest.fail(f"gave up after {seconds} s waiting for {what}")
