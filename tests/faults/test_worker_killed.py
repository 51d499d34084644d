"""A Celery worker killed (SIGKILL) in the middle of the reminder sweep, and the sweep run
again on a new worker: every reminder is recorded and e-mailed exactly once."""

from __future__ import annotations

import datetime
from collections import Counter

import pytest

from accounts.models import User
from config.celery import app as celery_app
from reminders.models import Notification, ReminderDelivery, ReminderLog
from reminders.tasks import send_reminders
from tests.factories import MeasureFactory, UnitFactory, UserFactory

from .workers import Worker, emails_sent, wait_for

pytestmark = [
    pytest.mark.faults,
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.django_db(transaction=True),
]

DAY = datetime.date(2026, 11, 10)
UNITS = 12
MEASURES_PER_UNIT = 25


def test_a_sweep_killed_half_way_and_rerun_sends_every_reminder_once(tmp_path, problem, office):
    units = [UnitFactory(name=f"单位{n:02d}") for n in range(UNITS)]
    for n, unit in enumerate(units):
        UserFactory(username=f"liaison{n:02d}", role=User.Role.LIAISON, unit=unit)
        for m in range(MEASURES_PER_UNIT):
            MeasureFactory(
                problem=problem,
                seq=1 + n * MEASURES_PER_UNIT + m,
                lead_unit=unit,
                deadline=DAY + datetime.timedelta(days=5),
            )
    expected = UNITS * MEASURES_PER_UNIT  # one yellow reminder per measure, to its liaison
    celery_app.control.purge()

    # Small chunks: the sweep commits as it goes, so a kill lands between two commits.
    first = Worker(tmp_path, "first", REMINDER_SWEEP_CHUNK="5")
    try:
        send_reminders.delay(as_of=DAY.isoformat())
        wait_for(lambda: Notification.objects.exists(), "the sweep to start", seconds=90, step=0.02)
        first.kill()
    finally:
        first.stop()
    at_kill = Notification.objects.count()

    second = Worker(tmp_path, "second")
    try:
        send_reminders.delay(as_of=DAY.isoformat())
        wait_for(
            lambda: Notification.objects.count() == expected
            and ReminderDelivery.objects.filter(channel="email").count() >= UNITS
            and not ReminderDelivery.objects.exclude(status=ReminderDelivery.Status.SENT).exists(),
            "the rerun to record and send everything",
            seconds=150,
        )
        # Whatever the killed worker left queued or half-sent: a further sweep sends it.
        send_reminders.delay(as_of=DAY.isoformat())
        wait_for(
            lambda: not ReminderDelivery.objects.exclude(
                status=ReminderDelivery.Status.SENT
            ).exists(),
            "a last sweep",
        )
    finally:
        second.stop()

    keys = Counter(ReminderLog.objects.values_list("measure_id", "recipient_id", "kind"))
    assert len(keys) == expected and set(keys.values()) == {1}
    assert Notification.objects.count() == expected
    every_log_mailed = not ReminderLog.objects.filter(email_delivery__isnull=True).exists()
    assert every_log_mailed
    sent_to = Counter(emails_sent(tmp_path))
    recipients = ReminderDelivery.objects.filter(channel="email").values("recipient").distinct()
    assert set(sent_to.values()) == {1} and len(sent_to) == recipients.count(), sent_to
    print(
        f"worker killed: {at_kill} of {expected} reminders recorded at the kill; after the "
        f"rerun {Notification.objects.count()} recorded, {sum(sent_to.values())} e-mails "
        f"to {len(sent_to)} recipients, 0 lost, 0 doubled"
    )
