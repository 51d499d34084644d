"""Rectification measures (整改措施) and everything recorded on them."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.encoding import force_str
from django.utils.translation import gettext_lazy as _

from config.fields import BoundedTextField


def today() -> datetime.date:
    """Today in the configured time zone (Asia/Shanghai), the D of every number."""
    return timezone.localdate()


class Measure(models.Model):
    class Status(models.TextChoices):
        NOT_STARTED = "not_started", _("Not started")
        IN_PROGRESS = "in_progress", _("In progress")
        # The endorsement chain of a round that sets one (InspectionRound.endorsement):
        # the lead unit's head endorses, then a named superior reviews, then the office.
        ENDORSING = "endorsing", _("Waiting for the head's endorsement")
        REVIEWING = "reviewing", _("Waiting for the superior's review")
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
    text = BoundedTextField(_("measure"), max_length=5000)
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
    result_summary = BoundedTextField(_("rectification result"), max_length=10000, blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("submitted by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    # The chain of the submission waiting now: who endorsed and reviewed it, and since when
    # it waits at its present step (the reminder rungs count from there).
    endorsed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("endorsed by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewed by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    waiting_since = models.DateTimeField(_("waiting at this step since"), null=True, blank=True)
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
    # The first day the reminder sweep has to look at this measure again (null: never).
    # Every save that can change the ladder (deadline, status, long-term, who leads) puts it
    # back at first_rung_on(), the first day of a colour; the sweep moves it forward to the
    # next rung after it has recorded the present one. The sweep reads only
    # `next_rung_on <= today`, by the index below.
    next_rung_on = models.DateField(
        _("next reminder due on"), null=True, blank=True, editable=False
    )
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
            # The measures a unit leads and their problems, read from the index alone (the
            # lead-unit filters; the liaison's scope reads MeasureUnit, which holds both kinds).
            models.Index(fields=["lead_unit", "problem", "id"], name="measure_liaison_scope"),
            # A problem's measure counts by status, read from the index alone.
            models.Index(fields=["problem", "status"], name="measure_problem_status"),
            # The office's review queue: submissions, the longest waiting first.
            models.Index(fields=["status", "submitted_at"], name="measure_status_submitted"),
            # Submissions waiting for sign-off, by when they came: the sweep's working-day
            # reminder reads the range before its cutoff and pages on it.
            models.Index(
                fields=["submitted_at", "id"],
                condition=Q(status="submitted"),
                name="measure_submitted_waiting",
            ),
            # The reminder sweep reads what is due by this, and pages on it.
            models.Index(
                fields=["next_rung_on", "id"],
                condition=Q(next_rung_on__isnull=False),
                name="measure_next_rung",
            ),
        ]

    def __str__(self) -> str:
        return self.text[:40]

    # What the ladder of reminders reads: a save touching any of these starts it again.
    LADDER_FIELDS = frozenset(
        {"deadline", "status", "is_long_term", "lead_unit", "lead_official_user"}
    )

    def save(self, *args, **kwargs) -> None:
        update_fields = kwargs.get("update_fields")
        if update_fields is None or self.LADDER_FIELDS & set(update_fields):
            self.next_rung_on = first_rung_on(self.deadline, self.status, self.is_long_term)
            if update_fields is not None:
                kwargs["update_fields"] = {*update_fields, "next_rung_on"}
        super().save(*args, **kwargs)

    @property
    def is_open(self) -> bool:
        return self.status != self.Status.CLOSED

    @property
    def is_waiting_for_sign_off(self) -> bool:
        """Submitted and not yet signed off, at whichever step of the chain."""
        return self.status in WAITING_FOR_SIGN_OFF

    def get_status_display(self) -> str:  # type: ignore[no-redef]
        """The status's label, as Django's own get_status_display gives it, which rebuilds a
        dictionary of the choices for each call (a hundred times on a page of measures)."""
        return force_str(_STATUS_LABELS.get(self.status, self.status), strings_only=True)

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


_STATUS_LABELS = dict(Measure.Status.choices)


def first_rung_on(
    deadline: datetime.date | None, status: str, is_long_term: bool
) -> datetime.date | None:
    """The first day a measure has a warning colour (warning_colour's green threshold):
    where the reminder sweep starts reading it. None when it never has one."""
    if deadline is None or is_long_term or status == Measure.Status.CLOSED:
        return None
    return deadline - datetime.timedelta(days=settings.REMINDER_GREEN_DAYS)


def restart_ladders(measures: models.QuerySet[Measure] | None = None) -> int:
    """Put measures back at their first rung (first_rung_on), as if never swept: for a
    reminder state deleted wholesale (the benchmark's reset). One update per deadline, so
    that it runs the same on every database; answer the number of measures changed."""
    if measures is None:
        measures = Measure.objects.all()
    measures.filter(Q(deadline__isnull=True) | Q(is_long_term=True) | Q(status="closed")).exclude(
        next_rung_on__isnull=True
    ).update(next_rung_on=None)
    live = measures.filter(deadline__isnull=False, is_long_term=False).exclude(status="closed")
    changed = 0
    for deadline in list(live.order_by().values_list("deadline", flat=True).distinct()):
        first = first_rung_on(deadline, Measure.Status.IN_PROGRESS, False)
        changed += (
            live.filter(deadline=deadline).exclude(next_rung_on=first).update(next_rung_on=first)
        )
    return changed


# A submission on its way to sign-off, at the head, the superior or the office.
WAITING_FOR_SIGN_OFF = (
    Measure.Status.ENDORSING,
    Measure.Status.REVIEWING,
    Measure.Status.SUBMITTED,
)


# The same two rules as database filters, beside their Python answers above so that they are
# read and changed together; tests/rectification/test_colours.py holds them equal.


def overdue_filter(day: datetime.date) -> Q:
    """Measure.is_overdue(day) as a filter: past the deadline, not signed off, not long-term."""
    return Q(deadline__lt=day, is_long_term=False) & ~Q(status=Measure.Status.CLOSED)


DUE_SOON_DAYS = 7


def due_soon_filter(day: datetime.date) -> Q:
    """Due within the week from `day` (DESIGN.md section 6), and not signed off."""
    soon = day + datetime.timedelta(days=DUE_SOON_DAYS)
    return Q(deadline__gte=day, deadline__lte=soon) & ~Q(status=Measure.Status.CLOSED)


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


class MeasureUnit(models.Model):
    """Which units a measure belongs to: its lead unit (is_lead) and each cooperating unit, one
    row each, with the measure's problem beside them.

    The liaison's scope (accounts.selectors.liaison_scope) is then one index range by unit
    and problem, not a test of every row against an array of the unit's measures. The rows
    are kept by database triggers on the measure and cooperating-unit tables (migrations
    0013 and 0020), so that every write keeps them in the same statement: the services, the admin,
    imports, QuerySet.update, bulk_create and the demo generator's COPY alike. Never write
    them yourself; tests/rectification/test_measure_units.py compares them with the truth.
    """

    measure = models.ForeignKey(
        Measure, on_delete=models.DO_NOTHING, related_name="memberships", db_constraint=False
    )
    unit = models.ForeignKey(
        "accounts.Unit",
        on_delete=models.DO_NOTHING,
        related_name="measure_memberships",
        db_index=False,
        db_constraint=False,
    )
    problem = models.ForeignKey(
        "findings.Problem",
        on_delete=models.DO_NOTHING,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    is_lead = models.BooleanField()
    # The measure's own, copied by the same triggers (migration 0020): a liaison's tasks, their
    # tabs' counts and their order of urgency are then read from one index range of the unit's
    # rows, never from its ten thousand measures one by one. The names are the measure's, so
    # that the measure's filters (TASK_TABS, overdue_filter, colour_filter) apply as they are.
    status = models.CharField(max_length=20, choices=Measure.Status.choices)
    deadline = models.DateField(null=True)
    is_long_term = models.BooleanField()
    closed_at = models.DateTimeField(null=True)

    class Meta:
        constraints = [
            # Also the scope's index: a unit's problems and measures, read from it alone.
            models.UniqueConstraint(
                fields=["unit", "problem", "measure", "is_lead"], name="measure_unit_scope"
            ),
        ]
        indexes = [
            # A unit's tasks by tab, with what their order needs (read from the index alone).
            models.Index(
                fields=["unit", "status"],
                include=["deadline", "is_long_term", "closed_at", "measure"],
                name="measure_unit_tasks",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.measure_id}:{self.unit_id}{'*' if self.is_lead else ''}"


class StatusChange(models.Model):
    """Append-only history of a measure: transitions and field edits, one row each."""

    class Action(models.TextChoices):
        START = "start", _("Start")
        SUBMIT = "submit", _("Submit for sign-off")
        ENDORSE = "endorse", _("Endorse (head of the lead unit)")
        REVIEW = "review", _("Review (superior in charge)")
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
        COMMENT = "comment", _("Comment in the thread")
        COMMENT_EDIT = "comment_edit", _("Comment edited")
        URGE_COMMENT = "urge_comment", _("Comment on an urge notice")

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
    comment = BoundedTextField(_("comment"), max_length=10000, blank=True)
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
    text = BoundedTextField(_("progress"), max_length=10000)
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
    reason = BoundedTextField(_("reason"), max_length=5000)
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
    decision_comment = BoundedTextField(_("decision comment"), max_length=2000, blank=True)

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
        indexes = [
            # The workbench's queue, the longest waiting first, read from the index's head.
            models.Index(
                fields=["requested_at", "id"],
                condition=Q(status="pending"),
                name="extension_pending_queue",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.measure_id}: {self.old_deadline} → {self.new_deadline}"


# --- Comments -----------------------------------------------------------------------------------

COMMENT_MAX_LENGTH = 4000


class CommentFields(models.Model):
    """What every comment thread's entry holds: its author, its text, when it was written and
    last edited. Never deleted; its author may edit it for a few minutes, each earlier text
    kept in an edit row."""

    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("written by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    text = BoundedTextField(_("comment text"), max_length=COMMENT_MAX_LENGTH)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    edited_at = models.DateTimeField(_("edited at"), null=True, blank=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.text[:40]

    def editable_until(self) -> datetime.datetime:
        return self.created_at + datetime.timedelta(minutes=settings.COMMENT_EDIT_MINUTES)


class CommentEditFields(models.Model):
    """One edit of a comment: the text it had before."""

    old_text = BoundedTextField(_("earlier text"), max_length=COMMENT_MAX_LENGTH)
    edited_at = models.DateTimeField(_("edited at"), default=timezone.now)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.edited_at:%Y-%m-%d %H:%M}"


class MeasureComment(CommentFields):
    """A comment in a measure's thread (留言)."""

    measure = models.ForeignKey(
        Measure, verbose_name=_("measure"), on_delete=models.PROTECT, related_name="comments"
    )

    class Meta:
        verbose_name = _("comment on a measure")
        verbose_name_plural = _("comments on measures")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["measure", "created_at"])]


