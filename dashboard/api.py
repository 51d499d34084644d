"""API of the dashboard (DESIGN.md section 7): summary, units, jurisdictions, trend and urges,
each filtered by `jurisdiction`, `round`, `unit` and `as_of`. Every number comes from
rectification.selectors."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.auth import signed_in_user

from . import selectors

FILTERS = [
    OpenApiParameter(
        "jurisdiction",
        OpenApiTypes.INT,
        description="As this jurisdiction's office reads (one of the user's scope, else 404)",
    ),
    OpenApiParameter("round", OpenApiTypes.INT, description="Only this round"),
    OpenApiParameter("unit", OpenApiTypes.INT, description="Only measures this unit leads"),
    OpenApiParameter("as_of", OpenApiTypes.DATE, description="Default today (Asia/Shanghai)"),
]


def rate_field() -> serializers.FloatField:
    return serializers.FloatField(
        allow_null=True, help_text="0..1, null when the denominator is zero"
    )


class NumbersSerializer(serializers.Serializer):
    total = serializers.IntegerField()
    closed = serializers.IntegerField()
    endorsing = serializers.IntegerField(help_text="Waiting for the lead unit head's endorsement")
    reviewing = serializers.IntegerField(help_text="Waiting for the superior's review")
    submitted = serializers.IntegerField(help_text="Waiting for the office's sign-off")
    in_progress = serializers.IntegerField()
    not_started = serializers.IntegerField()
    long_term = serializers.IntegerField()
    overdue = serializers.IntegerField()
    due_soon = serializers.IntegerField()
    due_by_today = serializers.IntegerField()
    closed_on_time = serializers.IntegerField()
    extended = serializers.IntegerField()
    completion_rate = rate_field()
    on_time_rate = rate_field()


class CountSerializer(serializers.Serializer):
    total = serializers.IntegerField()
    concluded = serializers.IntegerField()
    late = serializers.IntegerField(help_text="Not concluded and past the feedback due date")


class RoundReportCountSerializer(serializers.Serializer):
    total = serializers.IntegerField()
    sent = serializers.IntegerField()
    overdue = serializers.IntegerField(help_text="Past due and not sent")


class StatusCountSerializer(serializers.Serializer):
    status = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]  # a data field; DRF takes it off the class
    count = serializers.IntegerField()


class CategorySerializer(serializers.Serializer):
    category = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]  # a data field; DRF takes it off the class
    problems = serializers.IntegerField()
    problems_completed = serializers.IntegerField()
    problem_completion_rate = rate_field()


class SummarySerializer(NumbersSerializer):
    as_of = serializers.DateField()
    round = serializers.IntegerField(allow_null=True)
    unit = serializers.IntegerField(allow_null=True)
    rounds = serializers.IntegerField()
    problems = serializers.IntegerField()
    problems_completed = serializers.IntegerField()
    problems_in_progress = serializers.IntegerField()
    problem_completion_rate = rate_field()
    by_status = StatusCountSerializer(many=True)
    by_category = CategorySerializer(many=True)
    clues = CountSerializer(allow_null=True, help_text="Counts only, never their content")
    petitions = CountSerializer(allow_null=True, help_text="Counts only, never their content")
    round_reports = RoundReportCountSerializer(help_text="Rectification reports (报告报账)")


class UnitNumbersSerializer(NumbersSerializer):
    unit = serializers.IntegerField()
    unit_name = serializers.CharField()
    unit_short_name = serializers.CharField(allow_blank=True)


class UnitsSerializer(serializers.Serializer):
    as_of = serializers.DateField()
    results = UnitNumbersSerializer(many=True)
    best = UnitNumbersSerializer(many=True)
    worst = UnitNumbersSerializer(many=True)


class JurisdictionNumbersSerializer(NumbersSerializer):
    jurisdiction = serializers.IntegerField()
    name = serializers.CharField()
    short_name = serializers.CharField(allow_blank=True)
    level = serializers.CharField()
    problems = serializers.IntegerField()
    problems_completed = serializers.IntegerField()
    problems_in_progress = serializers.IntegerField()
    problem_completion_rate = rate_field()


class JurisdictionsSerializer(serializers.Serializer):
    as_of = serializers.DateField()
    jurisdiction = serializers.IntegerField(
        allow_null=True, help_text="The jurisdiction looked at, null for the user's own"
    )
    results = JurisdictionNumbersSerializer(
        many=True,
        help_text="Each jurisdiction directly below, with its whole scope's numbers (下级对比)",
    )


class TrendPointSerializer(serializers.Serializer):
    month = serializers.CharField(help_text="YYYY-MM")
    due = serializers.IntegerField()
    closed = serializers.IntegerField()
    cumulative_due = serializers.IntegerField()
    cumulative_closed = serializers.IntegerField()


class TrendSerializer(serializers.Serializer):
    as_of = serializers.DateField()
    results = TrendPointSerializer(many=True)


class UrgeLevelSerializer(serializers.Serializer):
    level = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]  # a data field; DRF takes it off the class
    count = serializers.IntegerField()


class UrgeUnitSerializer(serializers.Serializer):
    unit = serializers.IntegerField()
    unit_name = serializers.CharField()
    unit_short_name = serializers.CharField(allow_blank=True)
    total = serializers.IntegerField()
    open = serializers.IntegerField()
    remind = serializers.IntegerField()
    urge = serializers.IntegerField()
    interview = serializers.IntegerField()
    notice = serializers.IntegerField()


class UrgesSerializer(serializers.Serializer):
    as_of = serializers.DateField()
    total = serializers.IntegerField()
    open = serializers.IntegerField()
    replied = serializers.IntegerField()
    overdue = serializers.IntegerField(help_text="Waiting for a reply past its due date")
    by_level = UrgeLevelSerializer(many=True)
    by_unit = UrgeUnitSerializer(many=True)


class SummaryView(APIView):
    """KPI numbers across rounds and units (section 6), clue and petition counts."""

    @extend_schema(parameters=FILTERS, responses=SummarySerializer)
    def get(self, request: Request) -> Response:
        view = selectors.dashboard_view(signed_in_user(request), request.query_params)
        return Response(SummarySerializer(selectors.summary(view)).data)


class UnitsView(APIView):
    """Each lead unit's numbers, with the best and worst ten (红黑榜)."""

    @extend_schema(parameters=FILTERS, responses=UnitsSerializer)
    def get(self, request: Request) -> Response:
        view = selectors.dashboard_view(signed_in_user(request), request.query_params)
        return Response(UnitsSerializer(selectors.unit_ranking(view)).data)


class TrendView(APIView):
    """Month by month: measures falling due and signed off, and both cumulated (burn-up)."""

    @extend_schema(parameters=FILTERS, responses=TrendSerializer)
    def get(self, request: Request) -> Response:
        view = selectors.dashboard_view(signed_in_user(request), request.query_params)
        return Response(TrendSerializer(selectors.trend(view)).data)


class JurisdictionsView(APIView):
    """下级对比: each jurisdiction directly below, with the numbers its own office reads."""

    @extend_schema(parameters=FILTERS, responses=JurisdictionsSerializer)
    def get(self, request: Request) -> Response:
        view = selectors.dashboard_view(signed_in_user(request), request.query_params)
        return Response(JurisdictionsSerializer(selectors.jurisdiction_comparison(view)).data)


class UrgesView(APIView):
    """Urge notices (督办单) by level and by unit."""

    @extend_schema(parameters=FILTERS, responses=UrgesSerializer)
    def get(self, request: Request) -> Response:
        view = selectors.dashboard_view(signed_in_user(request), request.query_params)
        return Response(UrgesSerializer(selectors.urge_summary(view)).data)
