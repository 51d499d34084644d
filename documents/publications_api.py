"""API for disclosure (双公开): publications/, publications/{id}/approve/, .../withdraw/."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.auth import signed_in_user
from config.api import VisibleRelatedField
from inspections.selectors import rounds_owned_by

from .models import Publication
from .publications import (
    publication_approve,
    publication_draft,
    publication_update,
    publication_withdraw,
    publications_visible_to,
)


class PublicationSerializer(serializers.ModelSerializer):
    round = VisibleRelatedField(visible_to=rounds_owned_by)
    title = serializers.CharField(required=False, max_length=200)
    text = serializers.CharField(
        required=False,
        trim_whitespace=False,
        help_text="The edited report; left out, the generated report's text is used.",
    )
    state = serializers.CharField(read_only=True)
    drafted_by_name = serializers.CharField(source="drafted_by.__str__", read_only=True)
    approved_by_name = serializers.CharField(
        source="approved_by.__str__", read_only=True, default=None
    )

    class Meta:
        model = Publication
        fields = [
            "id",
            "round",
            "title",
            "text",
            "state",
            "drafted_by",
            "drafted_by_name",
            "drafted_at",
            "approved_by",
            "approved_by_name",
            "published_at",
            "withdrawn_at",
            "withdraw_reason",
            "snapshot",
        ]
        read_only_fields = [
            "drafted_by",
            "drafted_at",
            "approved_by",
            "published_at",
            "withdrawn_at",
            "withdraw_reason",
            "snapshot",
        ]


class PublicationUpdateSerializer(serializers.Serializer):
    title = serializers.CharField(required=False, max_length=200)
    text = serializers.CharField(required=False, trim_whitespace=False)


class WithdrawSerializer(serializers.Serializer):
    reason = serializers.CharField()


class PublicationViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Progress reports for disclosure: office drafts, another office user approves (then the
    report is published and frozen), office withdraws. Every signed-in user reads the
    published ones; office reads drafts and withdrawn records too."""

    queryset = Publication.objects.none()
    serializer_class = PublicationSerializer
    filterset_fields = ["round"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        return publications_visible_to(signed_in_user(self.request))

    def create(self, request: Request, *args, **kwargs) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        publication = publication_draft(
            actor=signed_in_user(request),
            inspection_round=data["round"],
            title=data.get("title"),
            text=data.get("text"),
        )
        return Response(self.get_serializer(publication).data, status=201)

    @extend_schema(request=PublicationUpdateSerializer, responses=PublicationSerializer)
    def partial_update(self, request: Request, *args, **kwargs) -> Response:
        publication = self.get_object()
        serializer = PublicationUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        publication = publication_update(
            actor=signed_in_user(request), publication=publication, **serializer.validated_data
        )
        return Response(self.get_serializer(publication).data)

    def update(self, request: Request, *args, **kwargs) -> Response:
        return self.partial_update(request, *args, **kwargs)

    @extend_schema(request=None, responses=PublicationSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request: Request, pk: str | None = None) -> Response:
        publication = publication_approve(
            actor=signed_in_user(request), publication=self.get_object()
        )
        return Response(self.get_serializer(publication).data)

    @extend_schema(request=WithdrawSerializer, responses=PublicationSerializer)
    @action(detail=True, methods=["post"])
    def withdraw(self, request: Request, pk: str | None = None) -> Response:
        # The object first: a report the user cannot see answers 404, whatever the body.
        publication = self.get_object()
        serializer = WithdrawSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        publication = publication_withdraw(
            actor=signed_in_user(request),
            publication=publication,
            reason=serializer.validated_data["reason"],
        )
        return Response(self.get_serializer(publication).data)
