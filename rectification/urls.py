"""URLs of rectification: measures and what hangs off them, problems with their status,
the round pages and a round's numbers, and each role's start page."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from . import api, problems_api, views

router = SimpleRouter()
router.register("problems", problems_api.ProblemViewSet, basename="problem")
router.register("measures", api.MeasureViewSet, basename="measure")
router.register("evidence", api.EvidenceViewSet, basename="evidence")
router.register("extensions", api.ExtensionViewSet, basename="extension")

api_urlpatterns = [
    path("rounds/<int:pk>/stats/", problems_api.RoundStatsView.as_view(), name="round-stats"),
    *router.urls,
]

urlpatterns = [
    path("", views.home, name="home"),
    path("tasks/", views.my_tasks, name="my-tasks"),
    path("workbench/", views.workbench, name="workbench"),
    path("rounds/", views.round_list, name="round-list"),
    path("rounds/<int:pk>/", views.round_detail, name="round-detail"),
    path("measures/", views.measure_list, name="measure-list"),
    path("measures/<int:pk>/", views.measure_detail, name="measure-detail"),
    path("measures/bulk/", views.measure_bulk, name="measure-bulk"),
    path("rounds/<int:pk>/timeline/", views.round_timeline, name="round-timeline"),
    path("rounds/<int:round_pk>/problems/new/", views.problem_create, name="problem-create"),
    path("problems/<int:pk>/edit/", views.problem_edit, name="problem-edit"),
    path("problems/<int:problem_pk>/measures/new/", views.measures_add, name="measures-add"),
    path("measures/<int:pk>/edit/", views.measure_edit, name="measure-edit"),
    path("measures/<int:pk>/progress/", views.measure_progress, name="measure-progress"),
    path("measures/<int:pk>/evidence/", views.measure_evidence, name="measure-evidence"),
    path("measures/<int:pk>/extension/", views.measure_extension, name="measure-extension"),
    path("measures/<int:pk>/comments/", views.measure_comment, name="measure-comment"),
    path(
        "measures/<int:pk>/comments/<int:comment_pk>/",
        views.measure_comment_edit,
        name="measure-comment-edit",
    ),
    path(
        "measures/<int:pk>/<slug:step>/",
        views.measure_step,
        name="measure-step",
    ),
    path(
        "extensions/<int:pk>/<slug:decision>/",
        views.extension_decide,
        name="extension-decide",
    ),
]
