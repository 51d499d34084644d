"""Admin for measures and their records. History rows are read-only here as everywhere."""

from django.contrib import admin
from django.http import HttpRequest

from .models import (
    Evidence,
    Extension,
    Measure,
    Notification,
    ProgressReport,
    ReminderDelivery,
    ReminderLog,
    StatusChange,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records that are appended by the services and never edited by hand."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


class StatusChangeInline(admin.TabularInline):
    model = StatusChange
    extra = 0
    can_delete = False
    fields = readonly_fields = (
        "at",
        "action",
        "from_status",
        "to_status",
        "actor",
        "comment",
        "field",
        "old_value",
        "new_value",
    )

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(Measure)
class MeasureAdmin(admin.ModelAdmin):
    list_display = ["__str__", "problem", "lead_unit", "deadline", "is_long_term", "status"]
    list_filter = ["status", "is_long_term", "is_immediate", "lead_unit", "problem__round"]
    search_fields = ["text", "lead_official", "problem__title"]
    date_hierarchy = "deadline"
    autocomplete_fields = ["problem", "lead_unit", "lead_official_user"]
    filter_horizontal = ["cooperating_units"]
    # Status and sign-off move only through the workflow, which writes the history.
    readonly_fields = [
        "status",
        "submitted_at",
        "submitted_by",
        "closed_at",
        "closed_by",
        "version",
        "result_summary",
    ]
    list_select_related = ["problem", "lead_unit"]
    inlines = [StatusChangeInline]


@admin.register(StatusChange)
class StatusChangeAdmin(ReadOnlyAdmin):
    list_display = ["measure", "action", "from_status", "to_status", "actor", "at"]
    list_filter = ["action"]
    search_fields = ["comment", "measure__text"]
    list_select_related = ["measure", "actor"]


@admin.register(ProgressReport)
class ProgressReportAdmin(ReadOnlyAdmin):
    list_display = ["measure", "period", "percent", "author", "created_at"]
    list_filter = ["period"]
    search_fields = ["text"]
    list_select_related = ["measure", "author"]


@admin.register(Evidence)
class EvidenceAdmin(ReadOnlyAdmin):
    list_display = [
        "original_name",
        "measure",
        "size",
        "content_type",
        "uploaded_by",
        "uploaded_at",
    ]
    search_fields = ["original_name", "description", "sha256"]
    list_select_related = ["measure", "uploaded_by"]


@admin.register(Extension)
class ExtensionAdmin(ReadOnlyAdmin):
    list_display = [
        "measure",
        "old_deadline",
        "new_deadline",
        "status",
        "requested_by",
        "decided_by",
    ]
    list_filter = ["status"]
    list_select_related = ["measure", "requested_by", "decided_by"]


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ["title", "recipient", "kind", "created_at", "read_at"]
    list_filter = ["kind"]
    search_fields = ["title", "body"]
    list_select_related = ["recipient"]


@admin.register(ReminderLog)
class ReminderLogAdmin(ReadOnlyAdmin):
    list_display = ["kind", "measure", "key_date", "recipient", "created_at"]
    list_filter = ["kind"]
    list_select_related = ["measure", "recipient"]


@admin.register(ReminderDelivery)
class ReminderDeliveryAdmin(ReadOnlyAdmin):
    """The outbox of reminder e-mails and chat messages, so failed deliveries show."""

    list_display = ["channel", "recipient", "unit", "status", "attempts", "created_at"]
    list_filter = ["channel", "status"]
    list_select_related = ["recipient", "unit"]
