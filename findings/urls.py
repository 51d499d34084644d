"""URLs of findings: aspects, problems, clues, petitions."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from . import api, feedback_api, views

router = SimpleRouter()
router.register("aspects", api.AspectViewSet, basename="aspect")
router.register("problems", api.ProblemViewSet, basename="problem")
router.register("clues", api.ClueViewSet, basename="clue")
router.register("petitions", api.PetitionViewSet, basename="petition")

api_urlpatterns = [
    *router.urls,
    path("feedback/parse/", feedback_api.FeedbackParseView.as_view(), name="feedback-parse"),
    path("feedback/import/", feedback_api.FeedbackImportView.as_view(), name="feedback-import"),
]

urlpatterns = [
    path("feedback/import/", views.feedback_import_page, name="feedback-import-page"),
]
