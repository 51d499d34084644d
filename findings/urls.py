"""URLs of findings: aspects, problems, clues, petitions."""

from rest_framework.routers import SimpleRouter

from . import api

router = SimpleRouter()
router.register("aspects", api.AspectViewSet, basename="aspect")
router.register("problems", api.ProblemViewSet, basename="problem")
router.register("clues", api.ClueViewSet, basename="clue")
router.register("petitions", api.PetitionViewSet, basename="petition")

api_urlpatterns = [*router.urls]
