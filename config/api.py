"""Project-wide API plumbing: pagination, permissions, scoped fields, error mapping."""

from __future__ import annotations

import base64
import binascii
import datetime
import functools
import inspect
import json
from collections.abc import Callable, Sequence
from typing import Any

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.core.paginator import Page, Paginator
from django.db import IntegrityError, connections
from django.db.models import Field, Model, ProtectedError, Q, QuerySet
from django.db.models.sql.where import WhereNode
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from rest_framework import permissions, serializers
from rest_framework.exceptions import ParseError
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param
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

    def __init__(
        self, *args: Any, count: int | None = None, in_order: Any = None, **kwargs: Any
    ) -> None:
        """`count`: the number of rows when the caller has already counted them (a page of
        tabs that shows each tab's count), so that they are not counted again.

        `in_order`: a faster source of the same rows' count and keys, in the list's own
        order, for a list with no filter of its own (rectification.selectors.ScopeInOrder):
        an object with `paths` (the ordering's fields, the primary key last), `count`, and
        `keys(bottom, top)` (the paths' values of those rows). It is used only when `paths`
        are the list's ordering, each ascending unless its `ascending` says otherwise. With
        `paths` None (a list ordered by expressions, which has no cursors) the caller vouches
        for the order, and `keys` answers the rows' primary keys."""
        super().__init__(*args, **kwargs)
        self._in_order = in_order
        if count is not None:
            self.__dict__["count"] = count
            self._exact = True

    @cached_property
    def count(self) -> int:
        """The number of rows, counted up to LIST_COUNT_CAP (then the cap, and
        `count_is_exact` is False): past ten thousand nobody pages on, and an exact count of
        a common word over a million rows would cost more than the page itself."""
        rows = self.object_list
        cap = settings.LIST_COUNT_CAP
        if self._in_order is not None and cap:
            counted = self._in_order.count
            self._exact = counted <= cap
            return min(counted, cap)
        if not isinstance(rows, QuerySet) or not cap or rows.query.is_sliced:
            self._exact = True
            return super().count
        # Only the keys: an annotation the rows show (a latest progress report, say) would
        # otherwise be computed for every row counted.
        counted = rows.order_by().values("pk")[: cap + 1].count()
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
        rows = self.object_list
        if (
            self.count <= self.per_page  # one page: nothing to cut, read it at once
            or not isinstance(rows, QuerySet)
            or not rows.ordered
            or rows.query.is_sliced
            or rows.query.combinator
            or rows.query.distinct
        ):
            if (
                isinstance(rows, QuerySet)
                and number == 1
                and self.count_is_exact
                and not rows.query.is_sliced
            ):
                # All of it, unsliced: with `LIMIT count` and a misjudged handful of rows the
                # planner walks the ordering's index over the whole table to find them.
                return self._get_page(rows, number, self)  # type: ignore[attr-defined]
            return self._get_page(rows[bottom:top], number, self)  # type: ignore[attr-defined]
        try:
            keyset: Keyset | None = Keyset(rows)
        except BadCursor:
            keyset = None
        in_order = self._in_order
        if keyset is None:
            if in_order is not None and in_order.paths is None:
                keys = in_order.keys(bottom, top)
            else:
                keys = list(rows.values_list("pk", flat=True)[bottom:top])
            return self._get_page(_rows_of(rows, keys), number, self)  # type: ignore[attr-defined]
        # Ties broken by the primary key, as the cursors of the page's neighbours read it.
        rows = rows.order_by(*keyset.order())
        if (
            in_order is not None
            and in_order.paths is not None
            and list(in_order.paths) == keyset.paths
            and list(getattr(in_order, "ascending", [True] * len(keyset.paths))) == keyset.ascending
        ):
            found = in_order.keys(bottom, top)
        else:
            found = list(rows.values_list(*keyset.paths)[bottom:top])
        has_next = number < self.num_pages
        return KeysetPage(
            _rows_of(rows, [key[-1] for key in found]),
            number,
            self,
            next_cursor=keyset.encode(found[-1], after=True, number=number + 1)
            if found and has_next
            else None,
            previous_cursor=keyset.encode(found[0], after=False, number=number - 1)
            if found and number > 1
            else None,
        )

    def page_for(self, params: Any) -> Page:
        """The page a request's `cursor` (or, without one, its `page`) asks for; a cursor this
        list did not give out shows the first page, as an unreadable page number does."""
        cursor = params.get("cursor")
        if cursor:
            try:
                return self.cursor_page(cursor)
            except BadCursor:
                return self.get_page(1)
        return self.get_page(params.get("page"))

    def cursor_page(self, cursor: str) -> KeysetPage:
        """The page a cursor of an earlier page leads to: the `per_page` rows after (or before)
        the row it names, by the list's ordering, read from there by the ordering's index.
        Rows written between pages neither repeat nor skip a row already passed."""
        rows = self.object_list
        if not isinstance(rows, QuerySet) or rows.query.is_sliced or rows.query.combinator:
            raise BadCursor("not a query")
        keyset = Keyset(rows)
        values, after, number = keyset.decode(cursor)
        rows = rows.order_by(*keyset.order())
        walk = rows.filter(keyset.beyond(values, after=after))
        if not after:
            walk = walk.order_by(*keyset.reversed_order())
        found = list(walk.values_list(*keyset.paths)[: self.per_page + 1])
        more = len(found) > self.per_page
        found = found[: self.per_page]
        if not after:
            found.reverse()
        page_rows = _rows_of(rows, [key[-1] for key in found]) if found else rows.none()
        if after:
            has_next, has_previous = more, number > 1
        else:
            has_next, has_previous = True, more and number > 1
        first, last = (found[0], found[-1]) if found else (values, values)
        return KeysetPage(
            page_rows,
            number,
            self,
            next_cursor=keyset.encode(last, after=True, number=number + 1)
            if has_next and (found or not after)
            else None,
            previous_cursor=keyset.encode(first, after=False, number=max(number - 1, 1))
            if has_previous
            else None,
        )


