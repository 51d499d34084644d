"""The security log's view of every answer: refusals (403), downloads, clue and petition pages.

Placed just inside the authentication middleware, it sees the answer every later layer gave
(a refusal of the administrators' split, a CSRF failure, a view's own 403) and the user a
token signed in inside the view (DRF sets it on this same request). Which routes show clue
or petition content is a setting (SECURITY_LOG_SENSITIVE_ROUTES), so that this ground layer
names no app above it.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from urllib.parse import unquote

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.functional import SimpleLazyObject, empty

from . import security_log
from .events import SecurityKind

logger = logging.getLogger("audit.security")

_FILENAME_STAR = re.compile(r"filename\*\s*=\s*(?:utf-8|UTF-8)''([^;]+)")
_FILENAME = re.compile(r'filename\s*=\s*"?([^";]+)"?')


def attachment_name(disposition: str) -> str | None:
    """The file name of an answer sent as an attachment, or None if it is not one."""
    if not disposition.lower().startswith("attachment"):
        return None
    starred = _FILENAME_STAR.search(disposition)
    if starred:
        return unquote(starred.group(1))
    plain = _FILENAME.search(disposition)
    return plain.group(1) if plain else ""


def _may_be_signed_in(request: HttpRequest) -> bool:
    """False when nobody can be signed in: no session cookie, and no user set by the view (a
    token). Asking the lazy user then would read the session and make the answer vary by
    cookie, which the public pages must not."""
    user = request.__dict__.get("user")
    if isinstance(user, SimpleLazyObject) and getattr(user, "_wrapped", None) is empty:
        return settings.SESSION_COOKIE_NAME in request.COOKIES
    return user is not None


class SecurityLogMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.sensitive = frozenset(settings.SECURITY_LOG_SENSITIVE_ROUTES)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        try:
            self.log(request, response)
        except Exception:
            logger.exception("security log: could not record %s %s", request.method, request.path)
        return response

    def log(self, request: HttpRequest, response: HttpResponse) -> None:
        match = getattr(request, "resolver_match", None)
        route = match.view_name if match is not None else ""
        status = response.status_code
        if status == 403:
            security_log.record(
                SecurityKind.FORBIDDEN, request=request, status=status, detail={"route": route}
            )
            return
        if not 200 <= status < 300:
            return
        if not _may_be_signed_in(request):
            return  # the public pages' downloads are anyone's, and vary by no cookie
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return
        name = attachment_name(response.get("Content-Disposition", ""))
        if name is not None:
            security_log.record(
                SecurityKind.DOWNLOAD,
                request=request,
                status=status,
                detail={"route": route, "file": name},
            )
        elif route in self.sensitive and request.method in ("GET", "HEAD"):
            detail: dict = {"route": route}
            detail.update(match.kwargs if match else {})
            security_log.record(
                SecurityKind.SENSITIVE_VIEW, request=request, status=status, detail=detail
            )
