"""URLs of rectification: measures and what hangs off them."""

from rest_framework.routers import SimpleRouter

from . import api

router = SimpleRouter()
router.register("measures", api.MeasureViewSet, basename="measure")

api_urlpatterns = [*router.urls]