def _rows_of(rows: QuerySet, keys: list) -> QuerySet:
    """The rows of `rows` with these keys, read with all that `rows` reads (its relations,
    annotations and order). The keys were just read from `rows` itself, so its filters are
    not tested again: a liaison's scope, say, would otherwise be worked out a second time
    over ten thousand measures for one page. Where a filter joined a relation of many rows
    (cooperating units), its join could repeat a row without the filter: those keep it."""
    for join in rows.query.alias_map.values():
        field: Any = getattr(join, "join_field", None)
        if field is not None and (field.many_to_many or field.one_to_many):
            return rows.filter(pk__in=keys)
    unfiltered = rows.all()
    unfiltered.query.where = WhereNode()
    return unfiltered.filter(pk__in=keys)


class BadCursor(ValueError):
    """A `cursor` that this list did not give out (or from another ordering)."""


class Keyset:
    """The ordering of a list as a key: its fields (the primary key last, so that the key is
    unique), each ascending or not, and whether it may be NULL.

    A page after (or before) a row is then "the rows whose key comes after the row's key",
    which the ordering's index serves from that point: page 200 costs what page 1 costs.
    NULLs sort as the database sorts them (last ascending on PostgreSQL, first elsewhere).
    """

    def __init__(self, rows: QuerySet) -> None:
        query = rows.query
        given = list(
            query.order_by or ((query.get_meta().ordering or []) if query.default_ordering else [])
        )
        if not given or not all(isinstance(o, str) and o.lstrip("-") != "?" for o in given):
            raise BadCursor("not ordered by fields")
        ordering: list[str] = [str(o) for o in given]
        model = rows.model
        pk_name = model._meta.pk.name
        names = [pk_name if o.lstrip("-") == "pk" else o.lstrip("-") for o in ordering]
        if pk_name not in names:
            ordering.append("pk")
            names.append(pk_name)
        self.paths = names
        self.ascending = [not o.startswith("-") for o in ordering]
        self.fields = [_field_at(model, path) for path in names]
        self.nulls_last_ascending = connections[rows.db].vendor == "postgresql"

    def encode(self, row: Sequence[Any], *, after: bool, number: int) -> str:
        body = {"v": [_plain(v) for v in row], "a": after, "n": number}
        raw = json.dumps(body, separators=(",", ":"), default=str).encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    def decode(self, cursor: str) -> tuple[list, bool, int]:
        try:
            raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
            body = json.loads(raw)
            values, after, number = body["v"], body["a"], body["n"]
        except (binascii.Error, ValueError, KeyError, TypeError):
            raise BadCursor("unreadable") from None
        if not isinstance(values, list) or len(values) != len(self.fields):
            raise BadCursor("another ordering")
        if not isinstance(after, bool) or not isinstance(number, int) or number < 1:
            raise BadCursor("unreadable")
        try:
            typed = [
                None if v is None else f.to_python(v)
                for f, v in zip(self.fields, values, strict=True)
            ]
        except (ValidationError, TypeError, ValueError):
            raise BadCursor("unreadable") from None
        if typed[-1] is None:
            raise BadCursor("unreadable")
        return typed, after, number

    def beyond(self, values: list, *, after: bool) -> Q:
        """The rows whose key comes after `values` (before, if not `after`)."""
        condition = Q(pk__in=[])
        equal = Q()
        for path, ascending, field, value in zip(
            self.paths, self.ascending, self.fields, values, strict=True
        ):
            forward = ascending == after
            # Where NULLs sit in this direction of walking: after every value, or before.
            nulls_after = (self.nulls_last_ascending == ascending) == after
            if value is None:
                step = Q(**{f"{path}__isnull": False}) if not nulls_after else Q(pk__in=[])
                same = Q(**{f"{path}__isnull": True})
            else:
                step = Q(**{f"{path}__{'gt' if forward else 'lt'}": value})
                if field.null and nulls_after:
                    step |= Q(**{f"{path}__isnull": True})
                same = Q(**{path: value})
            condition |= equal & step
            equal &= same
        # The first field's range, said alone too, so that the index is read from there.
        first = values[0]
        if first is not None and not self.fields[0].null:
            lead = Q(
                **{f"{self.paths[0]}__{'gte' if self.ascending[0] == after else 'lte'}": first}
            )
            return lead & condition
        return condition

    def reversed_order(self) -> list[str]:
        return [
            ("" if not asc else "-") + path
            for path, asc in zip(self.paths, self.ascending, strict=True)
        ]

    def order(self) -> list[str]:
        return [
            ("" if asc else "-") + path
            for path, asc in zip(self.paths, self.ascending, strict=True)
        ]


