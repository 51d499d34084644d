"""Admin for measures and their records. History rows are read-only here as everywhere."""

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _

from accounts.auth import signed_in_user
from config.errors import DomainError

from . import services
from .models import Evidence, Extension, Measure, ProgressReport, StatusChange


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


class MeasureAdminForm(forms.ModelForm):
    class Meta:
        model = Measure
        fields = [
            "problem",
            "seq",
            "text",
            "lead_official",
            "lead_official_user",
            "lead_unit",
            "cooperating_units",
            "deadline",
            "is_long_term",
            "is_immediate",
        ]

    def clean(self) -> dict:
        data = super().clean() or {}
        if data.get("deadline") is None and not data.get("is_long_term"):
            self.add_error("deadline", _("A measure needs a deadline unless it is long-term."))
        return data


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
    form = MeasureAdminForm

    # Every write goes through rectification.services, as from the API: an edit raises the
    # version and writes its history rows, a creation numbers the measure, a deletion is
    # refused while history protects it.
    def save_model(self, request: HttpRequest, obj: Measure, form: forms.ModelForm, change: bool):
        data = form.cleaned_data
        try:
            if change:
                changes = {
                    name: data[name]
                    for name in form.changed_data
                    if name in services.EDITABLE_FIELDS
                }
                services.measure_update(
                    measure_id=obj.pk,
                    actor=signed_in_user(request),
                    changes=changes,
                    expected_version=form.initial.get("version"),
                )
            else:
                fields = {
                    name: data[name]
                    for name in services.EDITABLE_FIELDS
                    if name in data and name not in ("problem", "seq", "cooperating_units")
                }
                fields.pop("text", None)
                created = services.measure_create(
                    actor=signed_in_user(request),
                    problem=data["problem"],
                    text=data["text"],
                    seq=data.get("seq"),
                    cooperating_units=data.get("cooperating_units") or (),
                    **fields,
                )
                obj.pk = created.pk
                obj._state.adding = False
        except DomainError as exc:
            # The form was valid but the service refused: nothing was saved.
            self.message_user(request, exc.message, messages.ERROR)

    def save_related(self, request: HttpRequest, form: forms.ModelForm, formsets, change: bool):
        # Cooperating units were written by the service with the rest of the measure.
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    def delete_model(self, request: HttpRequest, obj: Measure) -> None:
        services.measure_delete(measure_id=obj.pk, actor=signed_in_user(request))

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Measure]) -> None:
        for measure in queryset:
            services.measure_delete(measure_id=measure.pk, actor=signed_in_user(request))


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
