"""Admin for units and accounts, split between the system and the security administrators.

Who may open which page comes from `User.has_perm` (accounts/permissions.py); this module adds
what a permission cannot say: which fields of an account each may change, which roles each
may give, and that an administrator's account is the superuser's alone to change. An account
an administrator creates or whose password they reset must change it at its next sign-in; the
security administrator resets a lost second factor (an action on the list, and a page per
account).
"""

from __future__ import annotations

from typing import Any

from axes.admin import AccessAttemptAdmin
from axes.models import AccessAttempt
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.forms import AdminPasswordChangeForm
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from audit.events import SecurityKind, security_event

from .models import Jurisdiction, Unit, User
from .permissions import account_fields_changeable_by, can_change_account, can_grant_role
from .second_factor import can_reset_second_factor, has_second_factor, reset_second_factor
from .selectors import (
    jurisdiction_scope,
    jurisdictions_visible_to,
    of_jurisdictions,
    units_visible_to,
    users_visible_to,
)


def _admin(request: HttpRequest) -> User:
    """The admin site's pages are behind its sign-in: the user is an account."""
    assert isinstance(request.user, User)
    return request.user


class InJurisdictionAdmin(admin.ModelAdmin):
    """An administrator keeps the rows of their own jurisdiction and those below it (a
    county's system administrator, its units and accounts); the choices of every key to a
    unit, an account or a jurisdiction are drawn from the same scope (`accounts.selectors`)."""

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return of_jurisdictions(super().get_queryset(request), _admin(request), "")

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        user = _admin(request)
        visible = {
            Unit: units_visible_to,
            User: users_visible_to,
            Jurisdiction: jurisdictions_visible_to,
        }.get(db_field.related_model)
        if visible is not None:
            kwargs["queryset"] = visible(user)
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if (
            field is not None
            and db_field.related_model is Jurisdiction
            and jurisdiction_scope(user) is not None
        ):
            # Below the administrator's own: never a new top beside it.
            field.required = True
        return field


@admin.register(Jurisdiction)
class JurisdictionAdmin(InJurisdictionAdmin):
    list_display = ["name", "short_name", "level", "parent"]
    list_filter = ["level"]
    search_fields = ["name", "short_name"]
    list_select_related = ["parent"]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        scope = jurisdiction_scope(_admin(request))
        qs = admin.ModelAdmin.get_queryset(self, request)
        return qs if scope is None else qs.filter(pk__in=scope)


@admin.register(Unit)
class UnitAdmin(InJurisdictionAdmin):
    list_display = ["name", "short_name", "kind", "parent", "jurisdiction", "is_active"]
    list_filter = ["kind", "is_active", "jurisdiction"]
    search_fields = ["name", "short_name"]
    autocomplete_fields = ["parent", "head"]
    list_select_related = ["parent", "jurisdiction"]


def _names(fieldsets: Any) -> list[str]:
    return [name for _title, options in fieldsets for name in options["fields"]]


class ResetPasswordForm(AdminPasswordChangeForm):
    """An administrator's new password for someone else is a reset: changed at next sign-in."""

    def save(self, commit: bool = True) -> User:
        user = super().save(commit=False)
        user.must_change_password = True
        if commit:
            user.save()
        return user


