"""Units (the organisation tree) and users with their roles, the three administrators' too."""

from __future__ import annotations

import contextlib
from typing import Any, ClassVar

from django.contrib.auth.models import AbstractUser, UserManager
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework.authtoken.models import Token

from .roles import UserRole

TOP_JURISDICTION_NAME = "本级巡视巡察工作机构"
JURISDICTION_TREE_CACHE_KEY = "accounts:jurisdiction-tree"
JURISDICTION_TREE_CACHE_SECONDS = 60


class JurisdictionManager(models.Manager["Jurisdiction"]):
    def top(self) -> Jurisdiction:
        """The top of the tree, where a record made without a jurisdiction belongs: a
        deployment of one office has only this one. Made on first use."""
        top = self.filter(parent__isnull=True).order_by("id").first()
        if top is None:
            top, _created = self.get_or_create(
                name=TOP_JURISDICTION_NAME, defaults={"level": Jurisdiction.Level.CITY}
            )
        return top

    def tree(self) -> dict[int, int | None]:
        """Each jurisdiction's level above, by key: a few dozen rows, kept in the cache, so the
        scope rule costs no query on a page (accounts.selectors.jurisdiction_scope)."""
        try:
            tree = cache.get(JURISDICTION_TREE_CACHE_KEY)
        except Exception:  # the cache is down: read the table, the site keeps serving
            tree = None
        if tree is None:
            tree = self.refresh_tree()
        return tree

    def refresh_tree(self) -> dict[int, int | None]:
        tree: dict[int, int | None] = dict(self.order_by().values_list("id", "parent_id"))
        # With the cache down the table is read again next time.
        with contextlib.suppress(Exception):
            cache.set(JURISDICTION_TREE_CACHE_KEY, tree, JURISDICTION_TREE_CACHE_SECONDS)
        return tree

    def tree_changed(self) -> None:
        # Read again now, for the rest of this request, and once more when the change is
        # committed, for everyone. A change rolled back after the save stays in the cache
        # until it expires (a minute): a jurisdiction is saved alone, by an administrator.
        self.refresh_tree()
        transaction.on_commit(self.refresh_tree)


