"""API tokens that expire and can be revoked, and a token endpoint behind the login lockout.

A token lives TOKEN_TTL_HOURS from its creation; signing out (of the API or of the site)
deletes it, and a password change deletes every token of the account.
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

from .auth import signed_in_user
from .authentication import token_expires_at
from .lockout import is_locked_out, lockout_body
from .permissions import is_administrator

logger = logging.getLogger("accounts.auth")


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=128, trim_whitespace=False)


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
            400: OpenApiResponse(description="Wrong user name or password"),
            403: OpenApiResponse(description="Administrators get no API token"),
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
        # A token is a login: last_login is set and django-axes clears the failure count.
        user_logged_in.send(sender=user.__class__, request=http_request, user=user)
        token, _created = Token.objects.get_or_create(user=user)
        if timezone.now() >= token_expires_at(token):
            token.delete()
            token = Token.objects.create(user=user)
        return Response({"token": token.key, "expires_at": token_expires_at(token)})


class RevokeTokenView(APIView):
    """Sign a script out: its token is deleted at once."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        request=None,
        responses={204: None},
    )
    def post(self, request: Request) -> Response:
        Token.objects.filter(user=signed_in_user(request)).delete()
        logger.info("token revoked by its user %s", signed_in_user(request).get_username())
        return Response(status=status.HTTP_204_NO_CONTENT)
