"""Who is acting: the request being served (or a named actor for commands and tasks)."""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Callable, Iterator
from typing import Any

from django.http import HttpRequest, HttpResponse

_request: contextvars.ContextVar[HttpRequest | None] = contextvars.ContextVar(
    "audit_request", default=None
)
_actor: contextvars.ContextVar[Any] = contextvars.ContextVar("audit_actor", default=None)


class AuditContextMiddleware:
    """Remember the request, so a change made while serving it names its user.

    The user is read when the change is recorded, not now: DRF authenticates a token inside
    the view, and sets the user on this same request object when it does.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = _request.set(request)
        try:
            return self.get_response(request)
        finally:
            _request.reset(token)


@contextlib.contextmanager
def acting_as(user: Any) -> Iterator[None]:
    """Name the actor of changes made outside a request (commands, tasks)."""
    token = _actor.set(user)
    try:
        yield
    finally:
        _actor.reset(token)


def current_actor() -> tuple[int | None, str]:
    user = _actor.get()
    request = _request.get()
    if user is None and request is not None:
        user = getattr(request, "user", None)
    if user is None or not getattr(user, "is_authenticated", False):
        return None, "system" if request is None else "anonymous"
    return user.pk, getattr(user, "get_username", lambda: str(user))()[:150] or str(user.pk)


def acting_user() -> Any:
    """The user named by `acting_as` (a command, a task), if any."""
    return _actor.get()


def current_user() -> Any:
    """Who is acting now: the user named by `acting_as`, else the request's, else None."""
    user = _actor.get()
    request = _request.get()
    if user is None and request is not None:
        user = getattr(request, "user", None)
    return user if getattr(user, "is_authenticated", False) else None


def current_request() -> HttpRequest | None:
    """The request being served, if any (the security log reads its address)."""
    return _request.get()


def current_path() -> str:
    request = _request.get()
    if request is None:
        return ""
    return f"{request.method} {request.path}"[:300]
