"""URLs of findings: aspects, clues, petitions (problems are served by rectification)."""

from rest_framework.routers import SimpleRouter

from . import api

router = SimpleRouter()
router.register("aspects", api.AspectViewSet, basename="aspect")
router.register("clues", api.ClueViewSet, basename="clue")
router.register("petitions", api.PetitionViewSet, basename="petition")

api_urlpatterns = [*router.urls]
