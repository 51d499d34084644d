"""URLs of inspection rounds (the round pages and numbers are served by rectification)."""

from rest_framework.routers import SimpleRouter

from . import api

router = SimpleRouter()
router.register("rounds", api.RoundViewSet, basename="round")

api_urlpatterns = [*router.urls]
