"""URLs of inspection rounds (the round pages and numbers are served by rectification)."""

from rest_framework.routers import SimpleRouter

from . import api

router = SimpleRouter()
router.register("rounds", api.RoundViewSet, basename="round")
router.register("round-reports", api.RoundReportViewSet, basename="round-report")

api_urlpatterns = [*router.urls]
