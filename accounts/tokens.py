"""API tokens that expire and can be revoked, and a token endpoint behind the login lockout.

A token lives TOKEN_TTL_HOURS from its creation and ends sooner when unused for
SESSION_IDLE_TIMEOUT_MINUTES; signing out (of the API or of the site) deletes it, and a
password change deletes every token of the account. An account with an authenticator (and
one whose role needs it) gives its code in `otp`, as on the sign-in page.
"""

from __future__ import annotations

import logging

from django.contrib.auth import authenticate, user_logged_in
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.authtoken.models import Token
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from audit.events import SecurityKind, security_event

from . import second_factor
from .auth import signed_in_user
from .authentication import token_expires_at, token_used
from .lockout import is_locked_out, lockout_body
from .models import User
from .passwords import password_change_reason
from .permissions import is_administrator

logger = logging.getLogger("accounts.auth")


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=128, trim_whitespace=False)
    otp = serializers.CharField(
        max_length=32,
        required=False,
        allow_blank=True,
        help_text="The six-digit code of the authenticator app, or a recovery code.",
    )


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField()
    expires_at = serializers.DateTimeField()


class ObtainTokenView(APIView):
    """A token for scripts, from a user name and password; repeated failures lock out."""

    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(
        request=TokenRequestSerializer,
        responses={
            200: TokenSerializer,
            400: OpenApiResponse(description="Wrong user name or password, or no code"),
            401: OpenApiResponse(description="Wrong second-factor code"),
            403: OpenApiResponse(
                description="An administrator, or a second factor or a new password is due first"
            ),
            429: OpenApiResponse(description="Locked out after repeated failures"),
        },
    )
    def post(self, request: Request) -> Response:
        body = TokenRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        credentials = {"username": body.validated_data["username"]}
        # The Django request, so that django-axes counts failures per account and address.
        http_request = request._request
        if is_locked_out(http_request, credentials):
            return Response(lockout_body(), status=status.HTTP_429_TOO_MANY_REQUESTS)
        user = authenticate(
            request=http_request,
            username=body.validated_data["username"],
            password=body.validated_data["password"],
        )
        if getattr(http_request, "axes_locked_out", False):
            return Response(lockout_body(), status=status.HTTP_429_TOO_MANY_REQUESTS)
        if user is None or not user.is_active:
            raise serializers.ValidationError(
                {"non_field_errors": [_("Wrong user name or password.")]}, code="authorization"
            )
        if is_administrator(user):
            # The three administrators work in the admin site, where each step is theirs.
            raise exceptions.PermissionDenied(
                _("Administrators sign in to the admin site; they get no API token.")
            )
        refusal = self._second_factor(http_request, user, body.validated_data.get("otp", ""))
        if refusal is not None:
            return refusal
        if password_change_reason(user):
            return Response(
                {
                    "detail": _(
                        "The password must be changed on the website before a token is given."
                    ),
                    "code": "password_change_required",
                },
                status=status.HTTP_403_FORBIDDEN,
            )
        # A token is a login: last_login is set and django-axes clears the failure count.
        user_logged_in.send(sender=user.__class__, request=http_request, user=user)
        token, _created = Token.objects.get_or_create(user=user)
        if timezone.now() >= token_expires_at(token):
            token.delete()
            token = Token.objects.create(user=user)
        token_used(token)
        return Response({"token": token.key, "expires_at": token_expires_at(token)})

    @staticmethod
    def _second_factor(http_request, user, code: str) -> Response | None:
        """None when the second factor is satisfied, else the answer that refuses."""
        if not second_factor.has_second_factor(user):
            if not second_factor.otp_required(user):
                return None
            return Response(
                {
                    "detail": _(
                        "This account must enrol a second factor on the website before a "
                        "token is given."
                    ),
                    "code": "otp_enrolment_required",
                },
                status=status.HTTP_403_FORBIDDEN,
            )
        if not code.strip():
            raise serializers.ValidationError(
                {"otp": [_("Enter the code of your authenticator app or a recovery code.")]},
                code="otp_required",
            )
        if second_factor.verify_code(request=http_request, user=user, code=code) is not None:
            return None
        if getattr(http_request, "axes_locked_out", False):
            return Response(lockout_body(), status=status.HTTP_429_TOO_MANY_REQUESTS)
        return Response(
            {"detail": _("The second-factor code is wrong or has expired."), "code": "otp_invalid"},
            status=status.HTTP_401_UNAUTHORIZED,
            headers={"WWW-Authenticate": 'Token realm="api"'},
        )


class RevokeTokenView(APIView):
    """Sign a script out: its token is deleted at once."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        request=None,
        responses={204: None},
    )
    def post(self, request: Request) -> Response:
        user = signed_in_user(request)
        Token.objects.filter(user=user).delete()
        logger.info("token revoked by its user %s", user.get_username())
        security_event.send(
            sender=User,
            kind=SecurityKind.LOGOUT,
            request=request._request,
            user=user,
            detail={"via": "token", "username": user.get_username()},
        )
        return Response(status=status.HTTP_204_NO_CONTENT)
