"""URLs of inspection rounds."""

from django.contrib.auth import views as auth_views
from django.urls import path
from rest_framework.routers import SimpleRouter

from . import api, report, views

router = SimpleRouter()
router.register("rounds", api.RoundViewSet, basename="round")

api_urlpatterns = [
    path(
        "rounds/<int:pk>/public-report/",
        report.PublicReportView.as_view(),
        name="round-public-report",
    ),
    *router.urls,
]

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("rounds/", views.round_list, name="round-list"),
    path("rounds/<int:pk>/", views.round_detail, name="round-detail"),
]
