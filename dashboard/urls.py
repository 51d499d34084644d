"""URLs of the dashboard: the page and its API."""

from django.urls import path

from . import api, views

api_urlpatterns = [
    path("dashboard/summary/", api.SummaryView.as_view(), name="dashboard-summary"),
    path("dashboard/units/", api.UnitsView.as_view(), name="dashboard-units"),
    path(
        "dashboard/jurisdictions/",
        api.JurisdictionsView.as_view(),
        name="dashboard-jurisdictions",
    ),
    path("dashboard/trend/", api.TrendView.as_view(), name="dashboard-trend"),
    path("dashboard/urges/", api.UrgesView.as_view(), name="dashboard-urges"),
]

urlpatterns = [path("dashboard/", views.dashboard, name="dashboard")]
