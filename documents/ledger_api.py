"""API for the rectification ledger (整改台账): xlsx export and import."""

from __future__ import annotations

from django.http import FileResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.auth import signed_in_user
from config.errors import NotAllowed
from config.watermark import watermark_for
from inspections.models import InspectionRound
from inspections.selectors import rounds_owned_by, rounds_visible_to
from rectification.models import today

from .ledger import XLSX_CONTENT_TYPE, LedgerRejected, export_ledger, import_ledger


def ledger_filename(inspection_round: InspectionRound) -> str:
    return f"{inspection_round.name}整改台账{today():%Y%m%d}.xlsx"


class LedgerExportQuery(serializers.Serializer):
    round = serializers.IntegerField(min_value=1)


class LedgerExportView(APIView):
    """The round's ledger as an .xlsx file: what the requesting user may see of it."""

    @extend_schema(
        parameters=[OpenApiParameter("round", OpenApiTypes.INT, required=True)],
        responses={
            (200, XLSX_CONTENT_TYPE): OpenApiTypes.BINARY,
            404: OpenApiResponse(description="No such round, or not visible to the user"),
        },
    )
    def get(self, request: Request) -> FileResponse:
        query = LedgerExportQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        user = signed_in_user(request)
        inspection_round = get_object_or_404(
            rounds_visible_to(user), pk=query.validated_data["round"]
        )
        output = export_ledger(
            inspection_round=inspection_round, user=user, mark=watermark_for(user)
        )
        return FileResponse(
            output,
            as_attachment=True,
            filename=ledger_filename(inspection_round),
            content_type=XLSX_CONTENT_TYPE,
        )


class LedgerImportSerializer(serializers.Serializer):
    round = serializers.IntegerField(min_value=1)
    file = serializers.FileField()
    dry_run = serializers.BooleanField(default=False)


class RowErrorSerializer(serializers.Serializer):
    row = serializers.IntegerField()
    column = serializers.CharField()
    message = serializers.CharField()


class LedgerImportResultSerializer(serializers.Serializer):
    dry_run = serializers.BooleanField()
    saved = serializers.BooleanField()
    summary = serializers.DictField(child=serializers.IntegerField())
    rows = serializers.ListField(child=serializers.DictField())


class LedgerImportErrorSerializer(serializers.Serializer):
    """A refused file (detail, code, the bad rows), or a refused form (each field's errors)."""

    detail = serializers.CharField(required=False)
    code = serializers.CharField()
    # The metaclass moves declared fields off the class, so this does not hide `.errors`.
    errors = RowErrorSerializer(many=True, required=False)  # type: ignore[assignment]


class LedgerImportView(APIView):
    """Read a ledger back into a round: all rows or none. `dry_run` answers the plan only."""

    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        request={"multipart/form-data": LedgerImportSerializer},
        responses={
            200: LedgerImportResultSerializer,
            400: LedgerImportErrorSerializer,
            403: OpenApiResponse(description="Only office staff may import"),
            404: OpenApiResponse(description="No such round, or not visible to the user"),
        },
    )
    def post(self, request: Request) -> Response:
        user = signed_in_user(request)
        if not user.is_office:
            raise NotAllowed(_("Only office staff can import a ledger."))
        serializer = LedgerImportSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        inspection_round = get_object_or_404(rounds_owned_by(user), pk=data["round"])
        try:
            result = import_ledger(
                actor=user,
                inspection_round=inspection_round,
                file=data["file"],
                dry_run=data["dry_run"],
            )
        except LedgerRejected as exc:
            return Response(ledger_error_body(exc), status=status.HTTP_400_BAD_REQUEST)
        return Response(result.as_dict())


def ledger_error_body(exc: LedgerRejected) -> dict:
    return {
        "detail": exc.message,
        "code": exc.code,
        "errors": [error.as_dict() for error in exc.errors],
    }
