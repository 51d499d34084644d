"""What the reminders write (DESIGN.md section 8): the bell's notifications, the messages
that carry reminders by e-mail and chat robot, the escalation digests, and the log that keeps
every reminder exactly-once."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from rectification.models import Measure


class Notification(models.Model):
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    kind = models.CharField(_("kind"), max_length=30)
    measure = models.ForeignKey(
        Measure,
        verbose_name=_("measure"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="notifications",
    )
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("body"), blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        db_table = "rectification_notification"
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["recipient", "read_at"]),
            # The bell: a user's unread notifications, however many read ones they have.
            models.Index(
                fields=["recipient"],
                condition=Q(read_at__isnull=True),
                name="notification_unread",
            ),
            models.Index(fields=["recipient", "-created_at", "-id"], name="notification_recent"),
        ]

    def __str__(self) -> str:
        return self.title


class ReminderDelivery(models.Model):
    """One email or chat-robot message carrying one sweep's reminders to one person or unit.

    It is the outbox of the reminder sweep: written with the claim of its reminders, sent
    after commit by a Celery task that retries, and kept with its status so failures show.
    """

    class Channel(models.TextChoices):
        EMAIL = "email", _("Email")
        WEBHOOK = "webhook", _("Chat robot")

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        SKIPPED = "skipped", _("Skipped (no address)")

    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    unit = models.ForeignKey(
        "accounts.Unit",
        verbose_name=_("unit"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    address = models.CharField(_("address"), max_length=500, blank=True)
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    body = models.TextField(_("body"), blank=True)
    items = models.PositiveIntegerField(_("reminders carried"), default=0)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    last_attempt_at = models.DateTimeField(_("last attempt at"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        db_table = "rectification_reminderdelivery"
        verbose_name = _("reminder delivery")
        verbose_name_plural = _("reminder deliveries")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["created_at"],
                condition=Q(status__in=["pending", "failed"]),
                name="reminderdelivery_unsent",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.channel} → {self.address or '-'} ({self.status})"


class EscalationDigest(models.Model):
    """One sweep's escalations (督办汇总): what went red and what waits for review, told
    once to each office user and to the heads of the organisations concerned, however
    many measures it counts."""

    as_of = models.DateField(_("as of"))
    items = models.PositiveIntegerField(_("items"), default=0)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        db_table = "rectification_escalationdigest"
        verbose_name = _("escalation digest")
        verbose_name_plural = _("escalation digests")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.as_of} ({self.items})"


class Escalation(models.Model):
    """One item of a digest: a measure on a red rung (the day after its deadline, then
    weekly) or a submission waiting for review. Its unique key (measure, kind, key date,
    step) makes each item escalate once; the digest that carries it is set by the
    conditional update that claims it."""

    kind = models.CharField(_("kind"), max_length=30)
    measure = models.ForeignKey(
        Measure, verbose_name=_("measure"), on_delete=models.CASCADE, related_name="+"
    )
    key_date = models.DateField(_("key date"))
    step = models.PositiveSmallIntegerField(_("step"), default=0)
    # Where the item is counted in its digest: the measure's round and lead unit then.
    round = models.ForeignKey(
        "inspections.InspectionRound",
        verbose_name=_("round"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    unit = models.ForeignKey(
        "accounts.Unit",
        verbose_name=_("lead unit"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    digest = models.ForeignKey(
        EscalationDigest,
        verbose_name=_("digest"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="escalations",
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        db_table = "rectification_escalation"
        verbose_name = _("escalation")
        verbose_name_plural = _("escalations")
        constraints = [
            models.UniqueConstraint(
                fields=["measure", "kind", "key_date", "step"], name="escalation_once"
            ),
        ]
        indexes = [
            models.Index(
                fields=["id"], condition=Q(digest__isnull=True), name="escalation_undigested"
            ),
            models.Index(fields=["digest", "round", "unit"], name="escalation_digest_groups"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.measure_id} {self.key_date} #{self.step}"


class ReminderLog(models.Model):
    """One row per reminder ever sent: its unique key is what keeps reminders exactly-once.

    The key is (measure, kind, key date, step, recipient); for a deadline reminder the key
    date is the deadline in force, so a new deadline starts a fresh ladder, and the step
    tells the weekly red warnings apart. Reminders about a unit (progress reports due, no
    liaison) have no measure and are keyed by the unit instead; those about a round's
    rectification report (due, overdue) by the report; those about the feedback due of a
    problem clue or a petition by the clue or petition, with its due date as the key date; a
    digest is told to each of its recipients once, keyed by the digest.
    """

    kind = models.CharField(_("kind"), max_length=30)
    measure = models.ForeignKey(
        Measure,
        verbose_name=_("measure"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    unit = models.ForeignKey(
        "accounts.Unit",
        verbose_name=_("unit"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    round_report = models.ForeignKey(
        "inspections.RoundReport",
        verbose_name=_("rectification report"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    # A clue's or petition's feedback due (the office's own reminders, never a unit's robot).
    clue = models.ForeignKey(
        "findings.ProblemClue",
        verbose_name=_("problem clue"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    petition = models.ForeignKey(
        "findings.Petition",
        verbose_name=_("petition"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    key_date = models.DateField(_("key date"))
    step = models.PositiveSmallIntegerField(_("step"), default=0)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    notification = models.ForeignKey(
        Notification,
        verbose_name=_("notification"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # The outbox marks: null / true until a sweep has put the reminder into a message.
    email_delivery = models.ForeignKey(
        ReminderDelivery,
        verbose_name=_("email"),
        on_delete=models.RESTRICT,
        null=True,
        blank=True,
        related_name="+",
    )
    digest = models.ForeignKey(
        EscalationDigest,
        verbose_name=_("digest"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    # What a reminder about a single record answers to (a comment that mentions the
    # recipient, "rectification.measurecomment:12"): told once, whatever its date.
    source_key = models.CharField(_("about"), max_length=80, blank=True, default="")
    webhook_pending = models.BooleanField(_("chat robot message due"), default=False)
    webhook_delivery = models.ForeignKey(
        ReminderDelivery,
        verbose_name=_("chat robot message"),
        on_delete=models.RESTRICT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        db_table = "rectification_reminderlog"
        verbose_name = _("reminder log")
        verbose_name_plural = _("reminder logs")
        constraints = [
            models.UniqueConstraint(
                fields=["measure", "kind", "key_date", "step", "recipient"],
                name="reminder_once_per_measure",
            ),
            models.UniqueConstraint(
                fields=["unit", "kind", "key_date", "recipient"],
                condition=Q(measure__isnull=True),
                name="reminder_once_per_unit",
            ),
            models.UniqueConstraint(
                fields=["digest", "recipient"],
                condition=Q(digest__isnull=False),
                name="reminder_once_per_digest",
            ),
            models.UniqueConstraint(
                fields=["round_report", "kind", "key_date", "step", "recipient"],
                condition=Q(round_report__isnull=False),
                name="reminder_once_per_round_report",
            ),
            models.UniqueConstraint(
                fields=["source_key", "recipient"],
                condition=~Q(source_key=""),
                name="reminder_once_per_source",
            ),
            models.UniqueConstraint(
                fields=["clue", "kind", "key_date", "step", "recipient"],
                condition=Q(clue__isnull=False),
                name="reminder_once_per_clue",
            ),
            models.UniqueConstraint(
                fields=["petition", "kind", "key_date", "step", "recipient"],
                condition=Q(petition__isnull=False),
                name="reminder_once_per_petition",
            ),
            models.CheckConstraint(
                condition=Q(measure__isnull=False)
                | Q(unit__isnull=False)
                | Q(digest__isnull=False)
                | Q(round_report__isnull=False)
                | Q(clue__isnull=False)
                | Q(petition__isnull=False)
                | ~Q(source_key=""),
                name="reminder_about_something",
            ),
        ]
        indexes = [
            models.Index(
                fields=["recipient"],
                condition=Q(email_delivery__isnull=True),
                name="reminderlog_email_pending",
            ),
            models.Index(
                fields=["unit"],
                condition=Q(webhook_pending=True),
                name="reminderlog_webhook_pending",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.key_date} → {self.recipient_id}"


class CalendarFeed(models.Model):
    """A user's private calendar address (日程订阅): the SHA-256 of the random token its URL
    holds, never the token itself. A reset replaces it, and the old address answers 404."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="calendar_feed",
    )
    token_hash = models.CharField(_("token hash"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("calendar feed")
        verbose_name_plural = _("calendar feeds")

    def __str__(self) -> str:
        return f"{self.user_id} {self.created_at:%Y-%m-%d %H:%M}"
