"""URLs of rectification: measures and what hangs off them, problems with their status,
the round pages and a round's numbers, each role's start page and the notifications."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from . import (
    api,
    findings_api,
    group_views,
    notifications_api,
    supervision_api,
    supervision_views,
    views,
)

router = SimpleRouter()
router.register("problems", findings_api.ProblemViewSet, basename="problem")
router.register("measures", api.MeasureViewSet, basename="measure")
router.register("evidence", api.EvidenceViewSet, basename="evidence")
router.register("extensions", api.ExtensionViewSet, basename="extension")
router.register("notifications", notifications_api.NotificationViewSet, basename="notification")
router.register("urges", supervision_api.UrgeNoticeViewSet, basename="urge")
router.register("look-backs", supervision_api.LookBackViewSet, basename="look-back")
router.register("look-back-items", supervision_api.LookBackItemViewSet, basename="look-back-item")
router.register(
    "evaluation-schemes", supervision_api.EvaluationSchemeViewSet, basename="evaluation-scheme"
)
router.register("evaluations", supervision_api.EvaluationViewSet, basename="evaluation")
router.register("red-black-lists", supervision_api.RedBlackListViewSet, basename="red-black-list")
router.register(
    "supervision-groups", supervision_api.SupervisionGroupViewSet, basename="supervision-group"
)
router.register(
    "supervision-visits", supervision_api.SupervisionVisitViewSet, basename="supervision-visit"
)

api_urlpatterns = [
    path("rounds/<int:pk>/stats/", findings_api.RoundStatsView.as_view(), name="round-stats"),
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
    path("rounds/<int:pk>/timeline/", views.round_timeline, name="round-timeline"),
    path("rounds/<int:round_pk>/problems/new/", views.problem_create, name="problem-create"),
    path("problems/<int:pk>/edit/", views.problem_edit, name="problem-edit"),
    path("problems/<int:problem_pk>/measures/new/", views.measures_add, name="measures-add"),
    path("measures/<int:pk>/edit/", views.measure_edit, name="measure-edit"),
    path("measures/<int:pk>/progress/", views.measure_progress, name="measure-progress"),
    path("measures/<int:pk>/evidence/", views.measure_evidence, name="measure-evidence"),
    path("measures/<int:pk>/extension/", views.measure_extension, name="measure-extension"),
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
    path("urges/", supervision_views.urge_list, name="urge-list"),
    path("urges/new/", supervision_views.urge_issue, name="urge-issue"),
    path("urges/<int:pk>/", supervision_views.urge_detail, name="urge-detail"),
    path("urges/<int:pk>/<slug:step>/", supervision_views.urge_step, name="urge-step"),
    path(
        "rounds/<int:pk>/look-backs/new/", supervision_views.look_back_start, name="look-back-start"
    ),
    path("look-backs/<int:pk>/", supervision_views.look_back_detail, name="look-back-detail"),
    path(
        "look-back-items/<int:pk>/verdict/",
        supervision_views.look_back_verdict,
        name="look-back-verdict",
    ),
    path(
        "rounds/<int:pk>/evaluation/",
        supervision_views.round_evaluation,
        name="round-evaluation",
    ),
    path("evaluations/<int:pk>/", supervision_views.evaluation_detail, name="evaluation-detail"),
    path(
        "evaluations/<int:pk>/<slug:step>/",
        supervision_views.evaluation_step,
        name="evaluation-step",
    ),
    path("red-black-lists/", supervision_views.red_black_list, name="red-black-list"),
    path("supervision/", group_views.supervision_home, name="supervision-home"),
    path("supervision/groups/new/", group_views.group_form, name="group-create"),
    path("supervision/groups/<int:pk>/", group_views.group_detail, name="group-detail"),
    path("supervision/groups/<int:pk>/edit/", group_views.group_form, name="group-edit"),
    path("supervision/groups/<int:pk>/visits/new/", group_views.visit_new, name="group-visit-new"),
    path("red-black-lists/<int:pk>/", supervision_views.red_black_detail, name="red-black-detail"),
    path("notifications/", views.notification_list, name="notification-list"),
    path("notifications/read-all/", views.notification_read_all, name="notification-read-all"),
    path("notifications/<int:pk>/read/", views.notification_open, name="notification-open"),
]
