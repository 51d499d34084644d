"""API tokens that expire: `Authorization: Token …` is refused once TOKEN_TTL_HOURS old or
when unused for SESSION_IDLE_TIMEOUT_MINUTES."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication
from rest_framework.authtoken.models import Token

from audit.events import security_event

from . import sessions
from .models import TokenActivity
from .permissions import is_administrator


def token_expires_at(token: Token) -> datetime.datetime:
    return token.created + datetime.timedelta(hours=settings.TOKEN_TTL_HOURS)


def token_used(token: Token, now: datetime.datetime | None = None) -> None:
    """The token's idle clock starts again (at issue and on use)."""
    TokenActivity.objects.update_or_create(
        token=token, defaults={"last_used_at": now or timezone.now()}
    )


class ExpiringTokenAuthentication(TokenAuthentication):
    """`Authorization: Token …`, refused (and deleted) once older than TOKEN_TTL_HOURS or idle
    for SESSION_IDLE_TIMEOUT_MINUTES; its last use is written at most once a minute."""

    def authenticate_credentials(self, key: str):
        try:
            token = Token.objects.select_related("user", "activity").get(key=key)
        except Token.DoesNotExist:
            raise exceptions.AuthenticationFailed(_("Invalid token.")) from None
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        now = timezone.now()
        try:
            last_used = token.activity.last_used_at
        except TokenActivity.DoesNotExist:
            last_used = None
        if now >= token_expires_at(token):
            self._end(token, sessions.LIMIT)
            raise exceptions.AuthenticationFailed(_("The token has expired; sign in again."))
        if is_administrator(token.user):
            # A token issued before the account became an administrator's: the API is not theirs.
            raise exceptions.PermissionDenied(
                _("Administrators sign in to the admin site; they get no API token.")
            )
        if now - (last_used or token.created) >= sessions.idle_timeout():
            self._end(token, sessions.IDLE)
            raise exceptions.AuthenticationFailed(
                _("The token was not used for too long and has expired; sign in again.")
            )
        if last_used is None:
            token_used(token, now)
        elif now - last_used >= sessions.touch_interval():
            TokenActivity.objects.filter(pk=token.pk).update(last_used_at=now)
        return token.user, token

    @staticmethod
    def _end(token: Token, reason: str) -> None:
        user = token.user
        token.delete()
        security_event.send(
            sender=__name__,
            kind=sessions.event_kind(reason),
            request=None,
            user=user,
            detail={"user": user.pk, "via": "token"},
        )