class MeasureCommentEdit(CommentEditFields):
    comment = models.ForeignKey(
        MeasureComment,
        verbose_name=_("comment on a measure"),
        on_delete=models.PROTECT,
        related_name="edits",
    )

    class Meta:
        verbose_name = _("comment edit")
        verbose_name_plural = _("comment edits")
        ordering = ["edited_at", "id"]


# --- Rollups (DESIGN.md section 6, last paragraph) --------------------------------------------
# Kept by database triggers (rectification.rollups), in the same transaction as every write
# of a measure, a problem or an extension, whoever makes it. Plain integer keys rather than
# foreign keys: a row is a count, and the triggers, not Django, own it.


class MeasureRollup(models.Model):
    """How many measures of a (round, lead unit) share a status, a deadline in force and the
    flags the numbers of section 6 read: every count of `_number_filters` is a sum of these."""

    round_id = models.IntegerField(_("round"))
    lead_unit_id = models.IntegerField(_("lead unit"), null=True)
    status = models.CharField(_("status"), max_length=20, choices=Measure.Status.choices)
    is_long_term = models.BooleanField(_("long-term"))
    deadline = models.DateField(_("deadline"), null=True)
    # Submitted (in Asia/Shanghai) no later than the deadline.
    on_time = models.BooleanField(_("submitted on time"))
    # Has an approved extension.
    extended = models.BooleanField(_("extended"))
    n = models.IntegerField(_("measures"), default=0)

    class Meta:
        verbose_name = _("measure rollup")
        verbose_name_plural = _("measure rollups")
        indexes = [
            models.Index(fields=["round_id", "lead_unit_id"], name="measurerollup_cell"),
            # The burn-up's month so far (rectification.selectors.cell_trend).
            models.Index(fields=["deadline"], name="measurerollup_deadline"),
        ]

    def __str__(self) -> str:
        return f"{self.round_id}/{self.lead_unit_id}/{self.status}/{self.deadline}: {self.n}"


