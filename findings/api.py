"""API for aspects, problem clues and petitions (problems, whose status comes from their
measures, are served by rectification/problems_api.py)."""

from __future__ import annotations

from collections.abc import Callable

from django.http import FileResponse, Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.request import Request

from accounts.selectors import units_assignable_by
from config.api import OfficeOnly, OfficeWritesOthersRead, VisibleRelatedField
from config.seq import check_seq_free, next_seq, seq_field
from config.uploads import CONTENT_TYPES
from config.viewsets import ScopedViewSet
from inspections.selectors import rounds_owned_by

from . import services
from .models import Aspect, HandedOver, Petition, ProblemClue
from .selectors import (
    aspects_visible_to,
    clues_visible_to,
    petitions_visible_to,
)


class AspectSerializer(serializers.ModelSerializer):
    round = VisibleRelatedField(visible_to=rounds_owned_by)
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


class HandedOverFields(serializers.ModelSerializer):
    """The feedback deadline and the conclusion document of a clue or petition."""

    url_name = ""  # the route of the row's document download

    document = serializers.FileField(
        write_only=True,
        required=False,
        help_text="The conclusion document (PDF, Word, Excel, JPG, PNG or ZIP)",
    )
    document_url = serializers.SerializerMethodField()
    is_late = serializers.SerializerMethodField()

    def get_document_url(self, row: HandedOver) -> str | None:
        if not row.document:
            return None
        return reverse(f"api:{type(self).url_name}-document", args=[row.pk])

    def get_is_late(self, row: HandedOver) -> bool:
        return row.is_late(timezone.localdate())


class ClueSerializer(HandedOverFields):
    url_name = "clue"
    round = VisibleRelatedField(visible_to=rounds_owned_by)
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
            "concluded_on",
            "feedback_due",
            "is_late",
            "document",
            "document_name",
            "document_url",
            "case_opened",
            "disciplined_count",
            "created_at",
        ]
        read_only_fields = ["document_name", "created_at"]


class HandedOverViewSet(ScopedViewSet):
    """Writes go through the findings services, which check the dates and the document."""

    permission_classes = [OfficeOnly]
    save: Callable[..., HandedOver] = staticmethod(services.clue_save)
    instance_key = "clue"

    def _write(self, serializer: serializers.BaseSerializer) -> None:
        fields = dict(serializer.validated_data)
        document = fields.pop("document", None)
        serializer.instance = type(self).save(
            actor=self.request.user,
            fields=fields,
            document=document,
            **{self.instance_key: serializer.instance},
        )

    def perform_create(self, serializer: serializers.BaseSerializer) -> None:
        self._write(serializer)

    def perform_update(self, serializer: serializers.BaseSerializer) -> None:
        self._write(serializer)

    @extend_schema(
        responses={
            (200, content_type): OpenApiTypes.BINARY
            for content_type in sorted(set(CONTENT_TYPES.values()))
        }
    )
    @action(detail=True, methods=["get"])
    def document(self, request: Request, pk: str | None = None) -> FileResponse:
        """The conclusion document, as an attachment (office only)."""
        row = self.get_object()
        if not row.document:
            raise Http404
        return FileResponse(row.document.open("rb"), as_attachment=True, filename=row.document_name)


class ClueViewSet(HandedOverViewSet):
    """Problem clues (问题线索) handed over by the inspection body: office only."""

    selector = staticmethod(clues_visible_to)
    queryset = ProblemClue.objects.none()

    serializer_class = ClueSerializer
    filterset_fields = ["round", "status", "disposal", "case_opened"]
    ordering_fields = ["transferred_on", "feedback_due", "id"]


class PetitionSerializer(HandedOverFields):
    url_name = "petition"
    round = VisibleRelatedField(visible_to=rounds_owned_by)
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
            "outcome",
            "feedback_due",
            "is_late",
            "document",
            "document_name",
            "document_url",
            "created_at",
        ]
        read_only_fields = ["document_name", "created_at"]

    def validate(self, attrs: dict) -> dict:
        status = attrs.get("status", getattr(self.instance, "status", Petition.Status.PENDING))
        concluded_on = attrs.get("concluded_on", getattr(self.instance, "concluded_on", None))
        if status == Petition.Status.CONCLUDED and concluded_on is None:
            raise serializers.ValidationError(
                {"concluded_on": [_("A concluded petition needs its conclusion date.")]}
            )
        return attrs


class PetitionViewSet(HandedOverViewSet):
    """Petitions (信访件) handed over by the inspection body: office only."""

    selector = staticmethod(petitions_visible_to)
    queryset = Petition.objects.none()
    save = staticmethod(services.petition_save)
    instance_key = "petition"

    serializer_class = PetitionSerializer
    filterset_fields = ["round", "status", "handler_unit"]
    ordering_fields = ["received_on", "feedback_due", "id"]
