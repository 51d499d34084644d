"""Sign-in through an OpenID provider (mozilla-django-oidc): code flow with PKCE, role and unit
from claims, and the sign-out that ends the provider's session too.

The provider's endpoints come from the settings (OIDC_OP_*_ENDPOINT) or, for those not set,
from its discovery document (OIDC_OP_DISCOVERY_URL), fetched once an hour at most. The
account is the one whose user name is the OIDC_USERNAME_CLAIM (`preferred_username`); its
role comes from OIDC_ROLE_CLAIM (`role`: a role code, or a value OIDC_ROLE_MAP maps to one;
a list takes the widest), its unit from OIDC_UNIT_CLAIM (`unit`: a unit's name or short name).
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlencode

import requests
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured, SuspiciousOperation
from django.http import HttpRequest, HttpResponseRedirect
from django.urls import reverse
from django.views.generic import View
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.utils import import_from_settings
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView, OIDCAuthenticationRequestView

from .models import User
from .sso import OIDC, SignOnRefused, apply_role_and_unit, check_existing, conf, first_role, refuse

logger = logging.getLogger("accounts.auth")

# Settings that the discovery document answers when they are not set themselves.
DISCOVERED = {
    "OIDC_OP_AUTHORIZATION_ENDPOINT": "authorization_endpoint",
    "OIDC_OP_TOKEN_ENDPOINT": "token_endpoint",
    "OIDC_OP_USER_ENDPOINT": "userinfo_endpoint",
    "OIDC_OP_JWKS_ENDPOINT": "jwks_uri",
    "OIDC_OP_LOGOUT_ENDPOINT": "end_session_endpoint",
    "OIDC_OP_ISSUER": "issuer",
}
DISCOVERY_CACHE_SECONDS = 3600


def discovery() -> dict[str, Any]:
    url = getattr(settings, "OIDC_OP_DISCOVERY_URL", "")
    if not url:
        return {}
    key = f"oidc-discovery:{url}"
    document = cache.get(key)
    if document is None:
        response = requests.get(url, timeout=conf("OIDC_TIMEOUT"), verify=conf("OIDC_VERIFY_SSL"))
        response.raise_for_status()
        document = response.json()
        cache.set(key, document, DISCOVERY_CACHE_SECONDS)
    return document


def oidc_setting(attr: str, *default: Any) -> Any:
    """mozilla-django-oidc's settings, with the provider's endpoints from discovery."""
    value = getattr(settings, attr, None)
    if attr in DISCOVERED and not value:
        value = discovery().get(DISCOVERED[attr])
        if not value:
            if default:
                return default[0]
            raise ImproperlyConfigured(f"{attr} is neither set nor in the discovery document")
        return value
    return import_from_settings(attr, *default)


def _values(claim: Any) -> list[str]:
    if claim is None:
        return []
    if isinstance(claim, list | tuple):
        return [str(item) for item in claim]
    return [str(claim)]


class ProviderBackend(OIDCAuthenticationBackend):
    get_settings = staticmethod(oidc_setting)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # Django builds every backend for every sign-in, the local ones included: nothing
        # here may ask the provider, or a provider that is down would hold up the local admin.
        self.OIDC_RP_CLIENT_ID = conf("OIDC_RP_CLIENT_ID")
        self.OIDC_RP_CLIENT_SECRET = conf("OIDC_RP_CLIENT_SECRET")
        self.OIDC_RP_SIGN_ALGO = conf("OIDC_RP_SIGN_ALGO")
        self.OIDC_RP_IDP_SIGN_KEY = getattr(settings, "OIDC_RP_IDP_SIGN_KEY", None)
        self.UserModel = User

    def authenticate(self, request, **kwargs: Any) -> User | None:
        # Only the callback view calls with a nonce; a password sign-in is not ours.
        if request is None or "nonce" not in kwargs or "password" in kwargs:
            return None
        try:
            self.OIDC_OP_TOKEN_ENDPOINT = oidc_setting("OIDC_OP_TOKEN_ENDPOINT")
            self.OIDC_OP_USER_ENDPOINT = oidc_setting("OIDC_OP_USER_ENDPOINT")
            self.OIDC_OP_JWKS_ENDPOINT = oidc_setting("OIDC_OP_JWKS_ENDPOINT", None)
            return super().authenticate(request, **kwargs)
        except requests.HTTPError as error:
            # The provider answered, and refused (a code used twice, a wrong client secret).
            logger.warning("OpenID provider refused the token request: %s", error)
            refuse(via=OIDC, reason="provider_refused", username="", request=request)
            return None
        except requests.RequestException as error:
            logger.warning("OpenID provider unavailable: %s", error)
            refuse(via=OIDC, reason="unavailable", username="", request=request)
            return None

    def verify_token(self, token: str, **kwargs: Any) -> dict[str, Any]:
        payload = super().verify_token(token, **kwargs)
        # mozilla-django-oidc checks the signature and the nonce; the issuer and the audience
        # are checked here, so a token the provider made for another client is refused.
        issuer = oidc_setting("OIDC_OP_ISSUER", "")
        if issuer and payload.get("iss") != issuer:
            raise SuspiciousOperation("ID token from another issuer")
        if self.OIDC_RP_CLIENT_ID not in _values(payload.get("aud")):
            raise SuspiciousOperation("ID token for another client")
        return payload

    def _username(self, claims: dict[str, Any]) -> str:
        return str(claims.get(conf("OIDC_USERNAME_CLAIM")) or "").strip()[:150]

    def verify_claims(self, claims: dict[str, Any]) -> bool:
        if self._username(claims):
            return True
        refuse(via=OIDC, reason="no_username", username="", request=self.request)
        return False

    def filter_users_by_claims(self, claims: dict[str, Any]):
        return User.objects.filter(username__iexact=self._username(claims))

    def get_or_create_user(self, access_token, id_token, payload):
        try:
            return super().get_or_create_user(access_token, id_token, payload)
        except SignOnRefused:
            return None

    def create_user(self, claims: dict[str, Any]) -> User:
        user = User(username=self._username(claims))
        self._apply_claims(user, claims)
        user.set_unusable_password()
        user.save()
        return user

    def update_user(self, user: User, claims: dict[str, Any]) -> User:
        check_existing(user, via=OIDC, username=user.username, request=self.request)
        self._apply_claims(user, claims)
        user.save()
        return user

    def _apply_claims(self, user: User, claims: dict[str, Any]) -> None:
        role_map: dict[str, str] = conf("OIDC_ROLE_MAP")
        given = _values(claims.get(conf("OIDC_ROLE_CLAIM")))
        roles = [role_map.get(value) for value in given] if role_map else given
        units = _values(claims.get(conf("OIDC_UNIT_CLAIM")))
        apply_role_and_unit(
            user,
            role=first_role(role for role in roles if role),
            unit_value=units[0] if units else "",
            via=OIDC,
            username=user.username,
            request=self.request,
        )
        user.email = str(claims.get("email") or user.email)[:254]
        user.display_name = str(claims.get("name") or user.display_name)[:100]


class SignOnStartView(OIDCAuthenticationRequestView):
    """To the provider's authorisation endpoint, with state, nonce and the PKCE challenge."""

    get_settings = staticmethod(oidc_setting)

    def __init__(self, **kwargs: Any) -> None:
        # The endpoint is looked up when asked for, not when the view is built.
        View.__init__(self, **kwargs)
        self.OIDC_RP_CLIENT_ID = conf("OIDC_RP_CLIENT_ID")

    def get(self, request):
        try:
            self.OIDC_OP_AUTH_ENDPOINT = oidc_setting("OIDC_OP_AUTHORIZATION_ENDPOINT")
        except requests.RequestException as error:
            logger.warning("OpenID provider unavailable: %s", error)
            refuse(via=OIDC, reason="unavailable", username="", request=request)
            return HttpResponseRedirect(conf("LOGIN_REDIRECT_URL_FAILURE"))
        return super().get(request)


class SignOnCallbackView(OIDCAuthenticationCallbackView):
    """Back from the provider: the code is exchanged, the account found or made, signed in."""

    get_settings = staticmethod(oidc_setting)

    def get(self, request):
        if request.GET.get("error"):
            refuse(
                via=OIDC,
                reason=f"provider: {request.GET['error'][:50]}",
                username="",
                request=request,
            )
        return super().get(request)


def end_session_url(request: HttpRequest) -> str | None:
    """The provider's end-session address for this session (RP-initiated logout), or None
    when the session did not come through the provider. Read it before the session ends."""
    if not getattr(settings, "OIDC_ENABLED", False):
        return None
    id_token = request.session.get("oidc_id_token")
    endpoint = oidc_setting("OIDC_OP_LOGOUT_ENDPOINT", "") if id_token else ""
    if not endpoint:
        return None
    query = urlencode(
        {
            "id_token_hint": id_token,
            "client_id": conf("OIDC_RP_CLIENT_ID"),
            "post_logout_redirect_uri": request.build_absolute_uri(reverse("login")),
        }
    )
    return f"{endpoint}?{query}"