class ClosureRollup(models.Model):
    """How many measures of a (round, lead unit) were signed off on each day (Asia/Shanghai):
    the closed line of the burn-up."""

    round_id = models.IntegerField(_("round"))
    lead_unit_id = models.IntegerField(_("lead unit"), null=True)
    closed_day = models.DateField(_("signed off on"))
    n = models.IntegerField(_("measures"), default=0)

    class Meta:
        verbose_name = _("closure rollup")
        verbose_name_plural = _("closure rollups")
        indexes = [
            models.Index(fields=["round_id", "lead_unit_id"], name="closurerollup_cell"),
            models.Index(fields=["closed_day"], name="closurerollup_day"),
        ]

    def __str__(self) -> str:
        return f"{self.round_id}/{self.lead_unit_id}/{self.closed_day}: {self.n}"


class ProblemRollup(models.Model):
    """Each problem's measures and open measures: a problem is completed when it has measures
    and none is open (DESIGN.md section 6)."""

    problem_id = models.IntegerField(_("problem"), primary_key=True)
    round_id = models.IntegerField(_("round"))
    category = models.CharField(_("category"), max_length=30)
    measures = models.IntegerField(_("measures"), default=0)
    open_measures = models.IntegerField(_("open measures"), default=0)

    class Meta:
        verbose_name = _("problem rollup")
        verbose_name_plural = _("problem rollups")
        indexes = [models.Index(fields=["round_id", "category"], name="problemrollup_round")]

    def __str__(self) -> str:
        return f"{self.problem_id}: {self.open_measures}/{self.measures} open"


