"""The audit trail in the admin: read and exported by the audit administrator, written by nobody.

Who reads it is asked of `user.has_perm`, which the accounts layer answers for the three
separated administrators: this ground layer names no role.
"""

from __future__ import annotations

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .export import csv_response
from .models import AuditEntry

EXPORT_COLUMNS = [
    ("chain_seq", _("chain position")),
    ("at", _("at")),
    ("actor_id", _("actor id")),
    ("actor_name", _("actor")),
    ("action", _("action")),
    ("model", _("record type")),
    ("object_id", _("record id")),
    ("object_repr", _("record")),
    ("changes", _("old and new values")),
    ("path", _("request path")),
    ("hash", _("hash")),
]


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = ["at", "actor_name", "action", "model", "object_id", "object_repr", "path"]
    list_filter = ["action", "model"]
    search_fields = ["object_repr", "actor_name", "object_id"]
    date_hierarchy = "at"
    readonly_fields = [f.name for f in AuditEntry._meta.fields]
    actions = ["export_csv"]

    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        return request.user.has_perm("audit.view_auditentry")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    @admin.action(description=_("Export the selected entries (CSV)"), permissions=["view"])
    def export_csv(self, request: HttpRequest, queryset: QuerySet[AuditEntry]):
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        return csv_response(queryset, EXPORT_COLUMNS, f"audit-{stamp}.csv")
