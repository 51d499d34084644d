"""Mentions in comment threads, told through the bell and the next sweep's message.

rectification.comments sends `comment_posted` inside the comment's transaction; this
receiver writes one Notification and one ReminderLog per person told. The log's unique key
(the comment, the recipient) keeps it once: an edit of the comment that still names the
person tells nobody again, and the sweep's e-mail batch carries the log like any reminder.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils import timezone
from django.utils.text import Truncator

from accounts.models import User
from rectification.comments import comment_posted

from .models import Notification, ReminderLog
from .services import Kind


def source_key(comment: Any) -> str:
    return f"{comment._meta.label_lower}:{comment.pk}"


def tell_mentioned(
    sender: Any,
    *,
    comment: Any,
    recipients: list[User],
    measure: Any,
    unit: Any,
    link: str,
    title: str,
    **kwargs: Any,
) -> list[int]:
    """The ids of the recipients told now; those told of this comment before are skipped."""
    key = source_key(comment)
    wanted = {u.pk for u in recipients}
    told_before = set(
        ReminderLog.objects.filter(source_key=key, recipient_id__in=wanted).values_list(
            "recipient_id", flat=True
        )
    )
    new = [u for u in recipients if u.pk not in told_before]
    if not new:
        return []
    now = timezone.now()
    body = f"{Truncator(comment.text).chars(200)}\n{settings.REMINDER_SITE_URL}{link}"
    notes = Notification.objects.bulk_create(
        Notification(
            recipient=u,
            kind=Kind.MENTION,
            measure=measure,
            title=title[:200],
            body=body,
            created_at=now,
        )
        for u in new
    )
    ReminderLog.objects.bulk_create(
        ReminderLog(
            kind=Kind.MENTION,
            source_key=key,
            key_date=timezone.localdate(now),
            recipient=u,
            notification=note,
            created_at=now,
        )
        for u, note in zip(new, notes, strict=True)
    )
    return [u.pk for u in new]


def connect() -> None:
    comment_posted.connect(tell_mentioned, dispatch_uid="reminders.tell_mentioned")
