"""API for inspection rounds and their numbers."""

from __future__ import annotations

import datetime

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.selectors import units_assignable_by
from config.api import OfficeWritesOthersRead, VisibleRelatedField
from config.viewsets import ScopedViewSet

from .models import InspectionRound
from .selectors import round_stats, rounds_visible_to


class RoundSerializer(serializers.ModelSerializer):
    target_unit = VisibleRelatedField(visible_to=units_assignable_by)
    target_unit_name = serializers.CharField(source="target_unit.name", read_only=True)
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    mode_label = serializers.CharField(source="get_mode_display", read_only=True)

    class Meta:
        model = InspectionRound
        fields = [
            "id",
            "name",
            "kind",
            "kind_label",
            "mode",
            "mode_label",
            "inspecting_body",
            "target_unit",
            "target_unit_name",
            "onsite_start",
            "onsite_end",
            "feedback_date",
            "report_due_date",
            "declared_problems",
            "declared_measures",
            "accountability_count",
            "discipline_count",
            "organisational_count",
            "admonition_count",
            "criticism_count",
            "rules_established",
            "funds_recovered",
            "losses_retrieved",
            "contact",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]

    def validate(self, attrs: dict) -> dict:
        start = attrs.get("onsite_start", getattr(self.instance, "onsite_start", None))
        end = attrs.get("onsite_end", getattr(self.instance, "onsite_end", None))
        if start and end and end < start:
            raise serializers.ValidationError(
                {"onsite_end": [_("The on-site end cannot be before its start.")]}
            )
        return attrs


class RoundStatsSerializer(serializers.Serializer):
    """The numbers of DESIGN.md section 6 for one round."""

    round = serializers.IntegerField()
    as_of = serializers.DateField()
    total = serializers.IntegerField()
    closed = serializers.IntegerField()
    submitted = serializers.IntegerField()
    in_progress = serializers.IntegerField()
    not_started = serializers.IntegerField()
    long_term = serializers.IntegerField()
    overdue = serializers.IntegerField()
    due_soon = serializers.IntegerField()
    due_by_today = serializers.IntegerField()
    closed_on_time = serializers.IntegerField()
    extended = serializers.IntegerField()
    completion_rate = serializers.FloatField(allow_null=True)
    on_time_rate = serializers.FloatField(allow_null=True)
    problems = serializers.IntegerField()
    problems_completed = serializers.IntegerField()
    problems_in_progress = serializers.IntegerField()
    problem_completion_rate = serializers.FloatField(allow_null=True)
    problem_list = serializers.ListField(child=serializers.DictField())
    clues = serializers.DictField(child=serializers.IntegerField(), required=False)
    petitions = serializers.DictField(child=serializers.IntegerField(), required=False)


def parse_as_of(request: Request) -> datetime.date | None:
    raw = request.query_params.get("as_of")
    if not raw:
        return None
    try:
        return datetime.date.fromisoformat(raw)
    except ValueError:
        raise serializers.ValidationError({"as_of": [_("Enter a date as YYYY-MM-DD.")]}) from None


class RoundViewSet(ScopedViewSet):
    """Inspection rounds (巡视/巡察轮次)."""

    selector = staticmethod(rounds_visible_to)
    queryset = InspectionRound.objects.none()

    serializer_class = RoundSerializer
    permission_classes = [OfficeWritesOthersRead]
    filterset_fields = ["kind", "mode", "target_unit"]
    ordering_fields = ["feedback_date", "name", "id"]

    @extend_schema(
        responses=RoundStatsSerializer,
        parameters=[OpenApiParameter("as_of", OpenApiTypes.DATE, description="Default today")],
    )
    @action(detail=True, methods=["get"])
    def stats(self, request: Request, pk: str | None = None) -> Response:
        """Totals, completion and on-time rates, overdue counts and each problem's status."""
        inspection_round = self.get_object()
        data = round_stats(inspection_round, request.user, parse_as_of(request))
        return Response(RoundStatsSerializer(data).data)
