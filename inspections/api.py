"""API for inspection rounds (their numbers are served by rectification, which has the measures)."""

from __future__ import annotations

from django.utils.translation import gettext as _
from rest_framework import serializers

from accounts.selectors import units_assignable_by
from config.api import OfficeWritesOthersRead, VisibleRelatedField
from config.viewsets import ScopedViewSet

from .models import InspectionRound
from .selectors import rounds_visible_to


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


class RoundViewSet(ScopedViewSet):
    """Inspection rounds (巡视/巡察轮次)."""

    selector = staticmethod(rounds_visible_to)
    queryset = InspectionRound.objects.none()

    serializer_class = RoundSerializer
    permission_classes = [OfficeWritesOthersRead]
    filterset_fields = ["kind", "mode", "target_unit"]
    ordering_fields = ["feedback_date", "name", "id"]
