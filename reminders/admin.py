"""Admin for what the reminders wrote: read-only, like every record appended by a service."""

from django.contrib import admin

from rectification.admin import ReadOnlyAdmin

from .models import Notification, ReminderDelivery, ReminderLog


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
