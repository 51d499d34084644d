"""Rate limits that never take the site down: with the cache (Redis) unreachable they let the
request through and log it, rather than answering 500."""

from __future__ import annotations

import logging
from typing import Any

from rest_framework.request import Request
from rest_framework.throttling import ScopedRateThrottle

logger = logging.getLogger(__name__)


class ResilientScopedRateThrottle(ScopedRateThrottle):
    def allow_request(self, request: Request, view: Any) -> bool:
        try:
            return super().allow_request(request, view)
        except Exception:
            logger.warning("throttle %s: cache unreachable, request let through", self.scope)
            return True
