"""Units (the organisation tree) and users with their roles."""

from __future__ import annotations

from typing import Any, ClassVar

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Unit(models.Model):
    class Kind(models.TextChoices):
        PARTY_COMMITTEE = "party_committee", _("Party committee")
        DEPARTMENT = "department", _("Department")
        STREET_TOWN = "street_town", _("Street or town")
        STATE_ENTERPRISE = "state_enterprise", _("State enterprise")
        OTHER = "other", _("Other")

    name = models.CharField(_("name"), max_length=200, unique=True)
    short_name = models.CharField(_("short name"), max_length=50, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.DEPARTMENT)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent unit"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
    )
    is_active = models.BooleanField(_("active"), default=True)
    head = models.ForeignKey(
        "accounts.User",
        verbose_name=_("principal leader"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="headed_units",
        help_text=_("Receives escalated overdue warnings."),
    )
    webhook_url = models.URLField(
        _("chat robot webhook"),
        blank=True,
        help_text=_("Enterprise chat robot address (WeCom / DingTalk) for reminders."),
    )

    class Meta:
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(parent=models.F("id")),
                name="unit_not_own_parent",
                violation_error_message=_("A unit cannot be its own parent."),
            ),
        ]

    def __str__(self) -> str:
        return self.name


class TrackerUserManager(UserManager["User"]):
    def create_superuser(
        self,
        username: str,
        email: str | None = None,
        password: str | None = None,
        **extra_fields: Any,
    ) -> User:
        extra_fields.setdefault("role", User.Role.ADMIN)
        return super().create_superuser(username, email, password, **extra_fields)


class User(AbstractUser):
    class Role(models.TextChoices):
        ADMIN = "admin", _("Administrator")
        OFFICE = "office", _("Office staff")
        LEADER = "leader", _("Leader")
        LIAISON = "liaison", _("Unit liaison")
        # A member of a rectification supervision group (督查组) from outside the office: sees
        # and writes only through the groups (accounts/selectors.py).
        SUPERVISOR = "supervisor", _("Supervision group member")

    role = models.CharField(_("role"), max_length=10, choices=Role.choices, default=Role.LIAISON)
    unit = models.ForeignKey(
        Unit,
        verbose_name=_("unit"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
        help_text=_("Required for unit liaisons."),
    )
    display_name = models.CharField(_("display name"), max_length=100, blank=True)

    objects: ClassVar[TrackerUserManager] = TrackerUserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["username"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(role="liaison") | Q(unit__isnull=False),
                name="liaison_has_unit",
                violation_error_message=_("A liaison of a responsible unit needs that unit."),
            ),
        ]

    def __str__(self) -> str:
        return self.display_name or self.get_full_name() or self.username

    @property
    def is_admin(self) -> bool:
        return self.role == self.Role.ADMIN or self.is_superuser

    @property
    def is_office(self) -> bool:
        """Office staff and admins: the people who log, review and sign off."""
        return self.is_admin or self.role == self.Role.OFFICE

    @property
    def is_liaison(self) -> bool:
        return self.role == self.Role.LIAISON and not self.is_superuser

    @property
    def is_supervisor(self) -> bool:
        return self.role == self.Role.SUPERVISOR and not self.is_superuser

    @property
    def sees_everything(self) -> bool:
        return self.is_office or self.role == self.Role.LEADER
