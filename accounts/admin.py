"""Admin for units and accounts."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.utils.translation import gettext_lazy as _

from .models import Unit, User


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ["name", "short_name", "kind", "parent", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name", "short_name"]
    autocomplete_fields = ["parent", "head"]
    list_select_related = ["parent"]


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
