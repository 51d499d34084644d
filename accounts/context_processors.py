"""Template context of accounts: the idle timeout, for the page script that ends a page left
open past it (static/js/idle.js)."""

from __future__ import annotations

from django.http import HttpRequest

from .sessions import idle_timeout


def session(request: HttpRequest) -> dict[str, int]:
    if not getattr(request, "user", None) or not request.user.is_authenticated:
        return {}
    return {"session_idle_seconds": int(idle_timeout().total_seconds())}
