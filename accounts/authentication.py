"""API tokens that expire: `Authorization: Token …` is refused once TOKEN_TTL_HOURS old."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication
from rest_framework.authtoken.models import Token

from .permissions import is_administrator


def token_expires_at(token: Token) -> datetime.datetime:
    return token.created + datetime.timedelta(hours=settings.TOKEN_TTL_HOURS)


class ExpiringTokenAuthentication(TokenAuthentication):
    """`Authorization: Token …`, refused (and deleted) once older than TOKEN_TTL_HOURS."""

    def authenticate_credentials(self, key: str):
        user, token = super().authenticate_credentials(key)
        if timezone.now() >= token_expires_at(token):
            token.delete()
            raise exceptions.AuthenticationFailed(_("The token has expired; sign in again."))
        if is_administrator(user):
            # A token issued before the account became an administrator's: the API is not theirs.
            raise exceptions.PermissionDenied(
                _("Administrators sign in to the admin site; they get no API token.")
            )
        return user, token
