"""URLs of documents: the ledger both ways, the feedback import, the public report and the
periodic reports."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from . import (
    evaluation_docs,
    feedback_api,
    five_ledgers_api,
    ledger_api,
    periodic_docs,
    public_views,
    publications_api,
    report,
    views,
)

router = SimpleRouter()
router.register("publications", publications_api.PublicationViewSet, basename="publication")

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
    *[
        path(
            f"rounds/<int:pk>/periodic/{extension}/",
            periodic_docs.PeriodicFileView.as_view(),
            {"extension": extension},
            name=f"round-periodic-{extension}",
        )
        for extension in ("docx", "xlsx")
    ],
    *router.urls,
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
    path("publications/", views.publication_list, name="publication-list"),
    path("publications/new/", views.publication_create, name="publication-create"),
    path("publications/<int:pk>/", views.publication_detail, name="publication-detail"),
    path(
        "publications/<int:pk>/approve/",
        views.publication_approve_page,
        name="publication-approve-page",
    ),
    path(
        "publications/<int:pk>/withdraw/",
        views.publication_withdraw_page,
        name="publication-withdraw-page",
    ),
    path("rounds/<int:pk>/periodic/", views.round_periodic, name="round-periodic"),
    path("periodic/", views.jurisdiction_periodic, name="jurisdiction-periodic"),
    path("public/", public_views.public_list, name="public-list"),
    path("public/<int:pk>/", public_views.public_detail, name="public-detail"),
    path("public/<int:pk>/report.docx", public_views.public_docx, name="public-docx"),
]
