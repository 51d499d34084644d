"""URLs of inspection rounds: the round form (the round pages and numbers are served by
rectification, which has the measures)."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from . import api, views

router = SimpleRouter()
router.register("rounds", api.RoundViewSet, basename="round")
router.register("round-reports", api.RoundReportViewSet, basename="round-report")

api_urlpatterns = [*router.urls]

urlpatterns = [
    path("rounds/new/", views.round_form, name="round-create"),
    path("rounds/<int:pk>/edit/", views.round_form, name="round-edit"),
    path("rounds/<int:pk>/reports/", views.round_reports, name="round-reports"),
]