class Jurisdiction(models.Model):
    """巡视巡察机构: an inspecting body's office (省/市/县(区)) with the rounds, units and staff
    that are its own. Office staff and leaders see their own and every one below it."""

    class Level(models.TextChoices):
        PROVINCE = "province", _("Province")
        CITY = "city", _("City")
        COUNTY = "county", _("County or district")

    name = models.CharField(
        _("name"), max_length=100, unique=True, help_text=_("For example 甲县县委巡察办.")
    )
    short_name = models.CharField(
        _("short name"), max_length=30, blank=True, help_text=_("For example 甲县.")
    )
    level = models.CharField(_("level"), max_length=10, choices=Level.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("the level above"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
    )

    objects: ClassVar[JurisdictionManager] = JurisdictionManager()

    class Meta:
        verbose_name = _("jurisdiction")
        verbose_name_plural = _("jurisdictions")
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(parent=models.F("id")),
                name="jurisdiction_not_own_parent",
                violation_error_message=_("A jurisdiction cannot be its own level above."),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        super().save(*args, **kwargs)
        Jurisdiction.objects.tree_changed()

    def delete(self, *args, **kwargs):
        deleted = super().delete(*args, **kwargs)
        Jurisdiction.objects.tree_changed()
        return deleted

    @property
    def label(self) -> str:
        return self.short_name or self.name

    def clean(self) -> None:
        super().clean()
        seen, above = {self.pk}, self.parent
        while above is not None:
            if above.pk in seen:
                raise ValidationError(
                    {"parent": _("A jurisdiction cannot sit below one of its own.")}
                )
            seen.add(above.pk)
            above = above.parent


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
    jurisdiction = models.ForeignKey(
        Jurisdiction,
        verbose_name=_("jurisdiction"),
        on_delete=models.PROTECT,
        related_name="units",
        blank=True,
        help_text=_(
            "The inspecting body's office whose work this unit's is; by default its parent's."
        ),
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

    def save(self, *args, **kwargs) -> None:
        if self.jurisdiction_id is None:
            self.jurisdiction_id = (
                self.parent.jurisdiction_id if self.parent else Jurisdiction.objects.top().pk
            )
        super().save(*args, **kwargs)


class TrackerUserManager(UserManager["User"]):
    def create_superuser(
        self,
        username: str,
        email: str | None = None,
        password: str | None = None,
        **extra_fields: Any,
    ) -> User:
        # The bootstrap account: it creates the three administrators (setup_administrators)
        # and is then disabled.
        extra_fields.setdefault("role", UserRole.SYSTEM_ADMIN)
        return super().create_superuser(username, email, password, **extra_fields)


class User(AbstractUser):
    Role = UserRole

    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.LIAISON)
    unit = models.ForeignKey(
        Unit,
        verbose_name=_("unit"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
        help_text=_("Required for unit liaisons."),
    )
    jurisdiction = models.ForeignKey(
        Jurisdiction,
        verbose_name=_("jurisdiction"),
        on_delete=models.PROTECT,
        related_name="users",
        blank=True,
        help_text=_(
            "Office staff and leaders see this jurisdiction's work and that of every one below"
            " it; by default the unit's."
        ),
    )
    display_name = models.CharField(_("display name"), max_length=100, blank=True)
    # Set when an administrator creates the account or resets its password; cleared when the
    # user chooses a password of their own.
    must_change_password = models.BooleanField(_("must change password"), default=False)
    # Raised by set_password; the password expires PASSWORD_MAX_AGE_DAYS after it.
    password_changed_at = models.DateTimeField(_("password changed at"), default=timezone.now)
    # An account made by load_demo: only while DEMO_ACCOUNTS is on (never in production) does
    # it keep its demo password past expiry and go without a second factor.
    is_demo_account = models.BooleanField(_("demo account"), default=False, editable=False)

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
            # A role is one of the known ones, never a list or a spelling of two.
            models.CheckConstraint(
                condition=Q(role__in=UserRole.values),
                name="user_role_known",
                violation_error_message=_("Choose one of the roles."),
            ),
        ]

    def __str__(self) -> str:
        return self.display_name or self.get_full_name() or self.username

    def clean(self) -> None:
        super().clean()
        # The constraint's own check is skipped where the form leaves the unit out (the
        # security administrator changes a role, not a unit): say it here, for the whole form.
        if self.role == self.Role.LIAISON and self.unit_id is None:
            raise ValidationError(_("A liaison of a responsible unit needs that unit."))

    def save(self, *args, **kwargs) -> None:
        # A liaison works for their unit, so belongs to its jurisdiction; anyone else keeps
        # the one given, by default the unit's.
        fields = kwargs.get("update_fields")
        if fields is not None and not {"unit", "jurisdiction", "role"} & set(fields):
            super().save(*args, **kwargs)
            return
        if self.unit is not None and (self.jurisdiction_id is None or self.is_liaison):
            self.jurisdiction_id = self.unit.jurisdiction_id
        elif self.jurisdiction_id is None:
            self.jurisdiction_id = Jurisdiction.objects.top().pk
        super().save(*args, **kwargs)

    def has_perm(self, perm: str, obj: Any = None) -> bool:
        """Django's permission check, with the administrators' rule first (permissions.py)."""
        from .permissions import role_decides_perm

        decided = role_decides_perm(self, perm)
        return super().has_perm(perm, obj) if decided is None else decided

    def has_module_perms(self, app_label: str) -> bool:
        from .permissions import role_decides_module

        decided = role_decides_module(self, app_label)
        return super().has_module_perms(app_label) if decided is None else decided

    def set_password(self, raw_password: str | None) -> None:
        super().set_password(raw_password)
        self.password_changed_at = timezone.now()

    @property
    def is_admin(self) -> bool:
        """The bootstrap superuser, who may do everything until it is disabled.

        It exists only to create the three administrators (setup_administrators), none of
        whom is it: they do no business work at all.
        """
        return self.is_superuser

    @property
    def is_system_admin(self) -> bool:
        """系统管理员: units, accounts and settings; neither the audit trail nor roles."""
        return self.role == self.Role.SYSTEM_ADMIN and not self.is_superuser

    @property
    def is_security_admin(self) -> bool:
        """安全管理员: roles and permissions, lockout and second-factor resets; no business data."""
        return self.role == self.Role.SECURITY_ADMIN and not self.is_superuser

    @property
    def is_audit_admin(self) -> bool:
        """审计管理员: reads and exports the audit trail and the security log; changes nothing."""
        return self.role == self.Role.AUDIT_ADMIN and not self.is_superuser

    @property
    def is_administrator(self) -> bool:
        """One of the three separated administrators, who are refused every business page."""
        return self.is_system_admin or self.is_security_admin or self.is_audit_admin

    @property
    def is_office(self) -> bool:
        """Office staff (and the bootstrap superuser): the people who log, review and sign off."""
        return self.is_admin or self.role == self.Role.OFFICE

    @property
    def is_liaison(self) -> bool:
        return self.role == self.Role.LIAISON and not self.is_superuser

    @property
    def is_supervisor(self) -> bool:
        return self.role == self.Role.SUPERVISOR and not self.is_superuser

    @property
    def sees_jurisdiction(self) -> bool:
        """Office staff, leaders and the bootstrap superuser: they read the work of their
        jurisdiction and of every one below it (accounts.selectors.jurisdiction_scope)."""
        return self.is_office or self.role == self.Role.LEADER


class PasswordHistory(models.Model):
    """The hash of a password an account has had: the last few may not be chosen again."""

    user = models.ForeignKey(
        User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="password_history"
    )
    password = models.CharField(_("password hash"), max_length=128)
    created_at = models.DateTimeField(_("set at"), default=timezone.now)

    class Meta:
        verbose_name = _("former password")
        verbose_name_plural = _("former passwords")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "-created_at"], name="password_history_recent")]

    def __str__(self) -> str:
        return f"{self.user_id} @ {self.created_at:%Y-%m-%d %H:%M}"


class TokenActivity(models.Model):
    """When an API token was last used: a token idle for SESSION_IDLE_TIMEOUT_MINUTES ends."""

    token = models.OneToOneField(
        Token, on_delete=models.CASCADE, primary_key=True, related_name="activity"
    )
    last_used_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("token activity")
        verbose_name_plural = _("token activity")

    def __str__(self) -> str:
        return f"{self.last_used_at:%Y-%m-%d %H:%M:%S}"
