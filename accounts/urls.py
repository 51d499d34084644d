"""URLs of accounts: sign-in pages and the API of people and units."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from . import api, views

router = SimpleRouter()
router.register("units", api.UnitViewSet, basename="unit")
router.register("users", api.UserViewSet, basename="user")

api_urlpatterns = [path("me/", api.me, name="me"), *router.urls]

urlpatterns = [
    path("login/", views.SignInView.as_view(), name="login"),
    path("logout/", views.SignOutView.as_view(), name="logout"),
    # OpenID Connect (404 while off); the callback's name is mozilla-django-oidc's default.
    path("oidc/authenticate/", views.oidc_start, name="oidc_authentication_init"),
    path("oidc/callback/", views.oidc_callback, name="oidc_authentication_callback"),
]
