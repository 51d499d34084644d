"""Admin for aspects, problems, clues and petitions."""

from typing import Any

from django.contrib import admin

from . import services
from .models import Aspect, Petition, Problem, ProblemClue


@admin.register(Aspect)
class AspectAdmin(admin.ModelAdmin):
    list_display = ["title", "round", "seq"]
    list_filter = ["round"]
    search_fields = ["title"]
    list_select_related = ["round"]


@admin.register(Problem)
class ProblemAdmin(admin.ModelAdmin):
    list_display = ["seq", "title", "round", "aspect", "category", "source"]
    list_filter = ["round", "category", "source"]
    search_fields = ["title", "description"]
    autocomplete_fields = ["aspect"]
    list_select_related = ["round", "aspect"]


class HandedOverAdmin(admin.ModelAdmin):
    """Saves through the findings services, like the pages and the API; the form has checked
    the rules first (the model's clean), so a save does not fail half way. The conclusion
    document is uploaded on the page or through the API, where it is checked."""

    exclude = ["document"]
    readonly_fields = ["document_name", "document_sha256"]
    instance_key = "clue"

    def save_model(self, request: Any, obj: Any, form: Any, change: bool) -> None:
        fields = {name: getattr(obj, name) for name in form.cleaned_data}
        save = services.clue_save if self.instance_key == "clue" else services.petition_save
        target = {self.instance_key: obj if change else None}
        saved = save(actor=request.user, fields=fields, **target)
        obj.pk = saved.pk


@admin.register(ProblemClue)
class ProblemClueAdmin(HandedOverAdmin):
    list_display = [
        "summary",
        "subject",
        "round",
        "transferred_to",
        "transferred_on",
        "feedback_due",
        "disposal",
        "status",
        "concluded_on",
    ]
    list_filter = ["round", "status", "disposal", "case_opened"]
    search_fields = ["summary", "subject", "transferred_to"]
    date_hierarchy = "transferred_on"
    list_select_related = ["round"]


@admin.register(Petition)
class PetitionAdmin(HandedOverAdmin):
    instance_key = "petition"
    list_display = [
        "summary",
        "round",
        "received_on",
        "feedback_due",
        "handler_unit",
        "status",
        "concluded_on",
    ]
    list_filter = ["round", "status"]
    search_fields = ["summary"]
    date_hierarchy = "received_on"
    autocomplete_fields = ["handler_unit"]
    list_select_related = ["round", "handler_unit"]
