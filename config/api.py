"""Project-wide API plumbing: pagination, permissions, scoped fields, error mapping."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.paginator import Page, Paginator
from django.db import IntegrityError
from django.db.models import ProtectedError, QuerySet
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from rest_framework import permissions, serializers
from rest_framework.exceptions import ParseError
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from .errors import DomainError


class DeferredJoinPaginator(Paginator):
    """A paginator that picks a page's rows by their keys before reading them whole.

    The page's keys come from the filtered, ordered query with nothing else joined
    (`SELECT id … ORDER BY … LIMIT n OFFSET m`, served by the indexes of the ordering);
    then only those rows are read with everything the list shows, by their keys. Without
    it PostgreSQL joins every related table to every visible row before sorting and cutting
    a page: past eight joined tables it stops reordering joins (join_collapse_limit), so the
    scope's semi-join comes last. One more query, a few milliseconds at most. The rows and
    their order are those of `object_list[bottom:top]`.
    """

    @cached_property
    def count(self) -> int:
        """The number of rows, counted up to LIST_COUNT_CAP (then the cap, and
        `count_is_exact` is False): past ten thousand nobody pages on, and an exact count of
        a common word over a million rows would cost more than the page itself."""
        rows = self.object_list
        cap = settings.LIST_COUNT_CAP
        if not isinstance(rows, QuerySet) or not cap or rows.query.is_sliced:
            self._exact = True
            return super().count
        counted = rows.order_by()[: cap + 1].count()
        self._exact = counted <= cap
        return min(counted, cap)

    @property
    def count_is_exact(self) -> bool:
        self.count  # noqa: B018 - counting decides it
        return self._exact

    @property
    def count_label(self) -> str:
        """What a page says of the count: "9,876", or "10,000+" past the cap."""
        return f"{self.count:,}" + ("" if self.count_is_exact else "+")

    def page(self, number: Any) -> Page:
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        return self._get_page(self._slice(bottom, top), number, self)  # type: ignore[attr-defined]

    def _slice(self, bottom: int, top: int) -> Any:
        rows = self.object_list
        if (
            self.count <= self.per_page  # one page: nothing to cut, read it at once
            or not isinstance(rows, QuerySet)
            or not rows.ordered
            or rows.query.is_sliced
            or rows.query.combinator
            or rows.query.distinct
        ):
            return rows[bottom:top]
        keys = list(rows.values_list("pk", flat=True)[bottom:top])
        return rows.filter(pk__in=keys)


class Pagination(PageNumberPagination):
    django_paginator_class = DeferredJoinPaginator
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500

    def get_page_size(self, request: Request) -> int:
        """`page_size` from 1 to 500; anything else answers 400 rather than a silent default."""
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None or raw == "":
            return self.page_size
        if not raw.isdigit() or not 1 <= int(raw) <= self.max_page_size:
            raise serializers.ValidationError(
                {
                    self.page_size_query_param: [
                        _("Enter a whole number from 1 to %(max)d.") % {"max": self.max_page_size}
                    ]
                },
                code="invalid",
            )
        return int(raw)

    def get_paginated_response(self, data: Any) -> Response:
        response = super().get_paginated_response(data)
        paginator = self.page.paginator if self.page is not None else None
        exact = getattr(paginator, "count_is_exact", True)
        response.data = {
            "count": response.data["count"],
            "count_is_exact": exact,
            **{k: v for k, v in response.data.items() if k != "count"},
        }
        return response

    def get_paginated_response_schema(self, schema: dict) -> dict:
        answer = super().get_paginated_response_schema(schema)
        answer["properties"]["count"]["description"] = (
            "The number of results, counted up to LIST_COUNT_CAP (10,000); past it, the cap."
        )
        answer["properties"] = {
            "count": answer["properties"]["count"],
            "count_is_exact": {
                "type": "boolean",
                "description": "False when there are more results than `count` says.",
                "example": True,
            },
            **{k: v for k, v in answer["properties"].items() if k != "count"},
        }
        answer.setdefault("required", ["count", "results"])
        if "count_is_exact" not in answer["required"]:
            answer["required"].append("count_is_exact")
        return answer

    def get_schema_operation_parameters(self, view: Any) -> list[dict]:
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"].update(minimum=1, maximum=self.max_page_size)
            if parameter["name"] == self.page_query_param:
                parameter["schema"].update(minimum=1)
        return parameters


class OfficeWritesOthersRead(permissions.BasePermission):
    """Everyone signed in reads what the selectors let them see; office staff and admins write.

    Writes on a detail route are decided per object, so that an object outside the user's
    scope answers 404 (the scoped queryset does not find it) rather than 403.
    """

    def has_permission(self, request: Request, view: Any) -> bool:
        # These classes replace the default IsAuthenticated, so they must check it themselves.
        if not request.user.is_authenticated:
            return False
        if request.method in permissions.SAFE_METHODS or request.user.is_office:
            return True
        return bool(getattr(view, "detail", False))

    def has_object_permission(self, request: Request, view: Any, obj: Any) -> bool:
        if request.method in permissions.SAFE_METHODS:
            return True
        return request.user.is_authenticated and request.user.is_office


class OfficeOnly(permissions.BasePermission):
    """Clues and petitions: office staff and admins only; leaders see counts in stats."""

    def has_permission(self, request: Request, view: Any) -> bool:
        return bool(request.user.is_authenticated and request.user.is_office)


class VisibleRelatedField(serializers.PrimaryKeyRelatedField):
    """A foreign key that only accepts objects the requesting user may see.

    An object outside the user's scope gets the same answer as one that does not exist.
    """

    def __init__(self, *, visible_to: Callable[[Any], QuerySet], **kwargs: Any) -> None:
        self.visible_to = visible_to
        super().__init__(**kwargs)

    def get_queryset(self) -> QuerySet:
        return self.visible_to(self.context["request"].user)


def exception_handler(exc: Exception, context: dict) -> Response | None:
    if isinstance(exc, DomainError):
        if exc.field:
            body = {exc.field: [exc.message], "code": exc.code, "codes": {exc.field: [exc.code]}}
            return Response(body, status=exc.status_code)
        return Response({"detail": exc.message, "code": exc.code}, status=exc.status_code)
    if isinstance(exc, serializers.ValidationError):
        return _validation_error(exc, context)
    if isinstance(exc, ParseError):
        # A body that cannot be read (config/parsers.py): one message and its code.
        return Response({"detail": str(exc.detail), "code": exc.get_codes()}, status=400)
    if isinstance(exc, ProtectedError):
        return Response(
            {
                "detail": _(
                    "This record is still referred to by other records and cannot be deleted."
                ),
                "code": "protected",
            },
            status=409,
        )
    if isinstance(exc, IntegrityError):
        # A unique key taken by a concurrent write: nothing was saved.
        return Response(
            {
                "detail": _("The record conflicts with an existing one; nothing was saved."),
                "code": "conflict",
            },
            status=409,
        )
    return drf_exception_handler(exc, context)


def parse_as_of(request: Request) -> datetime.date | None:
    """The `as_of` query parameter of the numbers' endpoints; None means today."""
    raw = request.query_params.get("as_of")
    if not raw:
        return None
    try:
        return datetime.date.fromisoformat(raw)
    except ValueError:
        raise serializers.ValidationError({"as_of": [_("Enter a date as YYYY-MM-DD.")]}) from None


