"""Admin for publications: a read-only record; drafting, approval and withdrawal go through
the API, where no one publishes alone."""

from django.contrib import admin

from .models import Publication


@admin.register(Publication)
class PublicationAdmin(admin.ModelAdmin):
    list_display = ["title", "round", "drafted_by", "approved_by", "published_at", "withdrawn_at"]
    list_filter = ["published_at", "withdrawn_at"]
    search_fields = ["title", "round__name"]
    list_select_related = ["round", "drafted_by", "approved_by"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
