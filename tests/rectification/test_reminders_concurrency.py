"""Two reminder sweeps at the same moment against PostgreSQL: nobody hears anything twice."""

from __future__ import annotations

import contextlib
import datetime
import threading
from collections import Counter

import pytest
from django.db import connection

from accounts.models import User
from reminders import services as reminders
from reminders.models import (
    Escalation,
    EscalationDigest,
    Notification,
    ReminderDelivery,
    ReminderLog,
)
from tests.factories import MeasureFactory, UserFactory

DAY = datetime.date(2026, 11, 10)


def days(n: int) -> datetime.timedelta:
    return datetime.timedelta(days=n)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_sweeps_started_together_send_each_reminder_once(
    problem, unit_a, unit_b, liaison_a, liaison_b, office, office2, monkeypatch
):
    UserFactory(username="liaison_a2", role=User.Role.LIAISON, unit=unit_a)
    for n in (20, 10, 1, -1, -8):
        MeasureFactory(problem=problem, lead_unit=unit_a, deadline=DAY + days(n))
        MeasureFactory(problem=problem, lead_unit=unit_b, deadline=DAY + days(n))
    unit_c = type(unit_a).objects.create(name="无联络员单位")
    MeasureFactory(problem=problem, lead_unit=unit_c, deadline=DAY - days(2))

    # Both sweeps look up what was sent before either inserts anything, so that both
    # really try to insert the same reminders.
    both_checked = threading.Barrier(2, timeout=10)
    real_existing_keys = reminders._existing_keys

    def existing_keys_then_wait(chunk):
        keys = real_existing_keys(chunk)
        with contextlib.suppress(threading.BrokenBarrierError):
            both_checked.wait()
        return keys

    monkeypatch.setattr(reminders, "_existing_keys", existing_keys_then_wait)
    handed_over: list[int] = []
    errors: list[BaseException] = []
    start = threading.Barrier(2)

    def run_sweep() -> None:
        try:
            start.wait()
            reminders.sweep(as_of=DAY, dispatch=handed_over.append)
        except BaseException as exc:  # reported by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run_sweep) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    # Units A (two liaisons) and B (one): green, yellow, last and two reds to each liaison;
    # the office staff are told that unit C has no liaison, and each gets one digest of the
    # five red items (two of A, two of B, one of C).
    expected = (5 * 2) + (5 * 1) + 2 + 2
    assert ReminderLog.objects.count() == expected
    assert EscalationDigest.objects.get().items == Escalation.objects.count() == 5
    assert Notification.objects.count() == expected
    per_key = Counter(
        Notification.objects.values_list("recipient_id", "measure_id", "kind", "title")
    )
    assert max(per_key.values()) == 1
    # Every reminder went into exactly one email, and every email was handed over once.
    assert not ReminderLog.objects.filter(email_delivery__isnull=True).exists()
    emails = ReminderDelivery.objects.filter(channel=ReminderDelivery.Channel.EMAIL)
    assert sum(emails.values_list("items", flat=True)) == expected
    assert sorted(handed_over) == sorted(emails.values_list("id", flat=True))
