"""API tokens that expire: `Authorization: Token …` is refused once TOKEN_TTL_HOURS old."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication
from rest_framework.authtoken.models import Token


def token_expires_at(token: Token) -> datetime.datetime:
    return token.created + datetime.timedelta(hours=settings.TOKEN_TTL_HOURS)


class ExpiringTokenAuthentication(TokenAuthentication):
    """`Authorization: Token …`, refused (and deleted) once older than TOKEN_TTL_HOURS."""

    def authenticate_credentials(self, key: str):
        user, token = super().authenticate_credentials(key)
        if timezone.now() >= token_expires_at(token):
            token.delete()
            raise exceptions.AuthenticationFailed(_("The token has expired; sign in again."))
        return user, token
