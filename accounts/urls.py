"""URLs of accounts: sign-in pages (password, second factor, password change) and the API of
people and units."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from . import api, views

router = SimpleRouter()
router.register("jurisdictions", api.JurisdictionViewSet, basename="jurisdiction")
router.register("units", api.UnitViewSet, basename="unit")
router.register("users", api.UserViewSet, basename="user")

api_urlpatterns = [path("me/", api.me, name="me"), *router.urls]

urlpatterns = [
    path("login/", views.SignInView.as_view(), name="login"),
    path("logout/", views.SignOutView.as_view(), name="logout"),
    # OpenID Connect (404 while off); the callback's name is mozilla-django-oidc's default.
    path("oidc/authenticate/", views.oidc_start, name="oidc_authentication_init"),
    path("oidc/callback/", views.oidc_callback, name="oidc_authentication_callback"),
    path("account/second-factor/", views.OtpEnrolView.as_view(), name="otp-enrol"),
    path("account/second-factor/verify/", views.OtpVerifyView.as_view(), name="otp-verify"),
    path(
        "account/second-factor/recovery-codes/",
        views.recovery_codes,
        name="otp-recovery-codes",
    ),
    path("account/password/", views.PasswordChangeView.as_view(), name="password-change"),
    path(
        "accounts/<int:pk>/second-factor/reset/",
        views.reset_second_factor_page,
        name="user-second-factor-reset",
    ),
]
