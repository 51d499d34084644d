"""Inspection rounds (巡视/巡察轮次) and their round-level outcome figures."""

from __future__ import annotations

import calendar
import datetime

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _


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

    name = models.CharField(_("name"), max_length=200, unique=True)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.XUNCHA)
    mode = models.CharField(_("mode"), max_length=10, choices=Mode.choices, default=Mode.REGULAR)
    inspecting_body = models.CharField(_("inspecting body"), max_length=200)
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
    contact = models.TextField(
        _("contact paragraph"),
        blank=True,
        help_text=_("Closing paragraph of the public report: phone, mailbox, e-mail."),
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
        if self.report_due_date is None and self.feedback_date is not None:
            self.report_due_date = add_months(self.feedback_date, REPORT_DUE_MONTHS)
        super().save(*args, **kwargs)
