"""API for aspects, problem clues and petitions (problems, whose status comes from their
measures, are served by rectification/problems_api.py)."""

from __future__ import annotations

from django.utils.translation import gettext as _
from rest_framework import serializers

from accounts.selectors import units_assignable_by
from config.api import OfficeOnly, OfficeWritesOthersRead, VisibleRelatedField
from config.seq import check_seq_free, next_seq, seq_field
from config.viewsets import ScopedViewSet
from inspections.selectors import rounds_visible_to

from .models import Aspect, Petition, ProblemClue
from .selectors import (
    aspects_visible_to,
    clues_visible_to,
    petitions_visible_to,
)


class AspectSerializer(serializers.ModelSerializer):
    round = VisibleRelatedField(visible_to=rounds_visible_to)
    seq = seq_field()

    class Meta:
        model = Aspect
        fields = ["id", "round", "seq", "title"]
        validators: list = []

    def validate(self, attrs: dict) -> dict:
        inspection_round = attrs.get("round", getattr(self.instance, "round", None))
        if inspection_round is None:  # `round` is required on create
            raise serializers.ValidationError(
                {"round": [self.fields["round"].error_messages["required"]]}
            )
        instance = self.instance
        moving = (
            instance if instance is not None and inspection_round.pk != instance.round_id else None
        )
        # Its problems stay in their round, so the aspect must stay there with them.
        if moving is not None and moving.problems.exists():
            raise serializers.ValidationError(
                {"round": [_("An aspect with problems cannot move to another round.")]}
            )
        siblings = Aspect.objects.filter(round=inspection_round)
        if "seq" in attrs:
            check_seq_free(siblings, attrs["seq"], instance)
        elif instance is None:
            attrs["seq"] = next_seq(siblings)
        elif moving is not None:
            check_seq_free(siblings, moving.seq, moving)
        return attrs


class AspectViewSet(ScopedViewSet):
    """Aspects (方面) that group a round's problems."""

    selector = staticmethod(aspects_visible_to)
    queryset = Aspect.objects.none()

    serializer_class = AspectSerializer
    permission_classes = [OfficeWritesOthersRead]
    filterset_fields = ["round"]
    ordering_fields = ["seq", "id"]


class ClueSerializer(serializers.ModelSerializer):
    round = VisibleRelatedField(visible_to=rounds_visible_to)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    disposal_label = serializers.CharField(source="get_disposal_display", read_only=True)

    class Meta:
        model = ProblemClue
        fields = [
            "id",
            "round",
            "summary",
            "subject",
            "transferred_to",
            "transferred_on",
            "disposal",
            "disposal_label",
            "status",
            "status_label",
            "outcome",
            "case_opened",
            "disciplined_count",
            "created_at",
        ]
        read_only_fields = ["created_at"]


class ClueViewSet(ScopedViewSet):
    """Problem clues (问题线索) handed over by the inspection body: office only."""

    selector = staticmethod(clues_visible_to)
    queryset = ProblemClue.objects.none()

    serializer_class = ClueSerializer
    permission_classes = [OfficeOnly]
    filterset_fields = ["round", "status", "disposal", "case_opened"]
    ordering_fields = ["transferred_on", "id"]


class PetitionSerializer(serializers.ModelSerializer):
    round = VisibleRelatedField(visible_to=rounds_visible_to)
    handler_unit = VisibleRelatedField(
        visible_to=units_assignable_by, required=False, allow_null=True
    )
    status_label = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = Petition
        fields = [
            "id",
            "round",
            "summary",
            "received_on",
            "handler_unit",
            "status",
            "status_label",
            "concluded_on",
            "created_at",
        ]
        read_only_fields = ["created_at"]

    def validate(self, attrs: dict) -> dict:
        status = attrs.get("status", getattr(self.instance, "status", Petition.Status.PENDING))
        concluded_on = attrs.get("concluded_on", getattr(self.instance, "concluded_on", None))
        if status == Petition.Status.CONCLUDED and concluded_on is None:
            raise serializers.ValidationError(
                {"concluded_on": [_("A concluded petition needs its conclusion date.")]}
            )
        return attrs


class PetitionViewSet(ScopedViewSet):
    """Petitions (信访件) handed over by the inspection body: office only."""

    selector = staticmethod(petitions_visible_to)
    queryset = Petition.objects.none()

    serializer_class = PetitionSerializer
    permission_classes = [OfficeOnly]
    filterset_fields = ["round", "status", "handler_unit"]
    ordering_fields = ["received_on", "id"]
