"""The stack an office runs, exercised over HTTP: the site under gunicorn on the production
settings, a Celery worker and beat, PostgreSQL and Redis, each started with the script that
docker-compose.yml runs (deploy/web, deploy/worker, deploy/beat).

An office clerk signs in with the password and the authenticator's code and opens the
dashboard; the reminder sweep runs on the worker through the
broker, however often it is queued, and each recipient gets exactly one message; the worker is
killed in the middle of its deliveries and started again, and nothing is lost or doubled.
"""

from __future__ import annotations

import datetime
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
import requests
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import User
from audit.events import SecurityKind
from audit.models import SecurityEvent
from config.celery import app as celery_app
from reminders.models import ReminderDelivery, ReminderLog
from reminders.tasks import send_reminders
from tests.factories import MeasureFactory, UnitFactory, UserFactory
from tests.faults.workers import emails_sent, messages_received, service_env, wait_for

pytestmark = [
    pytest.mark.faults,
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.django_db(transaction=True),
]

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "Stack-2026-check"
DAY = datetime.date(2026, 11, 10)
UNITS = 6
MEASURES_PER_UNIT = 4


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Service:
    """One process of the stack, started by its deploy/ script with the production settings."""

    def __init__(self, tmp_path: Path, script: str, name: str, **extra: str) -> None:
        self.name = name
        self.log_path = tmp_path / f"{name}.log"
        self.log = open(self.log_path, "w+")  # noqa: SIM115 - closed in stop()
        env = service_env(
            tmp_path,
            APP_ENV="production",
            SECRET_KEY=secrets.token_urlsafe(50),
            ALLOWED_HOSTS="127.0.0.1",
            DEBUG="0",
            PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
            **extra,
        )
        self.process = subprocess.Popen(
            [str(ROOT / "deploy" / script)],
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def kill(self) -> None:
        """SIGKILL to the whole process group: the worker dies at once, mid-task."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=20)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.log.seek(0)
        print(f"--- {self.name} ---\n{self.log.read()[-4000:]}")
        self.log.close()


class Browser:
    """A client that talks to the site as the proxy in front of it would hand requests on:
    over plain HTTP on loopback, with the proxy's X-Forwarded-Proto, keeping its cookies
    (secure ones too, since the proxy's side is HTTPS)."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.cookies: dict[str, str] = {}

    def _headers(self) -> dict[str, str]:
        cookie = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        return {"X-Forwarded-Proto": "https", "Cookie": cookie, "Accept-Language": "zh-hans"}

    def _keep(self, response: requests.Response) -> requests.Response:
        for header in response.raw.headers.getlist("Set-Cookie"):
            name, _, rest = header.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]
        return response

    def get(self, path: str) -> requests.Response:
        return self._keep(
            requests.get(
                self.base + path, headers=self._headers(), allow_redirects=False, timeout=30
            )
        )

    def post(self, path: str, data: dict) -> requests.Response:
        host = self.base.split("://", 1)[1]
        headers = {**self._headers(), "Referer": f"https://{host}{path}"}
        return self._keep(
            requests.post(
                self.base + path, data=data, headers=headers, allow_redirects=False, timeout=30
            )
        )


def csrf_of(page: requests.Response) -> str:
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
    assert token, "the form carries its CSRF token"
    return token.group(1)


def sign_in(browser: Browser, username: str, device: TOTPDevice) -> None:
    """The password, then the authenticator's code: office staff need both in production."""
    form = browser.get("/login/")
    assert form.status_code == 200, form.text[:500]
    credentials = {"username": username, "password": PASSWORD}
    answer = browser.post("/login/", {**credentials, "csrfmiddlewaretoken": csrf_of(form)})
    assert answer.status_code == 302, answer.text[:500]
    assert answer.headers["Location"] == "/account/second-factor/verify/"
    assert browser.get("/dashboard/").status_code == 302, "not signed in before the code"
    step = browser.get("/account/second-factor/verify/")
    assert step.status_code == 200, step.text[:500]
    code = f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"
    verified = browser.post(
        "/account/second-factor/verify/", {"code": code, "csrfmiddlewaretoken": csrf_of(step)}
    )
    assert verified.status_code == 302, verified.text[:500]


def due_measures(problem, units, day: datetime.date, first_seq: int) -> int:
    n = first_seq
    for unit in units:
        for _ in range(MEASURES_PER_UNIT):
            MeasureFactory(problem=problem, seq=n, lead_unit=unit, deadline=day)
            n += 1
    return n


def test_the_production_stack_signs_in_serves_and_reminds_exactly_once(tmp_path, problem, settings):
    # The stack checks passwords with the production hashers, not the tests' fast one.
    from django.conf import global_settings

    settings.PASSWORD_HASHERS = global_settings.PASSWORD_HASHERS
    clerk = UserFactory(username="stackclerk", role=User.Role.OFFICE)
    clerk.set_password(PASSWORD)
    clerk.save()
    device = TOTPDevice.objects.create(user=clerk, name="authenticator", confirmed=True)
    units = [UnitFactory(name=f"单位{n:02d}") for n in range(UNITS)]
    for n, unit in enumerate(units):
        UserFactory(
            username=f"liaison{n:02d}",
            role=User.Role.LIAISON,
            unit=unit,
            email=f"liaison{n:02d}@example.gov.cn",
        )
    # Yellow on DAY (10 days before the deadline), red on the day after the deadline.
    next_seq = due_measures(problem, units, DAY + datetime.timedelta(days=5), 1)
    celery_app.control.purge()

    port = free_port()
    static = tmp_path / "static"
    collected = subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput"],
        cwd=ROOT,
        env=service_env(
            tmp_path,
            APP_ENV="production",
            SECRET_KEY="collect",
            ALLOWED_HOSTS="x",
            VAR_DIR=str(tmp_path),
        ),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert collected.returncode == 0, collected.stderr[-2000:]
    assert static.parent.exists()
    stack = {"REMINDER_REQUEUE_MINUTES": "0", "REMINDER_SWEEP_CHUNK": "3"}
    web = Service(tmp_path, "web", "web", BIND=f"127.0.0.1:{port}", WEB_WORKERS="2", **stack)
    beat = Service(tmp_path, "beat", "beat", BEAT_SCHEDULE=str(tmp_path / "beat-schedule"))
    worker = Service(tmp_path, "worker", "first", WORKER_CONCURRENCY="1", **stack)
    services = [web, beat, worker]
    try:
        browser = Browser(f"http://127.0.0.1:{port}")
        wait_for(lambda: _answers(browser), "gunicorn to answer", seconds=120)
        sign_in(browser, "stackclerk", device)
        dashboard = browser.get("/dashboard/")
        assert dashboard.status_code == 200 and "驾驶舱" in dashboard.text
        assert dashboard.headers["Strict-Transport-Security"].startswith("max-age=")
        # The security log of the stack has the sign-in, once, from the proxy's client.
        login = SecurityEvent.objects.get(kind=SecurityKind.LOGIN, actor_name="stackclerk")
        assert login.detail["via"] == "local" and login.address == "127.0.0.1"
        assert beat.process.poll() is None, "beat runs beside the worker"

        # The sweep, queued three times through the broker: one message per liaison.
        for _ in range(3):
            send_reminders.delay(as_of=DAY.isoformat())
        wait_for(lambda: _all_sent(UNITS), "the first sweep's messages", seconds=180)
        first = Counter(emails_sent(tmp_path))
        assert len(first) == UNITS and set(first.values()) == {1}, first

        # The next rung, and the worker killed as soon as its first message is out.
        red_day = DAY + datetime.timedelta(days=6)
        send_reminders.delay(as_of=red_day.isoformat())
        wait_for(
            lambda: len(emails_sent(tmp_path)) > UNITS,
            "the second sweep to deliver",
            seconds=180,
            step=0.01,
        )
        worker.kill()
        services.remove(worker)
        second = Service(tmp_path, "worker", "second", WORKER_CONCURRENCY="1", **stack)
        services.append(second)
        send_reminders.delay(as_of=red_day.isoformat())
        wait_for(lambda: _all_sent(2 * UNITS), "the rerun to send what is left", seconds=180)
    finally:
        for service in services:
            service.stop()

    # A message the killed worker had sent but not yet recorded goes out again on the rerun,
    # under its own Message-ID: one message to its reader (reminders.services.message_id).
    received = messages_received(tmp_path)
    assert all(mid.startswith("<reminder-delivery-") for _to, mid in received), received
    per_recipient = Counter(to for to, _mid in set(received))
    liaisons = {to: n for to, n in per_recipient.items() if "liaison" in to}
    assert len(liaisons) == UNITS and set(liaisons.values()) == {2}, per_recipient
    # The red rung escalates to the office: the clerk's digest, once, however often it ran.
    assert per_recipient["stackclerk@example.gov.cn"] == 1, per_recipient
    assert len(per_recipient) == UNITS + 1, per_recipient
    keys = Counter(ReminderLog.objects.values_list("measure_id", "recipient_id", "kind"))
    assert set(keys.values()) == {1}
    assert not ReminderLog.objects.filter(email_delivery__isnull=True).exists()
    assert next_seq == 1 + UNITS * MEASURES_PER_UNIT


def _answers(browser: Browser) -> bool:
    try:
        return browser.get("/login/").status_code == 200
    except requests.ConnectionError:
        return False


def _all_sent(expected_messages: int) -> bool:
    emails = ReminderDelivery.objects.filter(channel="email")
    return (
        emails.count() >= expected_messages
        and not emails.exclude(status=ReminderDelivery.Status.SENT).exists()
    )
