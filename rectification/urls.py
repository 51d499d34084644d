"""URLs of rectification: measures and what hangs off them."""

from rest_framework.routers import SimpleRouter

from . import api

router = SimpleRouter()
router.register("measures", api.MeasureViewSet, basename="measure")
router.register("evidence", api.EvidenceViewSet, basename="evidence")
router.register("extensions", api.ExtensionViewSet, basename="extension")

api_urlpatterns = [*router.urls]
