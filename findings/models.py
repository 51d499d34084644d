"""What an inspection found: aspects, problems, problem clues and petitions."""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from config.fields import BoundedTextField
from inspections.models import add_months


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


def feedback_due_for(start: datetime.date) -> datetime.date:
    """The default feedback due date of a clue or petition handed over on `start`: the
    common rule is three months (CLUE_FEEDBACK_MONTHS)."""
    return add_months(start, settings.CLUE_FEEDBACK_MONTHS)


def conclusion_upload_to(instance: models.Model, filename: str) -> str:
    # The stored name is the content hash; the original name is kept in a field.
    sha = getattr(instance, "document_sha256", "") or "unknown"
    return f"conclusions/{sha[:2]}/{sha}"


def late_filter(day: datetime.date) -> Q:
    """Clues and petitions whose feedback is late on `day`: due before it, not concluded.
    The database twin of HandedOver.is_late."""
    return Q(feedback_due__lt=day) & ~Q(status="concluded")


class HandedOver(models.Model):
    """What a clue and a petition share: a feedback due date and a conclusion document."""

    feedback_due = models.DateField(
        _("feedback due"),
        blank=True,
        help_text=_("Left empty, three months after the transfer or receipt."),
    )
    document = models.FileField(
        _("conclusion document"), upload_to=conclusion_upload_to, max_length=200, blank=True
    )
    document_name = models.CharField(_("document file name"), max_length=255, blank=True)
    document_sha256 = models.CharField(_("document SHA-256"), max_length=64, blank=True)

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        # Like a round's report due date: whoever writes the row, the default is the rule.
        start = self.handed_over_on
        if self.feedback_due is None and start is not None:
            self.feedback_due = feedback_due_for(start)
        super().save(*args, **kwargs)

    @property
    def handed_over_on(self) -> datetime.date | None:
        raise NotImplementedError

    @property
    def is_concluded(self) -> bool:
        return self.status == "concluded"  # type: ignore[attr-defined]

    def rule_errors(self) -> dict[str, str]:
        """Fill the default due date, then name each date that breaks its rule: the due date
        and the conclusion date come on or after the transfer (receipt), and a conclusion is
        not dated in the future. Used by the model's clean() and the services alike."""
        start = self.handed_over_on
        if start is None:
            return {}  # the start date itself is missing: its own field says so
        if self.feedback_due is None:
            self.feedback_due = feedback_due_for(start)
        errors = {}
        if self.feedback_due < start:
            errors["feedback_due"] = str(
                _("The feedback due date cannot come before the transfer or receipt date.")
            )
        concluded_on = getattr(self, "concluded_on", None)
        if concluded_on is not None and concluded_on < start:
            errors["concluded_on"] = str(
                _("The conclusion date cannot come before the transfer or receipt date.")
            )
        elif concluded_on is not None and concluded_on > timezone.localdate():
            errors["concluded_on"] = str(_("The conclusion date cannot be in the future."))
        return errors

    def clean(self) -> None:
        errors = self.rule_errors()
        if errors:
            raise ValidationError(errors)

    def is_late(self, day: datetime.date) -> bool:
        return not self.is_concluded and self.feedback_due < day

    def days_late(self, day: datetime.date) -> int:
        return (day - self.feedback_due).days


class ProblemClue(HandedOver):
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
    concluded_on = models.DateField(_("concluded on"), null=True, blank=True)
    case_opened = models.BooleanField(_("case opened"), default=False)
    disciplined_count = models.PositiveIntegerField(_("people disciplined"), default=0)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("problem clue")
        verbose_name_plural = _("problem clues")
        ordering = ["round_id", "transferred_on", "id"]
        indexes = [
            models.Index(fields=["round", "status"]),
            # The sweep and the workbench: open clues by due date.
            models.Index(
                fields=["feedback_due", "id"],
                condition=~Q(status="concluded"),
                name="clue_open_by_due",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(feedback_due__gte=F("transferred_on")),
                name="clue_due_after_transfer",
            ),
            models.CheckConstraint(
                condition=Q(concluded_on__isnull=True) | Q(concluded_on__gte=F("transferred_on")),
                name="clue_concluded_after_transfer",
            ),
        ]

    def __str__(self) -> str:
        return self.summary[:40]

    @property
    def handed_over_on(self) -> datetime.date | None:
        return self.transferred_on

    def rule_errors(self) -> dict[str, str]:
        errors = super().rule_errors()
        if self.status == self.Status.CONCLUDED and not self.outcome.strip():
            errors.setdefault("outcome", str(_("Write the outcome of a concluded clue.")))
        return errors


class Petition(HandedOver):
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
    outcome = BoundedTextField(_("outcome"), max_length=10000, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("petition")
        verbose_name_plural = _("petitions")
        ordering = ["round_id", "received_on", "id"]
        indexes = [
            models.Index(fields=["round", "status"]),
            models.Index(
                fields=["feedback_due", "id"],
                condition=~Q(status="concluded"),
                name="petition_open_by_due",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="concluded") | Q(concluded_on__isnull=False),
                name="petition_concluded_has_date",
            ),
            models.CheckConstraint(
                condition=Q(feedback_due__gte=F("received_on")),
                name="petition_due_after_receipt",
            ),
            models.CheckConstraint(
                condition=Q(concluded_on__isnull=True) | Q(concluded_on__gte=F("received_on")),
                name="petition_concluded_after_receipt",
            ),
        ]

    def __str__(self) -> str:
        return self.summary[:40]

    @property
    def handed_over_on(self) -> datetime.date | None:
        return self.received_on
