"""What an inspection found: aspects, problems, problem clues and petitions."""

from __future__ import annotations

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from config.fields import BoundedTextField


class Aspect(models.Model):
    round = models.ForeignKey(
        "inspections.InspectionRound",
        verbose_name=_("round"),
        on_delete=models.CASCADE,
        related_name="aspects",
    )
    seq = models.PositiveIntegerField(_("number"), validators=[MinValueValidator(1)])
    title = models.CharField(_("title"), max_length=300)

    class Meta:
        verbose_name = _("aspect")
        verbose_name_plural = _("aspects")
        ordering = ["round_id", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["round", "seq"], name="aspect_seq_unique_in_round"),
            models.CheckConstraint(condition=Q(seq__gte=1), name="aspect_seq_positive"),
        ]

    def __str__(self) -> str:
        return self.title


class Problem(models.Model):
    class Category(models.TextChoices):
        PARTY_LEADERSHIP = "party_leadership", _("Party leadership")
        PARTY_BUILDING = "party_building", _("Party building")
        STRICT_GOVERNANCE = "strict_governance", _("Strict self-governance")
        PERSONNEL = "personnel", _("Selection and appointment of officials")
        IDEOLOGY = "ideology", _("Ideological work")
        INSPECTION = "inspection", _("Inspection work")
        OTHER = "other", _("Other")

    class Source(models.TextChoices):
        FEEDBACK = "feedback", _("Inspection feedback")
        SPECIAL_CHECK = "special_check", _("Special check")
        PRIOR_ROUND = "prior_round", _("Left over from a prior round")
        AUDIT = "audit", _("Audit")
        OTHER = "other", _("Other")

    class Status(models.TextChoices):
        """Derived from the measures, never stored (DESIGN.md section 6)."""

        COMPLETED = "completed", _("Completed")
        IN_PROGRESS = "in_progress", _("In progress")

    round = models.ForeignKey(
        "inspections.InspectionRound",
        verbose_name=_("round"),
        on_delete=models.PROTECT,
        related_name="problems",
    )
    aspect = models.ForeignKey(
        Aspect,
        verbose_name=_("aspect"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="problems",
    )
    seq = models.PositiveIntegerField(_("number"), validators=[MinValueValidator(1)])
    title = models.CharField(_("title"), max_length=300)
    description = BoundedTextField(_("description"), max_length=10000, blank=True)
    category = models.CharField(
        _("category"), max_length=20, choices=Category.choices, default=Category.OTHER
    )
    source = models.CharField(
        _("source"), max_length=20, choices=Source.choices, default=Source.FEEDBACK
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("problem")
        verbose_name_plural = _("problems")
        ordering = ["round_id", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["round", "seq"], name="problem_seq_unique_in_round"),
            models.CheckConstraint(condition=Q(seq__gte=1), name="problem_seq_positive"),
        ]
        indexes = [models.Index(fields=["round", "category"])]

    def __str__(self) -> str:
        return self.title


class ProblemClue(models.Model):
    class Disposal(models.TextChoices):
        TALK_OR_LETTER = "talk_or_letter", _("Talk or written inquiry")
        PRELIMINARY_CHECK = "preliminary_check", _("Preliminary verification")
        HELD = "held", _("Held for later")
        CLOSED_OUT = "closed_out", _("Closed out")

    class Status(models.TextChoices):
        TRANSFERRED = "transferred", _("Transferred")
        IN_HANDLING = "in_handling", _("In handling")
        CONCLUDED = "concluded", _("Concluded")

    round = models.ForeignKey(
        "inspections.InspectionRound",
        verbose_name=_("round"),
        on_delete=models.PROTECT,
        related_name="clues",
    )
    summary = BoundedTextField(_("summary"), max_length=10000)
    subject = models.CharField(_("official concerned"), max_length=100, blank=True)
    transferred_to = models.CharField(_("transferred to"), max_length=200)
    transferred_on = models.DateField(_("transferred on"))
    disposal = models.CharField(_("disposal"), max_length=20, choices=Disposal.choices, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.TRANSFERRED
    )
    outcome = BoundedTextField(_("outcome"), max_length=10000, blank=True)
    case_opened = models.BooleanField(_("case opened"), default=False)
    disciplined_count = models.PositiveIntegerField(_("people disciplined"), default=0)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("problem clue")
        verbose_name_plural = _("problem clues")
        ordering = ["round_id", "transferred_on", "id"]
        indexes = [models.Index(fields=["round", "status"])]

    def __str__(self) -> str:
        return self.summary[:40]


class Petition(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        IN_HANDLING = "in_handling", _("In handling")
        CONCLUDED = "concluded", _("Concluded")

    round = models.ForeignKey(
        "inspections.InspectionRound",
        verbose_name=_("round"),
        on_delete=models.PROTECT,
        related_name="petitions",
    )
    summary = BoundedTextField(_("summary"), max_length=10000)
    received_on = models.DateField(_("received on"))
    handler_unit = models.ForeignKey(
        "accounts.Unit",
        verbose_name=_("handling unit"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="petitions",
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.PENDING
    )
    concluded_on = models.DateField(_("concluded on"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("petition")
        verbose_name_plural = _("petitions")
        ordering = ["round_id", "received_on", "id"]
        indexes = [models.Index(fields=["round", "status"])]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="concluded") | Q(concluded_on__isnull=False),
                name="petition_concluded_has_date",
            ),
        ]

    def __str__(self) -> str:
        return self.summary[:40]
