"""Run the reminder sweep by hand: `manage.py send_reminders [--as-of YYYY-MM-DD] [--dry-run]`."""

from __future__ import annotations

import datetime

from django.core.management.base import BaseCommand, CommandError, CommandParser

from reminders import services as reminders
from reminders import tasks
from reminders.models import ReminderDelivery


def iso_date(value: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--as-of must be a date like 2026-12-01, not {value!r}") from None


class Command(BaseCommand):
    help = (
        "Send the deadline, progress and review reminders that are due (the same sweep that "
        "Celery beat runs every hour). Each reminder goes out once, however often this runs."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--as-of", type=iso_date, help="Sweep as of this day (default: today).")
        parser.add_argument(
            "--dry-run", action="store_true", help="Count what is due; write and send nothing."
        )
        parser.add_argument(
            "--queue",
            action="store_true",
            help="Hand emails and chat-robot messages to Celery workers instead of sending "
            "them from this process.",
        )

    def handle(self, *args, as_of=None, dry_run=False, queue=False, **options) -> None:
        dispatch = tasks.queue_delivery if queue else reminders.deliver_now
        if as_of is None and not dry_run:
            tasks.count_the_day()
        result = reminders.sweep(as_of=as_of, dry_run=dry_run, dispatch=dispatch)
        verb = "would send" if dry_run else "sent"
        self.stdout.write(f"Reminders as of {result.as_of}: {verb} {result.total}")
        for kind in reminders.SEVERITY:
            if result.reminders[kind]:
                self.stdout.write(f"  {kind:<26} {result.reminders[kind]}")
        if dry_run:
            return
        how = "queued for Celery" if queue else "sent from this process"
        self.stdout.write(
            f"Messages: {result.emails} email(s), {result.webhooks} chat-robot message(s), "
            f"{how}; {result.requeued} earlier unsent message(s) queued again."
        )
        failed = ReminderDelivery.objects.filter(status=ReminderDelivery.Status.FAILED).count()
        if failed:
            self.stdout.write(
                self.style.WARNING(f"{failed} message(s) failed and wait for another attempt.")
            )
