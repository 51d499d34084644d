"""API of problems and of a round's numbers: faces of findings that carry their measures' status.

They live here, not in findings or inspections, because a problem's status and a round's
numbers are rules over measures (DESIGN.md sections 3 and 6).
"""

from __future__ import annotations

import django_filters
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.auth import signed_in_user
from config.api import OfficeWritesOthersRead, VisibleRelatedField, parse_as_of
from config.filters import IdFilterSet
from config.seq import check_seq_free, next_seq, seq_field
from config.viewsets import ScopedViewSet
from findings.models import Problem
from findings.selectors import aspects_visible_to
from inspections.selectors import rounds_owned_by, rounds_visible_to

from .selectors import problems_with_status_visible_to, round_stats


class ProblemFilter(IdFilterSet):
    status = django_filters.ChoiceFilter(
        choices=Problem.Status.choices, field_name="derived_status", label=_("status")
    )

    class Meta:
        model = Problem
        fields = ["round", "aspect", "category", "source", "status"]


class ProblemSerializer(serializers.ModelSerializer):
    round = VisibleRelatedField(visible_to=rounds_owned_by)
    aspect = VisibleRelatedField(visible_to=aspects_visible_to, required=False, allow_null=True)
    seq = seq_field()
    status = serializers.ChoiceField(
        choices=Problem.Status.choices, source="derived_status", read_only=True
    )
    measures_total = serializers.IntegerField(read_only=True)
    measures_closed = serializers.IntegerField(read_only=True)
    category_label = serializers.CharField(source="get_category_display", read_only=True)

    class Meta:
        model = Problem
        fields = [
            "id",
            "round",
            "aspect",
            "seq",
            "title",
            "description",
            "category",
            "category_label",
            "source",
            "status",
            "measures_total",
            "measures_closed",
            "created_at",
        ]
        read_only_fields = ["created_at"]
        validators: list = []

    def validate(self, attrs: dict) -> dict:
        instance = self.instance
        inspection_round = attrs.get("round", getattr(instance, "round", None))
        if inspection_round is None:  # `round` is required on create
            raise serializers.ValidationError(
                {"round": [self.fields["round"].error_messages["required"]]}
            )
        aspect = attrs.get("aspect", getattr(instance, "aspect", None))
        if aspect is not None and aspect.round_id != inspection_round.pk:
            raise serializers.ValidationError(
                {"aspect": [_("The aspect belongs to another round.")]}
            )
        if (
            instance is not None
            and "round" in attrs
            and attrs["round"] != instance.round
            and instance.measures.exists()
        ):
            raise serializers.ValidationError(
                {"round": [_("A problem with measures cannot move to another round.")]}
            )
        siblings = Problem.objects.filter(round=inspection_round)
        if "seq" in attrs:
            check_seq_free(siblings, attrs["seq"], instance)
        elif instance is None:
            attrs["seq"] = next_seq(siblings)
        elif inspection_round.pk != instance.round_id:
            # Moving keeps the number, which may be taken in the new round.
            check_seq_free(siblings, instance.seq, instance)
        return attrs


class ProblemViewSet(ScopedViewSet):
    """Problems (问题) found by a round; their status follows from their measures."""

    selector = staticmethod(problems_with_status_visible_to)
    queryset = Problem.objects.none()

    serializer_class = ProblemSerializer
    permission_classes = [OfficeWritesOthersRead]
    filterset_class = ProblemFilter
    ordering_fields = ["seq", "id", "round"]

    def perform_create(self, serializer: serializers.BaseSerializer[Problem]) -> None:
        problem = serializer.save()
        # Re-read so the response carries the derived status like every other read.
        visible = problems_with_status_visible_to(signed_in_user(self.request))
        serializer.instance = visible.get(pk=problem.pk)

    def perform_update(self, serializer: serializers.BaseSerializer[Problem]) -> None:
        problem = serializer.save()
        visible = problems_with_status_visible_to(signed_in_user(self.request))
        serializer.instance = visible.get(pk=problem.pk)


class RoundStatsSerializer(serializers.Serializer):
    """The numbers of DESIGN.md section 6 for one round."""

    round = serializers.IntegerField()
    as_of = serializers.DateField()
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
    completion_rate = serializers.FloatField(allow_null=True)
    on_time_rate = serializers.FloatField(allow_null=True)
    problems = serializers.IntegerField()
    problems_completed = serializers.IntegerField()
    problems_in_progress = serializers.IntegerField()
    problem_completion_rate = serializers.FloatField(allow_null=True)
    problem_list = serializers.ListField(child=serializers.DictField())
    clues = serializers.DictField(child=serializers.IntegerField(), required=False)
    petitions = serializers.DictField(child=serializers.IntegerField(), required=False)


class RoundStatsView(APIView):
    """Totals, completion and on-time rates, overdue counts and each problem's status."""

    @extend_schema(
        responses=RoundStatsSerializer,
        parameters=[OpenApiParameter("as_of", OpenApiTypes.DATE, description="Default today")],
        operation_id="rounds_stats_retrieve",
    )
    def get(self, request: Request, pk: int) -> Response:
        user = signed_in_user(request)
        inspection_round = get_object_or_404(rounds_visible_to(user), pk=pk)
        data = round_stats(inspection_round, user, parse_as_of(request))
        return Response(RoundStatsSerializer(data).data)
