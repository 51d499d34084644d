"""URLs of documents: the ledger both ways, the feedback import and the public report."""

from django.urls import path

from . import evaluation_docs, feedback_api, ledger_api, report, views

api_urlpatterns = [
    path("ledger/export/", ledger_api.LedgerExportView.as_view(), name="ledger-export"),
    path("ledger/import/", ledger_api.LedgerImportView.as_view(), name="ledger-import"),
    path("feedback/parse/", feedback_api.FeedbackParseView.as_view(), name="feedback-parse"),
    path("feedback/import/", feedback_api.FeedbackImportView.as_view(), name="feedback-import"),
    path(
        "rounds/<int:pk>/public-report/",
        report.PublicReportView.as_view(),
        name="round-public-report",
    ),
    *[
        path(
            f"{prefix}/<int:pk>/{kind}/",
            view.as_view(),
            {"kind": kind},
            name=f"{name}-{kind}",
        )
        for prefix, view, name in (
            ("evaluations", evaluation_docs.EvaluationFileView, "evaluation"),
            ("red-black-lists", evaluation_docs.RedBlackFileView, "red-black-list"),
        )
        for kind in ("xlsx", "docx")
    ],
]

urlpatterns = [
    path("feedback/import/", views.feedback_import_page, name="feedback-import-page"),
    path("ledger/import/", views.ledger_import_page, name="ledger-import-page"),
]
