"""URLs of rectification: measures and what hangs off them, problems with their status,
the round pages and a round's numbers."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from . import api, findings_api, notifications_api, views

router = SimpleRouter()
router.register("problems", findings_api.ProblemViewSet, basename="problem")
router.register("measures", api.MeasureViewSet, basename="measure")
router.register("evidence", api.EvidenceViewSet, basename="evidence")
router.register("extensions", api.ExtensionViewSet, basename="extension")
router.register("notifications", notifications_api.NotificationViewSet, basename="notification")

api_urlpatterns = [
    path("rounds/<int:pk>/stats/", findings_api.RoundStatsView.as_view(), name="round-stats"),
    *router.urls,
]

urlpatterns = [
    path("", views.home, name="home"),
    path("rounds/", views.round_list, name="round-list"),
    path("rounds/<int:pk>/", views.round_detail, name="round-detail"),
    path("measures/", views.measure_list, name="measure-list"),
    path("measures/<int:pk>/", views.measure_detail, name="measure-detail"),
]
