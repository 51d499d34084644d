"""Admin for units and accounts, split between the system and the security administrators.

Who may open which page comes from `User.has_perm` (accounts/permissions.py); this module adds
what a permission cannot say: which fields of an account each may change, which roles each
may give, and that an administrator's account is the superuser's alone to change.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _

from .models import Unit, User
from .permissions import account_fields_changeable_by, can_change_account, can_grant_role


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ["name", "short_name", "kind", "parent", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name", "short_name"]
    autocomplete_fields = ["parent", "head"]
    list_select_related = ["parent"]


def _names(fieldsets: Any) -> list[str]:
    return [name for _title, options in fieldsets for name in options["fields"]]


@admin.register(User)
class TrackerUserAdmin(UserAdmin):
    list_display = ["username", "display_name", "role", "unit", "is_active", "last_login"]
    list_filter = ["role", "is_active", "unit"]
    search_fields = ["username", "display_name", "email", "unit__name"]
    list_select_related = ["unit"]
    autocomplete_fields = ["unit"]
    fieldsets = (
        *(UserAdmin.fieldsets or ()),
        (_("Tracker"), {"fields": ("display_name", "role", "unit")}),
    )
    add_fieldsets = (
        *UserAdmin.add_fieldsets,
        (_("Tracker"), {"fields": ("display_name", "role", "unit")}),
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

    def user_change_password(
        self, request: HttpRequest, id: str, form_url: str = ""
    ) -> HttpResponse:
        allowed = account_fields_changeable_by(request.user)
        if allowed is not None and "password" not in allowed:
            raise PermissionDenied
        return super().user_change_password(request, id, form_url)
