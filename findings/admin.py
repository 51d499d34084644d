"""Admin for aspects, problems, clues and petitions."""

from django.contrib import admin

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


@admin.register(ProblemClue)
class ProblemClueAdmin(admin.ModelAdmin):
    list_display = [
        "summary",
        "subject",
        "round",
        "transferred_to",
        "transferred_on",
        "disposal",
        "status",
    ]
    list_filter = ["round", "status", "disposal", "case_opened"]
    search_fields = ["summary", "subject", "transferred_to"]
    date_hierarchy = "transferred_on"
    list_select_related = ["round"]


@admin.register(Petition)
class PetitionAdmin(admin.ModelAdmin):
    list_display = ["summary", "round", "received_on", "handler_unit", "status", "concluded_on"]
    list_filter = ["round", "status"]
    search_fields = ["summary"]
    date_hierarchy = "received_on"
    autocomplete_fields = ["handler_unit"]
    list_select_related = ["round", "handler_unit"]
