"""Redis unreachable: the site serves and saves; reminders recorded during the outage are
delivered once Redis is back, none lost, none doubled."""

from __future__ import annotations

import datetime
from collections import Counter

import pytest
from django.core.cache import caches
from django.test import Client

from config.celery import app as celery_app
from config.throttles import ResilientScopedRateThrottle
from rectification.models import Measure
from reminders.models import Notification, ReminderDelivery
from tests.factories import MeasureFactory, UserFactory

from .workers import DEAD_REDIS, Worker, emails_sent, manage, wait_for

pytestmark = [
    pytest.mark.faults,
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.django_db(transaction=True),
]

DAY = datetime.date(2026, 11, 10)
FEEDBACK = "（一）关于“学习领会不够深刻”问题的整改\n一是制定学习计划。"


def test_with_redis_unreachable_the_site_serves_and_saves(settings, office, measure_a, monkeypatch):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": DEAD_REDIS,
        }
    }
    monkeypatch.setattr(ResilientScopedRateThrottle, "cache", caches["default"])
    client = Client()
    client.force_login(office)
    assert client.get("/rounds/").status_code == 200
    assert client.get(f"/measures/{measure_a.pk}/").status_code == 200
    saved = client.patch(
        f"/api/v1/measures/{measure_a.pk}/",
        {"text": "停电期间的修改"},
        content_type="application/json",
        HTTP_IF_MATCH='"1"',
    )
    assert saved.status_code == 200
    assert Measure.objects.get(pk=measure_a.pk).text == "停电期间的修改"
    parsed = client.post("/api/v1/feedback/parse/", {"text": FEEDBACK}, "application/json")
    assert parsed.status_code == 200


def test_reminders_recorded_during_an_outage_go_out_once_redis_is_back(
    tmp_path, problem, unit_a, unit_b, liaison_a, office
):
    from accounts.models import User

    liaison_b2 = UserFactory(username="liaison_b2", role=User.Role.LIAISON, unit=unit_b)
    for n in range(6):
        MeasureFactory(
            problem=problem,
            seq=10 + n,
            lead_unit=unit_a if n % 2 else unit_b,
            deadline=DAY + datetime.timedelta(days=5),
        )
    celery_app.control.purge()

    # The outage: the hourly sweep runs with its broker unreachable.
    outage = manage(tmp_path, "send_reminders", "--as-of", DAY.isoformat(), "--queue",
                    CELERY_BROKER_URL=DEAD_REDIS, REDIS_URL=DEAD_REDIS)  # fmt: skip
    assert outage.returncode == 0, outage.stderr[-2000:]
    notices = Notification.objects.count()
    assert notices >= 6
    pending = list(ReminderDelivery.objects.values_list("status", flat=True))
    assert pending and set(pending) == {ReminderDelivery.Status.PENDING}

    # Redis is back: a worker runs, and the next sweep queues what was left.
    worker = Worker(tmp_path, "after-outage")
    try:
        for _ in range(2):  # run twice: the second must send nothing again
            again = manage(tmp_path, "send_reminders", "--as-of", DAY.isoformat(), "--queue",
                           REMINDER_REQUEUE_MINUTES="0")  # fmt: skip
            assert again.returncode == 0, again.stderr[-2000:]
            wait_for(
                lambda: not ReminderDelivery.objects.exclude(
                    status=ReminderDelivery.Status.SENT
                ).exists(),
                "every delivery to be sent",
            )
    finally:
        worker.stop()

    deliveries = ReminderDelivery.objects.all()
    assert Notification.objects.count() == notices  # nothing recorded twice
    assert {d.attempts for d in deliveries} == {1}  # each message sent once
    sent_to = Counter(emails_sent(tmp_path))
    assert sent_to and set(sent_to.values()) == {1}, sent_to
    assert len(sent_to) == deliveries.filter(channel="email").count()
    print(
        f"redis outage: {notices} reminders recorded during the outage, "
        f"{len(sent_to)} e-mails after it, 0 lost, 0 doubled ({liaison_b2.username} included)"
    )
