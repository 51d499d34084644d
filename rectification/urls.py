"""URLs of rectification: measures and what hangs off them."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from . import api, ledger_api, notifications_api, views, views_ledger

router = SimpleRouter()
router.register("measures", api.MeasureViewSet, basename="measure")
router.register("evidence", api.EvidenceViewSet, basename="evidence")
router.register("extensions", api.ExtensionViewSet, basename="extension")
router.register("notifications", notifications_api.NotificationViewSet, basename="notification")

api_urlpatterns = [
    *router.urls,
    path("ledger/export/", ledger_api.LedgerExportView.as_view(), name="ledger-export"),
    path("ledger/import/", ledger_api.LedgerImportView.as_view(), name="ledger-import"),
]

urlpatterns = [
    path("measures/", views.measure_list, name="measure-list"),
    path("measures/<int:pk>/", views.measure_detail, name="measure-detail"),
    path("ledger/import/", views_ledger.ledger_import_page, name="ledger-import-page"),
]
