"""Inspection rounds (巡视/巡察轮次) and their round-level outcome figures."""

from __future__ import annotations

import calendar
import datetime
import uuid

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from config.fields import BoundedTextField


def add_months(day: datetime.date, months: int) -> datetime.date:
    """The same day some months later, clamped to the month's end (31 Jan + 1 = 28/29 Feb)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return day.replace(
        year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1])
    )


REPORT_DUE_MONTHS = 2  # the rectification report is due two months after feedback


class InspectionRound(models.Model):
    class Kind(models.TextChoices):
        XUNSHI = "xunshi", _("Inspection tour (xunshi)")
        XUNCHA = "xuncha", _("Inspection (xuncha)")

    class Mode(models.TextChoices):
        REGULAR = "regular", _("Regular")
        SPECIAL = "special", _("Special")
        MOBILE = "mobile", _("Mobile")
        FOLLOW_UP = "follow_up", _("Look-back")

    class Endorsement(models.TextChoices):
        """Who vouches for a submission before the office signs it off (签字背书 / 双审核)."""

        NONE = "none", _("None: straight to the office")
        HEAD = "head", _("The lead unit's head endorses")
        HEAD_AND_SUPERIOR = "head_and_superior", _("The head endorses, then a superior reviews")

    name = models.CharField(_("name"), max_length=200, unique=True)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.XUNCHA)
    mode = models.CharField(_("mode"), max_length=10, choices=Mode.choices, default=Mode.REGULAR)
    jurisdiction = models.ForeignKey(
        "accounts.Jurisdiction",
        verbose_name=_("jurisdiction"),
        on_delete=models.PROTECT,
        related_name="rounds",
        blank=True,
        help_text=_("The inspecting office whose round this is; by default the inspected unit's."),
    )
    inspecting_body = models.CharField(
        _("inspecting body"), max_length=200, help_text=_("For example 市委第二巡察组.")
    )
    target_unit = models.ForeignKey(
        "accounts.Unit",
        verbose_name=_("inspected organisation"),
        on_delete=models.PROTECT,
        related_name="inspection_rounds",
    )
    onsite_start = models.DateField(_("on-site start"), null=True, blank=True)
    onsite_end = models.DateField(_("on-site end"), null=True, blank=True)
    feedback_date = models.DateField(_("feedback date"), null=True, blank=True)
    report_due_date = models.DateField(
        _("rectification report due"),
        null=True,
        blank=True,
        help_text=_("Defaults to two months after the feedback date."),
    )
    declared_problems = models.PositiveIntegerField(_("declared problems"), null=True, blank=True)
    declared_measures = models.PositiveIntegerField(_("declared measures"), null=True, blank=True)

    # Outcome figures printed in the public progress report.
    accountability_count = models.PositiveIntegerField(_("people held accountable"), default=0)
    discipline_count = models.PositiveIntegerField(
        _("party or administrative sanctions"), default=0
    )
    organisational_count = models.PositiveIntegerField(_("organisational handling"), default=0)
    admonition_count = models.PositiveIntegerField(_("admonishing talks"), default=0)
    criticism_count = models.PositiveIntegerField(_("criticism and education"), default=0)
    rules_established = models.PositiveIntegerField(_("rules established or revised"), default=0)
    funds_recovered = models.DecimalField(
        _("funds recovered (10k yuan)"),
        max_digits=14,
        decimal_places=2,
        default=0,
        validators=[MinValueValidator(0)],
    )
    losses_retrieved = models.DecimalField(
        _("losses retrieved (10k yuan)"),
        max_digits=14,
        decimal_places=2,
        default=0,
        validators=[MinValueValidator(0)],
    )
    contact = BoundedTextField(
        _("contact paragraph"),
        max_length=2000,
        blank=True,
        help_text=_("Closing paragraph of the public report: phone, mailbox, e-mail."),
    )

    endorsement = models.CharField(
        _("endorsement chain"),
        max_length=20,
        choices=Endorsement.choices,
        default=Endorsement.NONE,
        help_text=_("Who endorses a submission before the office signs it off."),
    )
    endorsement_superior = models.ForeignKey(
        "accounts.User",
        verbose_name=_("reviewing superior"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("The leader in charge (分管领导) who reviews after the head's endorsement."),
    )
    team = models.ManyToManyField(
        "accounts.User",
        verbose_name=_("inspection team"),
        blank=True,
        related_name="inspection_teams",
        help_text=_(
            "The members of the inspection team: staff of the round's jurisdiction and of "
            "those below it (a city's joint round takes county staff)."
        ),
    )

    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("inspection round")
        verbose_name_plural = _("inspection rounds")
        ordering = ["-feedback_date", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(onsite_start__isnull=True)
                | Q(onsite_end__isnull=True)
                | Q(onsite_end__gte=F("onsite_start")),
                name="round_onsite_dates_ordered",
            ),
            models.CheckConstraint(
                condition=Q(funds_recovered__gte=0) & Q(losses_retrieved__gte=0),
                name="round_money_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        if self.jurisdiction_id is None:
            self.jurisdiction_id = self.target_unit.jurisdiction_id
        if self.report_due_date is None and self.feedback_date is not None:
            self.report_due_date = add_months(self.feedback_date, REPORT_DUE_MONTHS)
        super().save(*args, **kwargs)

    @property
    def has_endorsement(self) -> bool:
        return self.endorsement != self.Endorsement.NONE

    @property
    def has_superior_review(self) -> bool:
        return self.endorsement == self.Endorsement.HEAD_AND_SUPERIOR


def round_report_upload_to(instance: RoundReport, filename: str) -> str:
    # Never served directly: a view that checks the round's visibility sends it.
    suffix = filename.rsplit(".", 1)[-1].lower()[:10] if "." in filename else "bin"
    return f"round_reports/{instance.round_id}/{uuid.uuid4().hex}.{suffix}"


class RoundReport(models.Model):
    """The rectification report (整改情况报告) a round owes its inspecting body (报告报账).

    Due two months after feedback (the round's report_due_date) unless told otherwise; sent
    on a date, with the file sent, and acknowledged by the inspecting body later.
    """

    round = models.ForeignKey(
        InspectionRound,
        verbose_name=_("inspection round"),
        on_delete=models.CASCADE,
        related_name="reports",
    )

    class Addressees(models.TextChoices):
        # 双报告: the inspecting body's office and the organisation department, both by default.
        BOTH = "both", _("The inspecting body's office and the organisation department")
        INSPECTING_OFFICE = "inspecting_office", _("The inspecting body's office")
        ORGANISATION_DEPARTMENT = "organisation_department", _("The organisation department")

    title = models.CharField(_("title"), max_length=200, default="整改情况报告")
    addressees = models.CharField(
        _("sent to"),
        max_length=30,
        choices=Addressees.choices,
        default=Addressees.BOTH,
        help_text=_(
            "Who the report goes to (双报告): the office of the round's inspecting body and "
            "the organisation department of the committee."
        ),
    )
    due = models.DateField(_("due"))
    sent_on = models.DateField(_("sent on"), null=True, blank=True)
    file = models.FileField(_("file"), upload_to=round_report_upload_to, max_length=200, blank=True)
    original_name = models.CharField(_("file name"), max_length=255, blank=True)
    acknowledged_on = models.DateField(_("acknowledged on"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        "accounts.User",
        verbose_name=_("recorded by"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("rectification report")
        verbose_name_plural = _("rectification reports")
        ordering = ["round", "due", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(acknowledged_on__isnull=True)
                | (Q(sent_on__isnull=False) & Q(acknowledged_on__gte=F("sent_on"))),
                name="round_report_acknowledged_after_sent",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.round} · {self.title}"

    def is_overdue(self, as_of: datetime.date) -> bool:
        return self.sent_on is None and self.due < as_of


def round_report_overdue_filter(as_of: datetime.date) -> Q:
    """RoundReport.is_overdue as a database filter."""
    return Q(sent_on__isnull=True, due__lt=as_of)
