"""URLs of accounts: sign-in pages and the API of people and units."""

from django.contrib.auth import views as auth_views
from django.urls import path
from rest_framework.routers import SimpleRouter

from . import api

router = SimpleRouter()
router.register("units", api.UnitViewSet, basename="unit")
router.register("users", api.UserViewSet, basename="user")

api_urlpatterns = [path("me/", api.me, name="me"), *router.urls]

urlpatterns = [
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
]
