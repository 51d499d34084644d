"""URLs of documents: the ledger both ways, the feedback import and the public report."""

from django.urls import path

from . import feedback_api, five_ledgers_api, ledger_api, report, views

api_urlpatterns = [
    path("ledger/export/", ledger_api.LedgerExportView.as_view(), name="ledger-export"),
    path("ledger/import/", ledger_api.LedgerImportView.as_view(), name="ledger-import"),
    path(
        "ledger/five-ledgers/",
        five_ledgers_api.FiveLedgersExportView.as_view(),
        name="five-ledgers-export",
    ),
    path("feedback/parse/", feedback_api.FeedbackParseView.as_view(), name="feedback-parse"),
    path("feedback/import/", feedback_api.FeedbackImportView.as_view(), name="feedback-import"),
    path(
        "rounds/<int:pk>/public-report/",
        report.PublicReportView.as_view(),
        name="round-public-report",
    ),
]

urlpatterns = [
    path("feedback/import/", views.feedback_import_page, name="feedback-import-page"),
    path("ledger/import/", views.ledger_import_page, name="ledger-import-page"),
]