def _field_at(model: type[Model], path: str) -> Field:
    field: Any = None
    for part in path.split("__"):
        opts = model._meta
        try:
            field = opts.get_field(part)
        except FieldDoesNotExist:
            field = next((f for f in opts.concrete_fields if f.attname == part), None)
            if field is None:
                raise BadCursor(f"no field {path}") from None
        if field.is_relation and field.related_model is not None:
            model = field.related_model
            if part == path.split("__")[-1]:
                # Ordering by a foreign key orders by the related key (its column).
                break
    return field


def _plain(value: Any) -> Any:
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    return value


class KeysetPage(Page):
    """A page read by keyset: its rows, and the cursors of the pages around it."""

    def __init__(
        self,
        rows: Any,
        number: int,
        paginator: Any,
        *,
        next_cursor: str | None,
        previous_cursor: str | None,
    ) -> None:
        super().__init__(rows, number, paginator)
        self.next_cursor = next_cursor
        self.previous_cursor = previous_cursor

    def has_next(self) -> bool:
        return self.next_cursor is not None

    def has_previous(self) -> bool:
        return self.previous_cursor is not None


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

    cursor_query_param = "cursor"

    def paginate_queryset(self, queryset: Any, request: Request, view: Any = None) -> Any:
        cursor = request.query_params.get(self.cursor_query_param)
        options = getattr(view, "paginator_options", None)
        if not cursor and options is not None and (given := options(request)):
            # The view knows a faster source of this list's pages (DeferredJoinPaginator).
            self.django_paginator_class = functools.partial(  # type: ignore[assignment]
                DeferredJoinPaginator, **given
            )
        if not cursor:
            return super().paginate_queryset(queryset, request, view)
        self.request = request
        paginator = self.django_paginator_class(queryset, self.get_page_size(request))
        try:
            self.page = paginator.cursor_page(cursor)
        except BadCursor:
            raise serializers.ValidationError(
                {
                    self.cursor_query_param: [
                        _("This cursor was not given out by this list; start from its first page.")
                    ]
                },
                code="invalid",
            ) from None
        return list(self.page)

    def _cursor_link(self, cursor: str | None) -> str | None:
        if cursor is None or self.request is None:
            return None
        url = remove_query_param(self.request.build_absolute_uri(), self.page_query_param)
        return replace_query_param(url, self.cursor_query_param, cursor)

    def get_next_link(self) -> str | None:
        if isinstance(self.page, KeysetPage):
            return self._cursor_link(self.page.next_cursor)
        return super().get_next_link()

    def get_previous_link(self) -> str | None:
        if isinstance(self.page, KeysetPage):
            return self._cursor_link(self.page.previous_cursor)
        return super().get_previous_link()

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
                parameter["description"] = (
                    "A page number (read by offset). `next` and `previous` answer `cursor` "
                    "links instead, which cost the same however deep."
                )
        parameters.append(
            {
                "name": self.cursor_query_param,
                "required": False,
                "in": "query",
                "description": "The page after (or before) a row, as `next` and `previous` "
                "give it; takes the place of `page`.",
                "schema": {"type": "string"},
            }
        )
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


_SKIP = object()


