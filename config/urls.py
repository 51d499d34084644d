"""Root URLs, the composition root: pages, the admin, API v1 and its documentation."""

from django.contrib import admin
from django.contrib.auth.decorators import login_required
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from accounts.tokens import ObtainTokenView, RevokeTokenView
from accounts.urls import api_urlpatterns as accounts_api
from accounts.urls import urlpatterns as accounts_pages
from accounts.views import AdminSignInView
from audit.urls import urlpatterns as audit_pages
from dashboard.urls import api_urlpatterns as dashboard_api
from dashboard.urls import urlpatterns as dashboard_pages
from documents.urls import api_urlpatterns as documents_api
from documents.urls import urlpatterns as documents_pages
from findings.urls import api_urlpatterns as findings_api
from findings.urls import urlpatterns as findings_pages
from inspections.urls import api_urlpatterns as inspections_api
from inspections.urls import urlpatterns as inspections_pages
from rectification.urls import api_urlpatterns as rectification_api
from rectification.urls import urlpatterns as rectification_pages
from reminders.urls import api_urlpatterns as reminders_api
from reminders.urls import urlpatterns as reminders_pages
from supervision.urls import api_urlpatterns as supervision_api
from supervision.urls import urlpatterns as supervision_pages

api_v1 = [
    path("auth/token/", ObtainTokenView.as_view(), name="api-token"),
    path("auth/logout/", RevokeTokenView.as_view(), name="api-logout"),
    *accounts_api,
    *inspections_api,
    *findings_api,
    *rectification_api,
    *supervision_api,
    *reminders_api,
    *documents_api,
    *dashboard_api,
]

urlpatterns = [
    # The admin's sign-in takes the same two steps (password, then the second factor).
    path("admin/login/", AdminSignInView.as_view(), name="admin-login"),
    path("admin/", admin.site.urls),
    path("api/v1/", include((api_v1, "api"), namespace="api")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # Behind login; the split view serves its start-up script as a file, for the CSP.
    path(
        "api/docs/",
        login_required(SpectacularSwaggerSplitView.as_view(url_name="schema")),
        name="swagger-ui",
    ),
    path("i18n/", include("django.conf.urls.i18n")),
    *accounts_pages,
    *audit_pages,
    *rectification_pages,
    *supervision_pages,
    *reminders_pages,
    *documents_pages,
    *inspections_pages,
    *findings_pages,
    *dashboard_pages,
]

handler404 = "config.api.not_found"
handler500 = "config.api.server_error"
