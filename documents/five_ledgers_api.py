"""API for the five ledgers of a round (五账): one xlsx with five sheets."""

from __future__ import annotations

from django.http import FileResponse
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.request import Request
from rest_framework.views import APIView

from accounts.auth import signed_in_user
from config.watermark import watermark_for
from inspections.models import InspectionRound
from inspections.selectors import rounds_owned_by
from rectification.models import today

from .five_ledgers import export_five_ledgers
from .ledger import XLSX_CONTENT_TYPE
from .ledger_api import LedgerExportQuery


def five_ledgers_filename(inspection_round: InspectionRound) -> str:
    return f"{inspection_round.name}五账{today():%Y%m%d}.xlsx"


class FiveLedgersExportView(APIView):
    """报告报账, 反馈交账, 移交转账, 督办对账, 整改销账 of a round, as the user may see them."""

    @extend_schema(
        parameters=[OpenApiParameter("round", OpenApiTypes.INT, required=True)],
        responses={
            (200, XLSX_CONTENT_TYPE): OpenApiTypes.BINARY,
            403: OpenApiResponse(description="Liaisons work in the ledger of their measures"),
            404: OpenApiResponse(description="No such round, or not visible to the user"),
        },
    )
    def get(self, request: Request) -> FileResponse:
        query = LedgerExportQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        user = signed_in_user(request)
        inspection_round = get_object_or_404(
            rounds_owned_by(user), pk=query.validated_data["round"]
        )
        output = export_five_ledgers(
            inspection_round=inspection_round, user=user, mark=watermark_for(user)
        )
        return FileResponse(
            output,
            as_attachment=True,
            filename=five_ledgers_filename(inspection_round),
            content_type=XLSX_CONTENT_TYPE,
        )
