"""Publications (双公开): a round's progress report, drafted, approved by a second office user,
then frozen as the snapshot that the public pages show."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from config.fields import BoundedTextField


class Publication(models.Model):
    class State(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    round = models.ForeignKey(
        "inspections.InspectionRound",
        verbose_name=_("inspection round"),
        on_delete=models.PROTECT,
        related_name="publications",
    )
    title = models.CharField(_("title"), max_length=200)
    text = BoundedTextField(_("text"), max_length=200_000)
    drafted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("drafted by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    drafted_at = models.DateTimeField(_("drafted at"), auto_now_add=True)
    # Everyone who wrote what is published: the drafter and each editor since. None of them
    # may approve it (accounts.duties).
    authors = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("authors"), related_name="+", blank=True
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("approved by"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("withdrawn by"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    withdraw_reason = BoundedTextField(_("reason for withdrawal"), max_length=2000, blank=True)
    # What was shown: title, organisation, date, text and numbers as published. Never
    # recomputed, so a later edit of a measure does not change a published page.
    snapshot = models.JSONField(_("snapshot"), default=dict, blank=True)

    class Meta:
        verbose_name = _("publication")
        verbose_name_plural = _("publications")
        ordering = ["-published_at", "-id"]
        indexes = [models.Index(fields=["published_at", "withdrawn_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(approved_by__isnull=True) | ~Q(approved_by=F("drafted_by")),
                name="publication_approved_by_another",
            ),
            models.CheckConstraint(
                condition=Q(published_at__isnull=True) | Q(approved_by__isnull=False),
                name="publication_published_when_approved",
            ),
            models.CheckConstraint(
                condition=Q(withdrawn_at__isnull=True) | Q(published_at__isnull=False),
                name="publication_withdrawn_after_published",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def state(self) -> str:
        if self.withdrawn_at is not None:
            return self.State.WITHDRAWN
        if self.published_at is not None:
            return self.State.PUBLISHED
        return self.State.DRAFT

    @property
    def state_label(self) -> str:
        return str(self.State(self.state).label)


def shown_filter() -> Q:
    """Publications the public and every signed-in user may read."""
    return Q(published_at__isnull=False, withdrawn_at__isnull=True)
