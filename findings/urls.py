"""URLs of findings: aspects, clues, petitions (problems are served by rectification)."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from . import api, views

router = SimpleRouter()
router.register("aspects", api.AspectViewSet, basename="aspect")
router.register("clues", api.ClueViewSet, basename="clue")
router.register("petitions", api.PetitionViewSet, basename="petition")

api_urlpatterns = [*router.urls]

urlpatterns = [
    path("rounds/<int:round_pk>/aspects/new/", views.aspect_create, name="aspect-create"),
    path("clues/", views.clue_list, name="clue-list"),
    path("clues/new/", views.clue_form, name="clue-create"),
    path("clues/<int:pk>/", views.clue_form, name="clue-edit"),
    path("petitions/", views.petition_list, name="petition-list"),
    path("petitions/new/", views.petition_form, name="petition-create"),
    path("petitions/<int:pk>/", views.petition_form, name="petition-edit"),
]
