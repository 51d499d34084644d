"""API for measures: CRUD with filters and optimistic concurrency; transitions below."""

from __future__ import annotations

import datetime

import django_filters
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.selectors import units_visible_to, users_visible_to
from config.api import OfficeWritesOthersRead, VisibleRelatedField
from config.errors import InvalidInput
from config.viewsets import ScopedViewSet
from findings.selectors import problems_visible_to

from . import services
from .models import Measure, today
from .selectors import measures_visible_to

CLOSED = Measure.Status.CLOSED


def colour_filter(colour: str, day: datetime.date) -> Q:
    """The measures of one warning colour as a database filter (mirrors warning_colour)."""
    from django.conf import settings

    live = Q(deadline__isnull=False, is_long_term=False) & ~Q(status=CLOSED)
    yellow_from = day + datetime.timedelta(days=settings.REMINDER_YELLOW_DAYS)
    green_from = day + datetime.timedelta(days=settings.REMINDER_GREEN_DAYS)
    if colour == Measure.Colour.RED:
        return live & Q(deadline__lt=day)
    if colour == Measure.Colour.YELLOW:
        return live & Q(deadline__gte=day, deadline__lte=yellow_from)
    if colour == Measure.Colour.GREEN:
        return live & Q(deadline__gt=yellow_from, deadline__lte=green_from)
    return ~(live & Q(deadline__lte=green_from))


class MeasureFilter(django_filters.FilterSet):
    round = django_filters.NumberFilter(field_name="problem__round", label=gettext_lazy("round"))
    overdue = django_filters.BooleanFilter(method="filter_overdue", label=gettext_lazy("overdue"))
    due_before = django_filters.DateFilter(
        field_name="deadline", lookup_expr="lte", label=gettext_lazy("due on or before")
    )
    due_after = django_filters.DateFilter(
        field_name="deadline", lookup_expr="gte", label=gettext_lazy("due on or after")
    )
    q = django_filters.CharFilter(method="filter_text", label=gettext_lazy("text search"))
    colour = django_filters.ChoiceFilter(
        choices=Measure.Colour.choices, method="filter_colour", label=gettext_lazy("warning colour")
    )

    class Meta:
        model = Measure
        fields = ["round", "problem", "lead_unit", "status", "is_long_term", "is_immediate"]

    def filter_overdue(self, qs: QuerySet, name: str, value: bool | None) -> QuerySet:
        if value is None:
            return qs
        overdue = Q(deadline__lt=today(), is_long_term=False) & ~Q(status=CLOSED)
        return qs.filter(overdue) if value else qs.exclude(overdue)

    def filter_text(self, qs: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()
        if not value:
            return qs
        return qs.filter(
            Q(text__icontains=value)
            | Q(lead_official__icontains=value)
            | Q(problem__title__icontains=value)
            | Q(result_summary__icontains=value)
        )

    def filter_colour(self, qs: QuerySet, name: str, value: str) -> QuerySet:
        return qs.filter(colour_filter(value, today())) if value else qs


class MeasureSerializer(serializers.ModelSerializer):
    problem = VisibleRelatedField(visible_to=problems_visible_to)
    seq = serializers.IntegerField(min_value=1, required=False)
    round = serializers.IntegerField(source="problem.round_id", read_only=True)
    problem_title = serializers.CharField(source="problem.title", read_only=True)
    lead_unit = VisibleRelatedField(visible_to=units_visible_to, required=False, allow_null=True)
    lead_unit_name = serializers.CharField(source="lead_unit.name", read_only=True, default=None)
    lead_official_user = VisibleRelatedField(
        visible_to=users_visible_to, required=False, allow_null=True
    )
    cooperating_units = VisibleRelatedField(visible_to=units_visible_to, many=True, required=False)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    is_overdue = serializers.SerializerMethodField()
    colour = serializers.SerializerMethodField()

    class Meta:
        model = Measure
        fields = [
            "id",
            "round",
            "problem",
            "problem_title",
            "seq",
            "text",
            "lead_official",
            "lead_official_user",
            "lead_unit",
            "lead_unit_name",
            "cooperating_units",
            "deadline",
            "is_long_term",
            "is_immediate",
            "status",
            "status_label",
            "is_overdue",
            "colour",
            "result_summary",
            "submitted_at",
            "closed_at",
            "closed_by",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = [
            "status",
            "result_summary",
            "submitted_at",
            "closed_at",
            "closed_by",
            "version",
            "created_at",
            "updated_at",
        ]
        validators: list = []

    def get_is_overdue(self, measure: Measure) -> bool:
        return measure.is_overdue()

    def get_colour(self, measure: Measure) -> str:
        return measure.warning_colour()

    def validate(self, attrs: dict) -> dict:
        deadline = attrs.get("deadline", getattr(self.instance, "deadline", None))
        is_long_term = attrs.get("is_long_term", getattr(self.instance, "is_long_term", False))
        if deadline is None and not is_long_term:
            raise serializers.ValidationError(
                {"deadline": [_("A measure needs a deadline unless it is long-term.")]}
            )
        return attrs


def expected_version(request: Request) -> int | None:
    """The version named by an If-Match header (`"3"`, `W/"3"` or `3`), if any."""
    raw = request.headers.get("If-Match", "").strip()
    if not raw or raw == "*":
        return None
    raw = raw.removeprefix("W/").strip('"')
    if not raw.isdigit():
        raise InvalidInput(_('If-Match must carry the ETag of the measure, such as "3".'))
    return int(raw)


def etag(measure: Measure) -> str:
    return f'"{measure.version}"'


class MeasureViewSet(ScopedViewSet):
    """Rectification measures (整改措施). GET of one answers its ETag; writes take If-Match."""

    selector = staticmethod(measures_visible_to)
    queryset = Measure.objects.none()

    serializer_class = MeasureSerializer
    permission_classes = [OfficeWritesOthersRead]
    filterset_class = MeasureFilter
    ordering_fields = ["deadline", "seq", "id", "status", "updated_at"]

    def _respond(self, measure_id: int, code: int = status.HTTP_200_OK) -> Response:
        measure = self.get_queryset().get(pk=measure_id)
        response = Response(self.get_serializer(measure).data, status=code)
        response["ETag"] = etag(measure)
        return response

    def retrieve(self, request: Request, *args, **kwargs) -> Response:
        return self._respond(self.get_object().pk)

    def create(self, request: Request, *args, **kwargs) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        measure = services.measure_create(actor=request.user, **serializer.validated_data)
        return self._respond(measure.pk, status.HTTP_201_CREATED)

    def update(self, request: Request, *args, **kwargs) -> Response:
        partial = kwargs.pop("partial", False)
        measure = self.get_object()
        serializer = self.get_serializer(measure, data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        services.measure_update(
            measure_id=measure.pk,
            actor=request.user,
            changes=serializer.validated_data,
            expected_version=expected_version(request),
        )
        return self._respond(measure.pk)

    @extend_schema(responses={204: None})
    def destroy(self, request: Request, *args, **kwargs) -> Response:
        measure = self.get_object()
        services.measure_delete(
            measure_id=measure.pk, actor=request.user, expected_version=expected_version(request)
        )
        return Response(status=status.HTTP_204_NO_CONTENT)
