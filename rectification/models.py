"""Rectification measures (整改措施) and everything recorded on them."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def today() -> datetime.date:
    """Today in the configured time zone (Asia/Shanghai), the D of every number."""
    return timezone.localdate()


class Measure(models.Model):
    class Status(models.TextChoices):
        NOT_STARTED = "not_started", _("Not started")
        IN_PROGRESS = "in_progress", _("In progress")
        SUBMITTED = "submitted", _("Submitted for sign-off")
        CLOSED = "closed", _("Signed off")

    class Colour(models.TextChoices):
        GREEN = "green", _("Green reminder")
        YELLOW = "yellow", _("Yellow warning")
        RED = "red", _("Red supervision")
        NONE = "none", _("None")

    problem = models.ForeignKey(
        "findings.Problem",
        verbose_name=_("problem"),
        on_delete=models.PROTECT,
        related_name="measures",
    )
    seq = models.PositiveIntegerField(_("number"), validators=[MinValueValidator(1)])
    text = models.TextField(_("measure"))
    lead_official = models.CharField(_("lead official"), max_length=100, blank=True)
    lead_official_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("lead official's account"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="led_measures",
    )
    lead_unit = models.ForeignKey(
        "accounts.Unit",
        verbose_name=_("lead unit"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="led_measures",
    )
    cooperating_units = models.ManyToManyField(
        "accounts.Unit",
        verbose_name=_("cooperating units"),
        blank=True,
        related_name="cooperating_measures",
    )
    deadline = models.DateField(_("deadline"), null=True, blank=True)
    is_long_term = models.BooleanField(_("long-term"), default=False)
    is_immediate = models.BooleanField(_("rectified at once"), default=False)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.NOT_STARTED
    )
    result_summary = models.TextField(_("rectification result"), blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("submitted by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    closed_at = models.DateTimeField(_("signed off at"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("signed off by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    version = models.PositiveIntegerField(_("version"), default=1)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("measure")
        verbose_name_plural = _("measures")
        ordering = ["problem__round_id", "problem__seq", "seq"]
        constraints = [
            models.UniqueConstraint(
                fields=["problem", "seq"], name="measure_seq_unique_in_problem"
            ),
            models.CheckConstraint(
                condition=Q(deadline__isnull=False) | Q(is_long_term=True),
                name="measure_deadline_or_long_term",
            ),
            models.CheckConstraint(
                condition=~Q(status="closed") | Q(closed_at__isnull=False),
                name="measure_closed_has_date",
            ),
            models.CheckConstraint(condition=Q(seq__gte=1), name="measure_seq_positive"),
        ]
        indexes = [
            models.Index(fields=["lead_unit", "status"]),
            models.Index(fields=["status", "deadline"]),
            models.Index(fields=["deadline"]),
            # Open measures with a deadline, by deadline: overdue and due-soon lists, the
            # warning colours and the reminder sweep's keyset all read this range.
            models.Index(
                fields=["deadline", "id"],
                condition=Q(is_long_term=False) & ~Q(status="closed"),
                name="measure_open_deadline",
            ),
            # The liaison's scope: the measures a unit leads and their problems, read from
            # the index alone (accounts.selectors.liaison_scope).
            models.Index(fields=["lead_unit", "problem", "id"], name="measure_liaison_scope"),
            # A problem's measure counts by status, read from the index alone.
            models.Index(fields=["problem", "status"], name="measure_problem_status"),
        ]

    def __str__(self) -> str:
        return self.text[:40]

    @property
    def is_open(self) -> bool:
        return self.status != self.Status.CLOSED

    def days_left(self, as_of: datetime.date | None = None) -> int | None:
        if self.deadline is None:
            return None
        return (self.deadline - (as_of or today())).days

    def is_overdue(self, as_of: datetime.date | None = None) -> bool:
        """DESIGN.md section 6: past the deadline, not signed off, not long-term."""
        days = self.days_left(as_of)
        return days is not None and days < 0 and self.is_open and not self.is_long_term

    def warning_colour(self, as_of: datetime.date | None = None) -> str:
        """The three-colour warning (三色预警) shown wherever the measure is listed."""
        days = self.days_left(as_of)
        if days is None or not self.is_open or self.is_long_term:
            return self.Colour.NONE
        if days < 0:
            return self.Colour.RED
        if days <= settings.REMINDER_YELLOW_DAYS:
            return self.Colour.YELLOW
        if days <= settings.REMINDER_GREEN_DAYS:
            return self.Colour.GREEN
        return self.Colour.NONE


# The same two rules as database filters, beside their Python answers above so that they are
# read and changed together; tests/rectification/test_colours.py holds them equal.


def overdue_filter(day: datetime.date) -> Q:
    """Measure.is_overdue(day) as a filter: past the deadline, not signed off, not long-term."""
    return Q(deadline__lt=day, is_long_term=False) & ~Q(status=Measure.Status.CLOSED)


def due_soon_filter(day: datetime.date) -> Q:
    """Due within the week from `day` (DESIGN.md section 6), and not signed off."""
    return Q(deadline__gte=day, deadline__lte=day + datetime.timedelta(days=7)) & ~Q(
        status=Measure.Status.CLOSED
    )


def colour_filter(colour: str, day: datetime.date) -> Q:
    """The measures whose Measure.warning_colour(day) is `colour`, as a filter."""
    live = Q(deadline__isnull=False, is_long_term=False) & ~Q(status=Measure.Status.CLOSED)
    yellow_to = day + datetime.timedelta(days=settings.REMINDER_YELLOW_DAYS)
    green_to = day + datetime.timedelta(days=settings.REMINDER_GREEN_DAYS)
    if colour == Measure.Colour.RED:
        return live & Q(deadline__lt=day)
    if colour == Measure.Colour.YELLOW:
        return live & Q(deadline__gte=day, deadline__lte=yellow_to)
    if colour == Measure.Colour.GREEN:
        return live & Q(deadline__gt=yellow_to, deadline__lte=green_to)
    return ~(live & Q(deadline__lte=green_to))


class StatusChange(models.Model):
    """Append-only history of a measure: transitions and field edits, one row each."""

    class Action(models.TextChoices):
        START = "start", _("Start")
        SUBMIT = "submit", _("Submit for sign-off")
        APPROVE = "approve", _("Sign off")
        RETURN = "return", _("Return")
        REOPEN = "reopen", _("Reopen (look-back)")
        EXTEND = "extend", _("Extend deadline")
        EDIT = "edit", _("Edit")
        URGE = "urge", _("Urge notice issued")
        URGE_REPLY = "urge_reply", _("Urge notice replied")
        URGE_ACCEPT = "urge_accept", _("Urge reply accepted")
        URGE_ESCALATE = "urge_escalate", _("Urge notice pressed again")
        LOOK_BACK = "look_back", _("Look-back: holding")

    measure = models.ForeignKey(
        Measure, verbose_name=_("measure"), on_delete=models.PROTECT, related_name="history"
    )
    from_status = models.CharField(_("from status"), max_length=20, choices=Measure.Status.choices)
    to_status = models.CharField(_("to status"), max_length=20, choices=Measure.Status.choices)
    action = models.CharField(_("action"), max_length=20, choices=Action.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    at = models.DateTimeField(_("at"), default=timezone.now)
    comment = models.TextField(_("comment"), blank=True)
    field = models.CharField(_("field"), max_length=50, blank=True)
    old_value = models.TextField(_("old value"), blank=True)
    new_value = models.TextField(_("new value"), blank=True)

    class Meta:
        verbose_name = _("history entry")
        verbose_name_plural = _("history entries")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["measure", "at"])]

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.at:%Y-%m-%d %H:%M}"


class ProgressReport(models.Model):
    measure = models.ForeignKey(
        Measure, verbose_name=_("measure"), on_delete=models.PROTECT, related_name="progress"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    period = models.CharField(_("period"), max_length=10, help_text=_("For example 2026-11-H1."))
    text = models.TextField(_("progress"))
    percent = models.PositiveSmallIntegerField(
        _("percent complete"),
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("progress report")
        verbose_name_plural = _("progress reports")
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(percent__isnull=True) | Q(percent__gte=0, percent__lte=100),
                name="progress_percent_0_100",
            ),
        ]
        indexes = [models.Index(fields=["measure", "period"])]

    def __str__(self) -> str:
        return f"{self.period} {self.text[:30]}"


def evidence_upload_to(instance: Evidence, filename: str) -> str:
    # The stored name is the content hash: the original name is kept in a field.
    return f"evidence/{instance.sha256[:2]}/{instance.sha256}"


class Evidence(models.Model):
    measure = models.ForeignKey(
        Measure, verbose_name=_("measure"), on_delete=models.PROTECT, related_name="evidence"
    )
    file = models.FileField(_("file"), upload_to=evidence_upload_to, max_length=200)
    original_name = models.CharField(_("file name"), max_length=255)
    size = models.PositiveBigIntegerField(_("size (bytes)"))
    content_type = models.CharField(_("content type"), max_length=100)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    description = models.CharField(_("description"), max_length=300, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), default=timezone.now)

    class Meta:
        verbose_name = _("evidence file")
        verbose_name_plural = _("evidence files")
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return self.original_name


class Extension(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    measure = models.ForeignKey(
        Measure, verbose_name=_("measure"), on_delete=models.PROTECT, related_name="extensions"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    requested_at = models.DateTimeField(_("requested at"), default=timezone.now)
    old_deadline = models.DateField(_("old deadline"), null=True, blank=True)
    new_deadline = models.DateField(_("new deadline"))
    reason = models.TextField(_("reason"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_comment = models.TextField(_("decision comment"), blank=True)

    class Meta:
        verbose_name = _("extension request")
        verbose_name_plural = _("extension requests")
        ordering = ["requested_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["measure"],
                condition=Q(status="pending"),
                name="one_pending_extension_per_measure",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.measure_id}: {self.old_deadline} → {self.new_deadline}"


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
    rectification report (due, overdue) by the report; a digest is told to each of its
    recipients once, keyed by the digest.
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
            models.CheckConstraint(
                condition=Q(measure__isnull=False)
                | Q(unit__isnull=False)
                | Q(digest__isnull=False)
                | Q(round_report__isnull=False),
                name="reminder_about_measure_unit_digest_or_report",
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


# Supervision and evaluation (DESIGN.md section 10) live in their own module; importing them
# here keeps `rectification.models` the one place that names every model of the app.
from .supervision_models import (  # noqa: E402
    LEVEL_ORDER,
    Evaluation,
    EvaluationScheme,
    EvaluationScore,
    LookBack,
    LookBackItem,
    RedBlackList,
    SupervisionGroup,
    SupervisionVisit,
    UrgeNotice,
    UrgeReply,
)

__all__ = [
    "LEVEL_ORDER",
    "Evaluation",
    "EvaluationScheme",
    "EvaluationScore",
    "Evidence",
    "Extension",
    "LookBack",
    "LookBackItem",
    "Measure",
    "Notification",
    "ProgressReport",
    "RedBlackList",
    "ReminderDelivery",
    "ReminderLog",
    "StatusChange",
    "SupervisionGroup",
    "SupervisionVisit",
    "UrgeNotice",
    "UrgeReply",
    "colour_filter",
    "overdue_filter",
    "today",
]