class PlannedRepresentation:
    """A serializer's output with DRF's answers and less of its work per row.

    DRF's Serializer.to_representation takes every field through `get_attribute` (a walk of
    its source with its guards) and then `to_representation`: about 8 µs a field, 10 ms for
    a page of fifty measures of twenty-five fields. Here each field is planned once per
    serializer and then read straight from the row: a column (a number, a text, a flag, a
    date, a time, a choice), a foreign key's id, the ids of a many-to-many, a column through
    a foreign key, a model method taking nothing, a method field. A field of any other kind,
    and a row whose foreign key is empty, take DRF's own steps.
    tests/test_planned_representation.py compares the two on every kind of row.
    """

    def to_representation(self, instance: Any) -> dict:
        plan = self.__dict__.get("_plan")
        if plan is None:
            plan = self.__dict__["_plan"] = [
                (field.field_name, _field_reader(self, field))
                for field in self._readable_fields  # type: ignore[attr-defined]
            ]
        ret = {}
        for name, read in plan:
            value = read(instance)
            if value is not _SKIP:
                ret[name] = value
        return ret


def _takes_nothing(function: Any) -> bool:
    """A method called with its instance alone, as DRF's is_simple_callable asks."""
    parameters = list(inspect.signature(function).parameters.values())[1:]
    return all(
        p.default is not p.empty or p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD) for p in parameters
    )


def _drf_steps(field: Any) -> Callable[[Any], Any]:
    """DRF's own reading of one field (Serializer.to_representation, for one field)."""
    from rest_framework.fields import SkipField
    from rest_framework.relations import PKOnlyObject

    def read(instance: Any) -> Any:
        try:
            attribute = field.get_attribute(instance)
        except SkipField:
            return _SKIP
        check_for_none = attribute.pk if isinstance(attribute, PKOnlyObject) else attribute
        return None if check_for_none is None else field.to_representation(attribute)

    return read


def _converter(field: Any) -> Callable[[Any], Any] | None:
    """How a plain field of DRF's turns a value (never None) into its output, or None for a
    field of another kind."""
    from rest_framework import fields as drf_fields

    kind = type(field)
    if kind is drf_fields.IntegerField:
        return int
    if kind is drf_fields.CharField:
        return str
    if kind in (
        drf_fields.BooleanField,
        drf_fields.DateField,
        drf_fields.DateTimeField,
        drf_fields.ChoiceField,
    ):
        return field.to_representation
    return None


def _field_reader(serializer: Any, field: Any) -> Callable[[Any], Any]:
    from rest_framework import fields as drf_fields
    from rest_framework import relations

    model = getattr(getattr(serializer, "Meta", None), "model", None)
    attrs = getattr(field, "source_attrs", None) or []
    if field.source == "*" and isinstance(field, drf_fields.SerializerMethodField):
        method = getattr(serializer, field.method_name)
        return lambda instance: method(instance)
    convert = _converter(field)
    if model is None or not attrs:
        return _drf_steps(field)
    if len(attrs) == 2 and convert is not None:
        # A column of a row the foreign key names ("lead_unit.name"); where the key is empty
        # DRF's own steps decide (its default, null or skip).
        try:
            key = model._meta.get_field(attrs[0])
            column = key.related_model._meta.get_field(attrs[1]) if key.many_to_one else None
        except FieldDoesNotExist:
            column = None
        # A column, or the key column of a foreign key ("problem.round_id").
        if column is None or (column.is_relation and attrs[1] != column.attname):
            return _drf_steps(field)
        drf_steps = _drf_steps(field)
        through, name_ = attrs

        def read_through(instance: Any) -> Any:
            related = getattr(instance, through)
            if related is None:
                return drf_steps(instance)
            value = getattr(related, name_)
            return None if value is None else convert(value)

        return read_through
    if len(attrs) != 1:
        return _drf_steps(field)
    name = attrs[0]
    try:
        model_field = model._meta.get_field(name)
    except FieldDoesNotExist:
        # A method of the model taking nothing ("get_status_display"): DRF calls it.
        method = getattr(model, name, None)
        if convert is not None and inspect.isfunction(method) and _takes_nothing(method):

            def read_method(instance: Any) -> Any:
                value = getattr(instance, name)()
                return None if value is None else convert(value)

            return read_method
        return _drf_steps(field)
    if not model_field.is_relation and convert is not None:

        def read_column(instance: Any) -> Any:
            value = getattr(instance, name)
            return None if value is None else convert(value)

        return read_column
    child = getattr(field, "child_relation", None)

    def plain_key(related: Any) -> bool:
        """A key field that answers the related row's key as DRF's own does."""
        return (
            isinstance(related, relations.PrimaryKeyRelatedField)
            and related.pk_field is None
            and type(related).get_attribute is relations.RelatedField.get_attribute
            and type(related).to_representation
            is relations.PrimaryKeyRelatedField.to_representation
        )

    if model_field.many_to_one and plain_key(field) and field.use_pk_only_optimization():
        attname = model_field.attname
        return lambda instance: getattr(instance, attname)
    if model_field.many_to_many and type(field) is relations.ManyRelatedField and plain_key(child):

        def read_keys(instance: Any) -> list:
            if instance.pk is None:
                return []
            return [related.pk for related in getattr(instance, name).all()]

        return read_keys
    return _drf_steps(field)
