"""Supervision and evaluation over measures (DESIGN.md section 10): urge notices (督办单) and
their replies, supervision groups (督查组) and their visits, the look-back review (回头看),
the hundred-point evaluation (百分制) and the red-and-black list (红黑榜).

They reach measures, the layer below, through its services and selectors.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from config.fields import BoundedTextField
from rectification.models import CommentEditFields, CommentFields, Evidence, Measure

# --- Supervision groups (督查组) ---------------------------------------------------------------


class SupervisionGroup(models.Model):
    """A rectification supervision group: its members act like office on its units, for
    visits, urge notices and new problems only."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    leader = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("group leader"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="led_supervision_groups",
    )
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("members"),
        blank=True,
        related_name="supervision_groups",
    )
    rounds = models.ManyToManyField(
        "inspections.InspectionRound",
        verbose_name=_("rounds"),
        blank=True,
        related_name="supervision_groups",
    )
    units = models.ManyToManyField(
        "accounts.Unit",
        verbose_name=_("units"),
        blank=True,
        related_name="supervision_groups",
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        db_table = "rectification_supervisiongroup"
        verbose_name = _("supervision group")
        verbose_name_plural = _("supervision groups")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class SupervisionVisit(models.Model):
    """督查记录: what a member of a group saw at a unit, and how the unit is doing (1 to 5)."""

    class Method(models.TextChoices):
        BRIEFING = "briefing", _("Hearing a briefing")
        DOCUMENTS = "documents", _("Reviewing documents")
        SITE = "site", _("On-site inspection")
        TALK = "talk", _("Individual talks")
        UNANNOUNCED = "unannounced", _("Unannounced visit")

    group = models.ForeignKey(
        SupervisionGroup,
        verbose_name=_("supervision group"),
        on_delete=models.PROTECT,
        related_name="visits",
    )
    unit = models.ForeignKey(
        "accounts.Unit",
        verbose_name=_("unit"),
        on_delete=models.PROTECT,
        related_name="supervision_visits",
    )
    round = models.ForeignKey(
        "inspections.InspectionRound",
        verbose_name=_("round"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="supervision_visits",
    )
    date = models.DateField(_("date"))
    method = models.CharField(_("method"), max_length=20, choices=Method.choices)
    findings = BoundedTextField(_("what was found"), max_length=10000)
    rating = models.PositiveSmallIntegerField(
        _("rating of progress"), validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    raised_problem = models.OneToOneField(
        "findings.Problem",
        verbose_name=_("problem raised"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="raised_by_visit",
        help_text=_("The new problem (source: special check) the visit raised, if any."),
    )

    class Meta:
        db_table = "rectification_supervisionvisit"
        verbose_name = _("supervision visit")
        verbose_name_plural = _("supervision visits")
        ordering = ["-date", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(rating__gte=1, rating__lte=5), name="visit_rating_1_5"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.group} {self.unit} {self.date}"


# --- Urge notices (督办单) ---------------------------------------------------------------------


class UrgeNotice(models.Model):
    class Level(models.TextChoices):
        # In rising order: pressing again needs a higher level.
        REMIND = "remind", _("Reminder")
        URGE = "urge", _("Urge")
        INTERVIEW = "interview", _("Interview")
        NOTICE = "notice", _("Public notice")

    class Status(models.TextChoices):
        OPEN = "open", _("Waiting for reply")
        REPLIED = "replied", _("Replied")
        ACCEPTED = "accepted", _("Accepted")
        ESCALATED = "escalated", _("Pressed again")

    round = models.ForeignKey(
        "inspections.InspectionRound",
        verbose_name=_("round"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="urge_notices",
    )
    unit = models.ForeignKey(
        "accounts.Unit",
        verbose_name=_("unit"),
        on_delete=models.PROTECT,
        related_name="urge_notices",
    )
    measure = models.ForeignKey(
        Measure,
        verbose_name=_("measure"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="urge_notices",
        help_text=_("Empty when the notice is about a unit for several of its measures."),
    )
    measures = models.ManyToManyField(
        Measure,
        verbose_name=_("measures concerned"),
        related_name="covering_urge_notices",
    )
    level = models.CharField(_("level"), max_length=10, choices=Level.choices)
    reason = BoundedTextField(_("reason"), max_length=5000)
    reply_due = models.DateField(_("reply due"))
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("issued by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    issued_at = models.DateTimeField(_("issued at"), default=timezone.now)
    group = models.ForeignKey(
        SupervisionGroup,
        verbose_name=_("supervision group"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="urge_notices",
    )
    visit = models.ForeignKey(
        SupervisionVisit,
        verbose_name=_("supervision visit"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="urge_notices",
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN
    )
    replaced_by = models.OneToOneField(
        "self",
        verbose_name=_("pressed again by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="replaces",
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
        db_table = "rectification_urgenotice"
        verbose_name = _("urge notice")
        verbose_name_plural = _("urge notices")
        ordering = ["-issued_at", "-id"]
        indexes = [
            models.Index(fields=["unit", "status"]),
            models.Index(fields=["status", "reply_due"]),
            models.Index(fields=["round", "level"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="escalated") | Q(replaced_by__isnull=False),
                name="urge_escalated_has_successor",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_level_display()} {self.unit} {self.issued_at:%Y-%m-%d}"

    @property
    def is_live(self) -> bool:
        """Open or replied: the unit or the office still has something to do."""
        return self.status in (self.Status.OPEN, self.Status.REPLIED)

    @property
    def level_rank(self) -> int:
        return LEVEL_ORDER.index(self.level)


LEVEL_ORDER = [level.value for level in UrgeNotice.Level]


class UrgeReply(models.Model):
    notice = models.ForeignKey(
        UrgeNotice, verbose_name=_("urge notice"), on_delete=models.PROTECT, related_name="replies"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    text = BoundedTextField(_("reply"), max_length=10000)
    evidence = models.ManyToManyField(
        Evidence, verbose_name=_("evidence files"), blank=True, related_name="urge_replies"
    )
    at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        db_table = "rectification_urgereply"
        verbose_name = _("urge reply")
        verbose_name_plural = _("urge replies")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return self.text[:40]


# --- The look-back review (回头看) -------------------------------------------------------------


class LookBack(models.Model):
    round = models.ForeignKey(
        "inspections.InspectionRound",
        verbose_name=_("round"),
        on_delete=models.PROTECT,
        related_name="look_backs",
    )
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("started by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    sample_size = models.PositiveIntegerField(
        _("sample size"), null=True, blank=True, help_text=_("Empty: every closed measure.")
    )
    seed = models.BigIntegerField(_("seed"))
    note = BoundedTextField(_("note"), max_length=2000, blank=True)
    started_at = models.DateTimeField(_("started at"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        db_table = "rectification_lookback"
        verbose_name = _("look-back review")
        verbose_name_plural = _("look-back reviews")
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"{self.round} {self.started_at:%Y-%m-%d}"


class LookBackItem(models.Model):
    class Verdict(models.TextChoices):
        PENDING = "pending", _("Not checked yet")
        HOLDING = "holding", _("Holding")
        RELAPSED = "relapsed", _("Relapsed")

    look_back = models.ForeignKey(
        LookBack, verbose_name=_("look-back review"), on_delete=models.CASCADE, related_name="items"
    )
    measure = models.ForeignKey(
        Measure,
        verbose_name=_("measure"),
        on_delete=models.PROTECT,
        related_name="look_back_items",
    )
    verdict = models.CharField(
        _("verdict"), max_length=10, choices=Verdict.choices, default=Verdict.PENDING
    )
    reason = BoundedTextField(_("reason"), max_length=5000, blank=True)
    new_deadline = models.DateField(_("new deadline"), null=True, blank=True)
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("checked by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    checked_at = models.DateTimeField(_("checked at"), null=True, blank=True)

    class Meta:
        db_table = "rectification_lookbackitem"
        verbose_name = _("look-back item")
        verbose_name_plural = _("look-back items")
        ordering = ["look_back_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["look_back", "measure"], name="look_back_measure_once"),
            models.CheckConstraint(
                condition=~Q(verdict="relapsed") | ~Q(reason=""),
                name="look_back_relapse_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.measure_id}: {self.verdict}"


# --- The hundred-point evaluation (百分制) and the red-and-black list (红黑榜) ------------------


class EvaluationScheme(models.Model):
    """评估方案 of a round: a list of items, each a dict with `key`, `name`, `kind`
    (auto / manual / deduction), `weight` and, for auto items, `formula`; for deductions,
    `level` (the urge level that costs points), `weight` (points per notice) and `cap`."""

    round = models.OneToOneField(
        "inspections.InspectionRound",
        verbose_name=_("round"),
        on_delete=models.PROTECT,
        related_name="evaluation_scheme",
    )
    items = models.JSONField(_("items"), default=list)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("updated by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    class Meta:
        db_table = "rectification_evaluationscheme"
        verbose_name = _("evaluation scheme")
        verbose_name_plural = _("evaluation schemes")

    def __str__(self) -> str:
        return str(self.round)


class Evaluation(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")

    scheme = models.ForeignKey(
        EvaluationScheme,
        verbose_name=_("evaluation scheme"),
        on_delete=models.PROTECT,
        related_name="evaluations",
    )
    round = models.ForeignKey(
        "inspections.InspectionRound",
        verbose_name=_("round"),
        on_delete=models.PROTECT,
        related_name="evaluations",
    )
    # The scheme's items as they were when scored: a published evaluation never changes.
    items = models.JSONField(_("items"), default=list)
    as_of = models.DateField(_("as of"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    # Everyone who wrote the scores: the creator, each who recomputed or scored by hand. None
    # of them may publish it, nor a red-and-black list drawn from it (accounts.duties).
    authors = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("authors"), related_name="+", blank=True
    )
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("published by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)

    class Meta:
        db_table = "rectification_evaluation"
        verbose_name = _("evaluation")
        verbose_name_plural = _("evaluations")
        ordering = ["-as_of", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="published") | Q(published_at__isnull=False),
                name="evaluation_published_has_date",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.round} {self.as_of}"


class EvaluationScore(models.Model):
    class Band(models.TextChoices):
        EXCELLENT = "excellent", _("Excellent")
        GOOD = "good", _("Good")
        FAIR = "fair", _("Fair")
        POOR = "poor", _("Poor")

    evaluation = models.ForeignKey(
        Evaluation, verbose_name=_("evaluation"), on_delete=models.CASCADE, related_name="scores"
    )
    unit = models.ForeignKey(
        "accounts.Unit",
        verbose_name=_("unit"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="evaluation_scores",
        help_text=_("Empty: the round as a whole."),
    )
    # {item key: {"score", "max", "applicable", "value", "note", ...}} and the numbers used.
    items = models.JSONField(_("item scores"), default=dict)
    numbers = models.JSONField(_("numbers"), default=dict)
    # Manual scores entered by the office or the supervision group: {key: {"score", "note"}}.
    manual = models.JSONField(_("manual scores"), default=dict)
    total = models.DecimalField(_("total"), max_digits=5, decimal_places=2, null=True, blank=True)
    band = models.CharField(_("band"), max_length=10, choices=Band.choices, blank=True)
    on_time_rate = models.FloatField(_("on-time rate"), null=True, blank=True)

    class Meta:
        db_table = "rectification_evaluationscore"
        verbose_name = _("evaluation score")
        verbose_name_plural = _("evaluation scores")
        ordering = ["evaluation_id", "unit__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["evaluation", "unit"], name="evaluation_score_once_per_unit"
            ),
            models.UniqueConstraint(
                fields=["evaluation"],
                condition=Q(unit__isnull=True),
                name="evaluation_score_once_for_round",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.unit or '-'}: {self.total}"


class RedBlackList(models.Model):
    """红黑榜: the best and worst units of a published evaluation, for a period."""

    evaluation = models.ForeignKey(
        Evaluation,
        verbose_name=_("evaluation"),
        on_delete=models.PROTECT,
        related_name="red_black_lists",
    )
    period_label = models.CharField(_("period"), max_length=50)
    best_count = models.PositiveSmallIntegerField(_("units on the red list"), default=3)
    worst_count = models.PositiveSmallIntegerField(_("units on the black list"), default=3)
    # The ranking as published: [{"rank", "unit", "unit_name", "total", "band", ...}].
    red = models.JSONField(_("red list"), default=list)
    black = models.JSONField(_("black list"), default=list)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("published by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    published_at = models.DateTimeField(_("published at"), default=timezone.now)

    class Meta:
        db_table = "rectification_redblacklist"
        verbose_name = _("red-and-black list")
        verbose_name_plural = _("red-and-black lists")
        ordering = ["-published_at", "-id"]

    def __str__(self) -> str:
        return self.period_label


class UrgeComment(CommentFields):
    """A comment in an urge notice's thread (留言), beside its formal replies."""

    notice = models.ForeignKey(
        UrgeNotice, verbose_name=_("urge notice"), on_delete=models.PROTECT, related_name="comments"
    )

    class Meta:
        verbose_name = _("comment on an urge notice")
        verbose_name_plural = _("comments on urge notices")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["notice", "created_at"])]


class UrgeCommentEdit(CommentEditFields):
    comment = models.ForeignKey(
        UrgeComment,
        verbose_name=_("comment on an urge notice"),
        on_delete=models.PROTECT,
        related_name="edits",
    )

    class Meta:
        verbose_name = _("edit of a comment on an urge notice")
        verbose_name_plural = _("edits of comments on urge notices")
        ordering = ["edited_at", "id"]


class JurisdictionEvaluation(models.Model):
    """考核评价 of the jurisdictions below one (以市带县: the city evaluates each county's
    inspection and rectification work) on a scheme like the hundred-point one: automatic items
    from each one's numbers over its whole scope, manual items the evaluating office gives,
    deductions for urge notices. A published evaluation is frozen: its items and scores are
    stored, never recomputed (supervision.jurisdiction_evaluation)."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")

    jurisdiction = models.ForeignKey(
        "accounts.Jurisdiction",
        verbose_name=_("evaluating jurisdiction"),
        on_delete=models.PROTECT,
        related_name="evaluations_given",
    )
    title = models.CharField(_("title"), max_length=200)
    items = models.JSONField(_("items"), default=list)
    as_of = models.DateField(_("as of"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    authors = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("authors"), related_name="+", blank=True
    )
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("published by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)

    class Meta:
        verbose_name = _("evaluation of jurisdictions")
        verbose_name_plural = _("evaluations of jurisdictions")
        ordering = ["-as_of", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="published") | Q(published_at__isnull=False),
                name="jurisdiction_evaluation_published_has_date",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class JurisdictionScore(models.Model):
    """One evaluated jurisdiction's score: its items, the numbers they were read from, the
    manual scores given, the total and the band."""

    evaluation = models.ForeignKey(
        JurisdictionEvaluation,
        verbose_name=_("evaluation"),
        on_delete=models.CASCADE,
        related_name="scores",
    )
    jurisdiction = models.ForeignKey(
        "accounts.Jurisdiction",
        verbose_name=_("evaluated jurisdiction"),
        on_delete=models.PROTECT,
        related_name="evaluation_scores",
    )
    items = models.JSONField(_("item scores"), default=dict)
    numbers = models.JSONField(_("numbers"), default=dict)
    manual = models.JSONField(_("manual scores"), default=dict)
    total = models.DecimalField(_("total"), max_digits=5, decimal_places=2, null=True, blank=True)
    band = models.CharField(
        _("band"), max_length=10, choices=EvaluationScore.Band.choices, blank=True
    )
    on_time_rate = models.FloatField(_("on-time rate"), null=True, blank=True)

    class Meta:
        verbose_name = _("jurisdiction score")
        verbose_name_plural = _("jurisdiction scores")
        ordering = ["evaluation_id", "jurisdiction_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["evaluation", "jurisdiction"], name="jurisdiction_score_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.jurisdiction}: {self.total}"
