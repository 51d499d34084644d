"""Admin for inspection rounds."""

from django.contrib import admin

from .models import InspectionRound


@admin.register(InspectionRound)
class InspectionRoundAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "kind",
        "mode",
        "inspecting_body",
        "target_unit",
        "feedback_date",
        "report_due_date",
    ]
    list_filter = ["kind", "mode"]
    search_fields = ["name", "inspecting_body", "target_unit__name"]
    date_hierarchy = "feedback_date"
    autocomplete_fields = ["target_unit"]
    list_select_related = ["target_unit"]
