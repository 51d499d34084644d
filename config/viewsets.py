"""The base viewset: rows always come through a visibility selector."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db.models import QuerySet
from rest_framework import viewsets


class ScopedViewSet(viewsets.ModelViewSet):
    """A viewset whose rows come from a visibility selector, `selector(user) -> QuerySet`.

    `queryset` names the model (for the schema generator); requests never use it directly.
    """

    selector: Callable[[Any], QuerySet]
    queryset: QuerySet  # `Model.objects.none()` in every subclass

    def get_queryset(self) -> QuerySet:
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        return type(self).selector(self.request.user)
