"""Celery tasks: thin fronts over the reminder service and the security log's retention, and
the only module of the project that knows Celery."""

from __future__ import annotations

import datetime
import logging

from celery import shared_task
from celery.utils.time import get_exponential_backoff_interval
from django.conf import settings

from audit import security_log
from rectification import rollups

from . import services as reminders

logger = logging.getLogger(__name__)


@shared_task(name="reminders.tasks.send_reminders")
def send_reminders(as_of: str | None = None) -> dict:
    """The hourly reminder sweep (beat); `as_of` is an ISO date, today when omitted."""
    day = datetime.date.fromisoformat(as_of) if as_of else None
    if day is None:
        count_the_day()
    return reminders.sweep(as_of=day, dispatch=queue_delivery).as_dict()


def count_the_day() -> None:
    """Recount the dashboard's day rollup once the day has turned (rollups.advance_day): the
    first sweep of a day does it, the others find it done with one query. A failure is
    logged and never stops the sweep: until it succeeds the numbers are read from the
    deadline cells, exact but slower."""
    try:
        if rollups.advance_day():
            logger.info("day rollup recounted for a new day")
    except Exception:
        logger.exception("day rollup not recounted; the numbers are read from the cells")


def queue_delivery(delivery_id: int) -> None:
    """Hand one delivery to a Celery worker: the sweep's dispatch in production.

    With the broker unreachable the delivery stays pending in the outbox, where a later
    sweep finds it and queues it again (reminders._requeue_unsent): nothing is lost, and
    the sweep that recorded it is not failed by the outage.
    """
    try:
        deliver_reminder.apply_async((delivery_id,), retry=False)
    except Exception:
        logger.warning(
            "broker unreachable: reminder delivery %s left for the next sweep", delivery_id
        )


@shared_task(bind=True, name="reminders.tasks.deliver_reminder")
def deliver_reminder(self, delivery_id: int) -> str:
    """Send one reminder email or chat-robot message; a failure is retried with back-off."""
    try:
        return reminders.deliver(delivery_id)
    except reminders.DeliveryFailed as exc:
        # 30 s, 1 min, 2 min … up to 10 min, jittered so a recovering server is not stormed.
        countdown = get_exponential_backoff_interval(
            factor=30, retries=self.request.retries, maximum=600, full_jitter=True
        )
        raise self.retry(
            exc=exc, countdown=countdown, max_retries=settings.REMINDER_DELIVERY_RETRIES
        ) from exc


@shared_task(name="reminders.tasks.prune_security_log")
def prune_security_log() -> dict:
    """Daily (beat): the security log's rows past their retention, exported, then pruned.

    It lives here because this is the one module that knows Celery; the work is the audit
    app's."""
    pruned = security_log.prune()
    return {"pruned": pruned.count, "file": str(pruned.file or "")}
