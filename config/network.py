"""Where a request came from: the client's address, read past the proxies we trust."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest


def client_address(request: HttpRequest) -> str:
    """The client's address, read past TRUSTED_PROXY_COUNT proxies.

    Behind the production proxy every request comes from the proxy; counting failures per
    address, and the security log, need the address the proxy saw: the last one it appended
    to X-Forwarded-For.
    """
    hops = settings.TRUSTED_PROXY_COUNT
    forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    forwarded = [a for a in forwarded if a]
    if hops > 0 and len(forwarded) >= hops:
        return forwarded[-hops]
    return request.META.get("REMOTE_ADDR", "")