class RollupDay(models.Model):
    """The day the counts of MeasureDayRollup are taken on: one row, moved forward each day
    (rollups.advance_day) in the same transaction that recounts them."""

    day = models.DateField(_("day"))

    class Meta:
        verbose_name = _("rollup day")
        verbose_name_plural = _("rollup days")

    def __str__(self) -> str:
        return str(self.day)


class MeasureDayRollup(models.Model):
    """Every number of section 6 of the measures of a (round, lead unit), as of RollupDay's
    day: the date-dependent ones (overdue, due soon, due by the day, on time) counted on that
    day. A province holds a few thousand of these against hundreds of thousands of
    MeasureRollup cells (one per deadline); a number asked for another day is read from those.
    Kept by database triggers like the other rollups."""

    round_id = models.IntegerField(_("round"))
    lead_unit_id = models.IntegerField(_("lead unit"), null=True)
    total = models.IntegerField(_("measures"), default=0)
    closed = models.IntegerField(_("signed off"), default=0)
    endorsing = models.IntegerField(_("waiting for endorsement"), default=0)
    reviewing = models.IntegerField(_("waiting for review"), default=0)
    submitted = models.IntegerField(_("submitted"), default=0)
    in_progress = models.IntegerField(_("in progress"), default=0)
    not_started = models.IntegerField(_("not started"), default=0)
    long_term = models.IntegerField(_("long-term"), default=0)
    overdue = models.IntegerField(_("overdue"), default=0)
    due_soon = models.IntegerField(_("due soon"), default=0)
    due_by_today = models.IntegerField(_("due by the day"), default=0)
    closed_on_time = models.IntegerField(_("signed off on time"), default=0)
    extended = models.IntegerField(_("extended"), default=0)
    unassigned = models.IntegerField(_("unassigned"), default=0)

    class Meta:
        verbose_name = _("measure day rollup")
        verbose_name_plural = _("measure day rollups")
        indexes = [models.Index(fields=["lead_unit_id"], name="measuredayrollup_unit")]

    def __str__(self) -> str:
        return f"{self.round_id}/{self.lead_unit_id}: {self.total}"


class ProblemUnitRollup(models.Model):
    """How many measures of a problem each lead unit leads, with the problem's round: which
    problems a unit (or a jurisdiction's units) takes part in, and the joint rounds' problems
    a county leads in a city's round, read by index instead of from the measures. Measures
    with no lead unit are not counted. Kept by database triggers like the other rollups."""

    problem_id = models.IntegerField(_("problem"))
    round_id = models.IntegerField(_("round"))
    lead_unit_id = models.IntegerField(_("lead unit"))
    n = models.IntegerField(_("measures"), default=0)

    class Meta:
        verbose_name = _("problem unit rollup")
        verbose_name_plural = _("problem unit rollups")
        constraints = [
            models.UniqueConstraint(
                fields=["problem_id", "lead_unit_id"], name="problemunitrollup_key"
            )
        ]
        indexes = [
            models.Index(fields=["lead_unit_id"], name="problemunitrollup_unit"),
            models.Index(fields=["round_id", "lead_unit_id"], name="problemunitrollup_cell"),
        ]

    def __str__(self) -> str:
        return f"{self.problem_id}/{self.lead_unit_id}: {self.n}"


class MonthRollup(models.Model):
    """How many measures of a (round, lead unit) fall due in each month (not long-term, with a
    deadline) and how many were signed off in it (Asia/Shanghai): the burn-up's months. Kept
    by database triggers on MeasureRollup and ClosureRollup, whose cells it sums by month."""

    round_id = models.IntegerField(_("round"))
    lead_unit_id = models.IntegerField(_("lead unit"), null=True)
    month = models.DateField(_("month"))
    due = models.IntegerField(_("falling due"), default=0)
    closed = models.IntegerField(_("signed off"), default=0)

    class Meta:
        verbose_name = _("month rollup")
        verbose_name_plural = _("month rollups")
        indexes = [models.Index(fields=["round_id", "lead_unit_id"], name="monthrollup_cell")]

    def __str__(self) -> str:
        return f"{self.round_id}/{self.lead_unit_id}/{self.month:%Y-%m}: {self.due}/{self.closed}"
