"""A real round trip: the sweep task through Redis to a Celery worker, and back as rows."""

from __future__ import annotations

import datetime
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection

from config.celery import app as celery_app
from reminders.models import Notification, ReminderDelivery
from reminders.tasks import send_reminders
from tests.factories import MeasureFactory

DAY = datetime.date(2026, 11, 10)
WAIT_SECONDS = 90
BASE_DIR = Path(__file__).resolve().parents[2]


def worker_database_url() -> str:
    """DATABASE_URL of the database this test runs on (pytest's test database)."""
    db = connection.settings_dict
    auth = quote(db["USER"] or "")
    if db["PASSWORD"]:
        auth += ":" + quote(db["PASSWORD"])
    host = db["HOST"] or "127.0.0.1"
    port = db["PORT"] or 5432
    return f"postgres://{auth}@{host}:{port}/{db['NAME']}"


@pytest.fixture
def worker(tmp_path):
    """A real `celery -A config worker` on the test database and the Redis broker."""
    # Anything left in the queue by an earlier run must not reach this worker.
    celery_app.control.purge()
    env = {
        **os.environ,
        "DATABASE_URL": worker_database_url(),
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        "REDIS_URL": settings.REDIS_URL,
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend",
        "VAR_DIR": str(tmp_path),
        "DB_CONN_MAX_AGE": "0",
    }
    log = open(tmp_path / "worker.log", "w+")  # noqa: SIM115 — closed below
    process = subprocess.Popen(
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
        ],
        cwd=BASE_DIR,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    yield process
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    log.seek(0)
    print(log.read())  # shown by pytest when the test fails
    log.close()


def wait_for(condition, what: str):
    """Poll the database until `condition()` holds, for a bounded time."""
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.5)
    pytest.fail(f"gave up after {WAIT_SECONDS} s waiting for {what}")


@pytest.mark.redis
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_sweep_task_runs_on_a_real_worker_through_redis(
    worker, problem, unit_a, liaison_a, office
):
    due = MeasureFactory(problem=problem, lead_unit=unit_a, deadline=DAY + datetime.timedelta(5))

    send_reminders.delay(as_of=DAY.isoformat())

    notice = wait_for(
        lambda: Notification.objects.filter(recipient=liaison_a, measure=due).first(),
        "the worker's sweep to write the liaison's notification",
    )
    assert notice.kind == "yellow"
    # The sweep queued the email as its own task, which the same worker then sent.
    email = wait_for(
        lambda: ReminderDelivery.objects.filter(
            recipient=liaison_a, status=ReminderDelivery.Status.SENT
        ).first(),
        "the worker to send the email",
    )
    assert email.items == 1
    assert worker.poll() is None  # the worker is still alive: nothing crashed it
