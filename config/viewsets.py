"""The base viewsets: rows always come through a visibility selector."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db.models import QuerySet
from rest_framework import viewsets


class ScopedMixin:
    """Rows come from a visibility selector, `selector(user) -> QuerySet`.

    `queryset` names the model (for the schema generator); requests never use it directly.
    """

    selector: Callable[[Any], QuerySet]
    queryset: Any  # `Model.objects.none()` in every subclass
    request: Any

    def get_queryset(self) -> QuerySet:
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        return type(self).selector(self.request.user)


class ScopedViewSet(ScopedMixin, viewsets.ModelViewSet):
    """A viewset whose rows come from a visibility selector (see ScopedMixin)."""


class ScopedReadOnlyViewSet(ScopedMixin, viewsets.ReadOnlyModelViewSet):
    """A read-only viewset whose rows come from a visibility selector; only its actions write."""
