"""Admin for inspection rounds."""

from django.contrib import admin

from .models import InspectionRound, RoundReport


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


@admin.register(RoundReport)
class RoundReportAdmin(admin.ModelAdmin):
    list_display = ["round", "title", "due", "sent_on", "acknowledged_on"]
    list_filter = ["sent_on", "acknowledged_on"]
    search_fields = ["round__name", "title"]
    date_hierarchy = "due"
    autocomplete_fields = ["round"]
    list_select_related = ["round"]
    readonly_fields = ["recorded_by", "created_at"]

    def save_model(self, request, obj, form, change) -> None:
        if not change:
            obj.recorded_by = request.user
        super().save_model(request, obj, form, change)
