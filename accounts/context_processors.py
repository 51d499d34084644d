"""Template context of accounts: the idle timeout, for the page script that ends a page left
open past it (static/js/idle.js)."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest

from .sessions import idle_timeout


def session(request: HttpRequest) -> dict[str, int]:
    # Read the session only if there is one: public pages must not vary by cookie.
    if settings.SESSION_COOKIE_NAME not in request.COOKIES or not request.user.is_authenticated:
        return {}
    return {"session_idle_seconds": int(idle_timeout().total_seconds())}
