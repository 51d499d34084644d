"""URLs of inspection rounds."""

from rest_framework.routers import SimpleRouter

from . import api

router = SimpleRouter()
router.register("rounds", api.RoundViewSet, basename="round")

api_urlpatterns = [*router.urls]
