"""Small helpers shared by the server-rendered pages of every app."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme


def safe_next(request: HttpRequest, candidate: str | None, default: str) -> str:
    """`candidate` if it is an address of this site (never another host's), else `default`."""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return default


def posted_next(request: HttpRequest, default: str) -> str:
    """Where a step returns to: the page it came from (`next`), if it is ours, else `default`."""
    return safe_next(request, request.POST.get("next"), default)