@admin.register(User)
class TrackerUserAdmin(InJurisdictionAdmin, UserAdmin):
    list_display = [
        "username",
        "display_name",
        "role",
        "unit",
        "jurisdiction",
        "is_active",
        "last_login",
    ]
    list_filter = ["role", "is_active", "jurisdiction", "unit"]
    search_fields = ["username", "display_name", "email", "unit__name"]
    list_select_related = ["unit", "jurisdiction"]
    autocomplete_fields = ["unit"]
    change_password_form = ResetPasswordForm
    actions = ["reset_second_factor_action"]
    readonly_fields = ["password_changed_at", "second_factor"]
    fieldsets = (
        *(UserAdmin.fieldsets or ()),
        (_("Tracker"), {"fields": ("display_name", "role", "unit", "jurisdiction")}),
        (
            _("Sign-on"),
            {"fields": ("must_change_password", "password_changed_at", "second_factor")},
        ),
    )
    add_fieldsets = (
        *UserAdmin.add_fieldsets,
        (_("Tracker"), {"fields": ("display_name", "role", "unit", "jurisdiction")}),
    )

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is not None and not can_change_account(request.user, obj):
            return False  # shown read-only to whoever may view it
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is not None and not can_change_account(request.user, obj):
            return False
        return super().has_delete_permission(request, obj)

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        fieldsets = super().get_fieldsets(request, obj)
        allowed = account_fields_changeable_by(request.user)
        if obj is None or allowed is None or "password" in allowed:
            return fieldsets
        # Not even the hash's summary, nor the link to set a new one.
        return [
            (title, {**options, "fields": [f for f in options["fields"] if f != "password"]})
            for title, options in fieldsets
        ]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        allowed = account_fields_changeable_by(request.user)
        if obj is None or allowed is None:
            return super().get_readonly_fields(request, obj)
        return [name for name in _names(self.get_fieldsets(request, obj)) if name not in allowed]

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any):
        form = super().get_form(request, obj, change=change, **kwargs)
        role = form.base_fields.get("role")
        if role is not None:
            # Only the roles this person may give (and the account's own): any other value
            # posted is refused by the form as not one of the choices.
            current = obj.role if obj is not None else None
            role.choices = [  # type: ignore[attr-defined]
                (value, label)
                for value, label in role.choices  # type: ignore[attr-defined]
                if value == current or can_grant_role(request.user, value, creating=obj is None)
            ]
        return form

    def save_model(self, request: HttpRequest, obj: User, form, change: bool) -> None:
        if not change and obj.has_usable_password():
            obj.must_change_password = True
        super().save_model(request, obj, form, change)

    def user_change_password(
        self, request: HttpRequest, id: str, form_url: str = ""
    ) -> HttpResponse:
        allowed = account_fields_changeable_by(request.user)
        if allowed is not None and "password" not in allowed:
            raise PermissionDenied
        response = super().user_change_password(request, id, form_url)
        if request.method == "POST" and response.status_code == 302:
            security_event.send(
                sender=__name__,
                kind=SecurityKind.PASSWORD_RESET,
                request=request,
                user=request.user,
                detail={"user": int(id), "via": "admin"},
            )
        return response

    @admin.display(description=_("second factor"))
    def second_factor(self, obj: User) -> str:
        if obj.pk is None or not has_second_factor(obj):
            return str(_("none"))
        link = reverse("user-second-factor-reset", args=[obj.pk])
        return format_html('{} · <a href="{}">{}</a>', _("enrolled"), link, _("reset"))

    @admin.action(description=_("Reset the second factor of the selected accounts"))
    def reset_second_factor_action(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        actor = request.user
        done, refused = 0, 0
        for user in queryset:
            if can_reset_second_factor(actor, user):  # type: ignore[arg-type]
                reset_second_factor(user, actor, request=request)  # type: ignore[arg-type]
                done += 1
            else:
                refused += 1
        if done:
            self.message_user(request, _("Second factor reset for %(n)d account(s).") % {"n": done})
        if refused:
            self.message_user(
                request,
                _("%(n)d account(s) left as they were: you may not reset them.") % {"n": refused},
                level=messages.WARNING,
            )


# --- Lockouts -------------------------------------------------------------------------------


class LockoutAdmin(AccessAttemptAdmin):
    """django-axes' failed attempts; deleting them unlocks, and the security log says so."""

    def _announce_unlock(self, request: HttpRequest, attempts: list[AccessAttempt]) -> None:
        for attempt in attempts:
            security_event.send(
                sender=AccessAttempt,
                kind=SecurityKind.UNLOCKED,
                request=request,
                user=request.user,
                detail={
                    "username": attempt.username or "",
                    "address": attempt.ip_address or "",
                    "failures": attempt.failures_since_start,
                },
            )

    def delete_model(self, request: HttpRequest, obj: AccessAttempt) -> None:
        super().delete_model(request, obj)
        self._announce_unlock(request, [obj])

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[AccessAttempt]) -> None:
        attempts = list(queryset)
        super().delete_queryset(request, queryset)
        self._announce_unlock(request, attempts)


if admin.site.is_registered(AccessAttempt):
    admin.site.unregister(AccessAttempt)
admin.site.register(AccessAttempt, LockoutAdmin)