def _validation_error(exc: serializers.ValidationError, context: dict) -> Response | None:
    """A 400 keeps DRF's `{field: [messages]}` and adds a machine `code` and, per field, the
    codes of its messages (`required`, `max_length`, ...), so a client need not parse text."""
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    codes = exc.get_codes()
    if isinstance(response.data, dict):
        response.data["code"] = "invalid"
        response.data["codes"] = codes if isinstance(codes, dict) else {"detail": codes}
    else:  # a bare list of messages
        response.data = {
            "non_field_errors": response.data,
            "code": "invalid",
            "codes": {"non_field_errors": codes},
        }
    return response


def not_found(request, exception=None):
    """handler404: JSON under /api/, Django's page elsewhere."""
    from django.http import JsonResponse
    from django.views.defaults import page_not_found

    if request.path.startswith("/api/"):
        return JsonResponse({"detail": _("Not found."), "code": "not_found"}, status=404)
    return page_not_found(request, exception)


def server_error(request):
    """handler500: JSON under /api/ (no detail of the fault), Django's page elsewhere."""
    from django.http import JsonResponse
    from django.views.defaults import server_error as page_server_error

    if request.path.startswith("/api/"):
        return JsonResponse({"detail": _("Server error."), "code": "server_error"}, status=500)
    return page_server_error(request)
