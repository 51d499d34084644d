"""URLs of supervision: urge notices, look-backs, evaluations, the red-and-black list and the
supervision groups' pages."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from . import api, group_views, jurisdiction_views, views

router = SimpleRouter()
router.register("urges", api.UrgeNoticeViewSet, basename="urge")
router.register("look-backs", api.LookBackViewSet, basename="look-back")
router.register("look-back-items", api.LookBackItemViewSet, basename="look-back-item")
router.register("evaluation-schemes", api.EvaluationSchemeViewSet, basename="evaluation-scheme")
router.register("evaluations", api.EvaluationViewSet, basename="evaluation")
router.register(
    "jurisdiction-evaluations",
    api.JurisdictionEvaluationViewSet,
    basename="jurisdiction-evaluation",
)
router.register("red-black-lists", api.RedBlackListViewSet, basename="red-black-list")
router.register("supervision-groups", api.SupervisionGroupViewSet, basename="supervision-group")
router.register("supervision-visits", api.SupervisionVisitViewSet, basename="supervision-visit")

api_urlpatterns = [*router.urls]

urlpatterns = [
    path("urges/", views.urge_list, name="urge-list"),
    path("urges/new/", views.urge_issue, name="urge-issue"),
    path("urges/bulk/", views.urge_bulk, name="urge-bulk"),
    path("urges/<int:pk>/", views.urge_detail, name="urge-detail"),
    path("urges/<int:pk>/comments/", views.urge_comment, name="urge-comment"),
    path(
        "urges/<int:pk>/comments/<int:comment_pk>/",
        views.urge_comment_edit,
        name="urge-comment-edit",
    ),
    path("urges/<int:pk>/<slug:step>/", views.urge_step, name="urge-step"),
    path("rounds/<int:pk>/look-backs/new/", views.look_back_start, name="look-back-start"),
    path("look-backs/<int:pk>/", views.look_back_detail, name="look-back-detail"),
    path(
        "look-back-items/<int:pk>/verdict/",
        views.look_back_verdict,
        name="look-back-verdict",
    ),
    path(
        "rounds/<int:pk>/evaluation/",
        views.round_evaluation,
        name="round-evaluation",
    ),
    path("evaluations/<int:pk>/", views.evaluation_detail, name="evaluation-detail"),
    path(
        "jurisdiction-evaluations/",
        jurisdiction_views.jurisdiction_evaluation_list,
        name="jurisdiction-evaluation-list",
    ),
    path(
        "jurisdiction-evaluations/<int:pk>/",
        jurisdiction_views.jurisdiction_evaluation_detail,
        name="jurisdiction-evaluation-detail",
    ),
    path(
        "evaluations/<int:pk>/<slug:step>/",
        views.evaluation_step,
        name="evaluation-step",
    ),
    path("red-black-lists/", views.red_black_list, name="red-black-list"),
    path("supervision/", group_views.supervision_home, name="supervision-home"),
    path("supervision/groups/new/", group_views.group_form, name="group-create"),
    path("supervision/groups/<int:pk>/", group_views.group_detail, name="group-detail"),
    path("supervision/groups/<int:pk>/edit/", group_views.group_form, name="group-edit"),
    path("supervision/groups/<int:pk>/visits/new/", group_views.visit_new, name="group-visit-new"),
    path("red-black-lists/<int:pk>/", views.red_black_detail, name="red-black-detail"),
]
