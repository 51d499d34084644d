"""The answer to a locked-out login (django-axes), the same on every login path."""

from __future__ import annotations

import logging

from axes.handlers.proxy import AxesProxyHandler
from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from config.network import client_address

logger = logging.getLogger("accounts.auth")


def lockout_message() -> str:
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return _(
        "Too many failed sign-in attempts: this account or address is locked for %(minutes)d "
        "minutes. Ask an administrator to unlock it sooner."
    ) % {"minutes": minutes}


def lockout_body() -> dict:
    return {"detail": lockout_message(), "code": "locked_out"}


def is_locked_out(request: HttpRequest, credentials: dict) -> bool:
    return AxesProxyHandler.is_locked(request, credentials)


def lockout_response(request: HttpRequest, response=None, credentials=None, *args, **kwargs):
    """AXES_LOCKOUT_CALLABLE: JSON for the API, a page for people; 429 either way."""
    username = (credentials or {}).get("username", "")
    logger.warning(
        "login locked out: user %r from %s on %s",
        username,
        request.META.get("REMOTE_ADDR", "?"),
        request.path,
    )
    if request.path.startswith("/api/"):
        return JsonResponse(lockout_body(), status=429)
    html = render_to_string(
        "registration/locked_out.html", {"message": lockout_message()}, request=request
    )
    return HttpResponse(html, status=429)


def client_ip(request: HttpRequest) -> str:
    """AXES_CLIENT_IP_CALLABLE: the client's address, as the security log reads it too."""
    return client_address(request)
