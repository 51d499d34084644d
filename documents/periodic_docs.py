"""The periodic report of a round (半月报, 季度报) as files: a docx in the official layout of
documents/report.py (GB/T 9704) that the office sends up the line, and an xlsx of the units'
figures with the period's signed-off and overdue measures. Both read documents.periodic.

Any text a user typed goes into a cell as a string, never as a formula (documents.xlsx_out).
"""

from __future__ import annotations

import datetime
import io
from collections.abc import Iterable
from typing import IO, Any

from django.db.models import Max, Q
from django.http import FileResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from docx.document import Document as WordDocument
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Mm, Pt
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.views import APIView

from accounts.auth import signed_in_user
from accounts.models import User
from config.errors import DomainError, NotAllowed
from config.watermark import Watermark, watermark_for
from inspections.models import InspectionRound
from rectification.models import StatusChange, overdue_filter, today
from rectification.selectors import rounds_in_view
from supervision.models import LEVEL_ORDER

from .ledger import STATUS_TEXT, XLSX_CONTENT_TYPE
from .periodic import (
    KINDS,
    Period,
    PeriodicReport,
    UnitPeriod,
    may_read_periodic,
    periodic_queries,
    periodic_report,
    resolve_period,
)
from .report import (
    BODY_FONT,
    DOCX_CONTENT_TYPE,
    LEVEL_ONE_FONT,
    URGE_LEVEL_CN,
    _new_document,
    _paragraph,
    _set_font,
    cn_date,
    party_organisation,
    title_block,
)
from .xlsx_out import BODY, HEADER, Book, Sheet

NO_LEAD_UNIT = "未明确牵头单位"

# The docx table: (header, width). The text block of an A4 page is 156 mm wide.
DOCX_COLUMNS: tuple[tuple[str, float], ...] = (
    ("序号", 12),
    ("单位", 48),
    ("报送进展", 19.2),
    ("销号措施", 19.2),
    ("期末逾期", 19.2),
    ("收到督办单", 19.2),
    ("已回复", 19.2),
)
UNITS_SHEET = "各单位情况"
SIGNED_OFF_SHEET = "本期销号措施"
OVERDUE_SHEET = "期末逾期措施"
UNIT_COLUMNS: tuple[tuple[str, int], ...] = (
    ("序号", 6),
    ("单位", 30),
    ("牵头措施", 9),
    ("报送进展", 9),
    ("涉及措施", 9),
    ("销号措施", 9),
    ("期末逾期", 9),
    ("收到督办单", 10),
    *((f"其中{URGE_LEVEL_CN[level]}", 8) for level in LEVEL_ORDER),
    ("已回复", 8),
)
SIGNED_OFF_COLUMNS: tuple[tuple[str, int], ...] = (
    ("序号", 6),
    ("牵头单位", 20),
    ("问题", 26),
    ("整改措施", 50),
    ("整改时限", 12),
    ("销号日期", 12),
)
OVERDUE_COLUMNS: tuple[tuple[str, int], ...] = (
    ("序号", 6),
    ("牵头单位", 20),
    ("问题", 26),
    ("整改措施", 50),
    ("整改时限", 12),
    ("逾期天数", 9),
    ("状态", 12),
)
CHUNK = 1000

_TITLE: dict[str, Any] = {**BODY, "bold": True, "font_size": 14}
_TOTAL: dict[str, Any] = {**BODY, "bold": True}


# --- Words -------------------------------------------------------------------------------------


def _levels_text(entry: UnitPeriod) -> str:
    counts = entry.urges_by_level
    shown = [f"{URGE_LEVEL_CN[level]}{counts[level]}份" for level in LEVEL_ORDER if counts[level]]
    return f"（其中{'、'.join(shown)}）" if shown else ""


def _names(units: list[UnitPeriod]) -> str:
    return "、".join(u.unit_name for u in units)


def opening(report: PeriodicReport) -> str:
    period = report.period
    return (
        f"现将{period.label}（{cn_date(period.first_day)}至{cn_date(period.last_day)}）"
        f"{report.round.name}整改工作情况报告如下。"
    )


def totals_text(report: PeriodicReport) -> str:
    t = report.totals
    units = [u for u in report.units if u.measures]
    text = (
        f"{report.round.name}共有{len(units)}个牵头单位、{t.measures}条整改措施。"
        f"本期各单位共报送整改进展{t.progress_reports}条"
    )
    if t.progress_reports:
        text += f"（涉及整改措施{t.measures_reported}条）"
    text += f"，销号整改措施{t.signed_off}条；截至{cn_date(report.period.last_day)}，"
    text += f"逾期未完成整改措施{t.overdue}条。" if t.overdue else "无逾期未完成的整改措施。"
    if t.urges:
        text += f"本期共发出督办单{t.urges}份{_levels_text(t)}，已回复{t.urges_replied}份。"
    else:
        text += "本期未发出督办单。"
    return text


def closing_texts(report: PeriodicReport) -> list[str]:
    overdue = [u for u in report.units if u.overdue]
    missed = [u for u in report.units if u.missed_report]
    unanswered = [u for u in report.units if u.urges > u.urges_replied]
    texts = []
    if overdue:
        texts.append(
            f"截至本期末，{_names(overdue)}共{len(overdue)}个单位有逾期未完成的整改措施"
            f"{report.totals.overdue}条，需加快推进。"
        )
    if missed:
        texts.append(
            f"{_names(missed)}共{len(missed)}个单位有未完成的整改措施，本期未报送整改进展。"
        )
    if unanswered:
        texts.append(f"{_names(unanswered)}本期收到的督办单截至期末尚未全部回复。")
    if not texts:
        texts.append("本期各单位均按要求报送整改进展，无逾期未完成的整改措施。")
    texts.append(
        "下一步，将督促各责任单位对照整改台账逐项推进，按时报送整改进展；对逾期未完成的"
        "整改措施加大督办力度，对整改不力的单位视情约谈、通报，确保整改任务按期完成。"
    )
    return texts


# --- The docx ----------------------------------------------------------------------------------


def _docx_table(document: WordDocument, report: PeriodicReport) -> None:
    table = document.add_table(rows=1, cols=len(DOCX_COLUMNS))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    rows: list[tuple[list[str], bool]] = [
        (
            [
                str(number),
                entry.unit_name,
                str(entry.progress_reports),
                str(entry.signed_off),
                str(entry.overdue),
                str(entry.urges),
                str(entry.urges_replied),
            ],
            False,
        )
        for number, entry in enumerate(report.units, start=1)
    ]
    t = report.totals
    rows.append(
        (
            [
                "",
                t.unit_name,
                str(t.progress_reports),
                str(t.signed_off),
                str(t.overdue),
                str(t.urges),
                str(t.urges_replied),
            ],
            True,
        )
    )
    for cell, (header, _width) in zip(table.rows[0].cells, DOCX_COLUMNS, strict=True):
        cell.text = ""
        cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
        _set_font(cell.paragraphs[0].add_run(header), LEVEL_ONE_FONT, Pt(12))
    for values, bold in rows:
        cells = table.add_row().cells
        for index, (cell, value) in enumerate(zip(cells, values, strict=True)):
            cell.text = ""
            if index != 1:
                cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
            _set_font(cell.paragraphs[0].add_run(value), BODY_FONT, Pt(12), bold=bold)
    for row in table.rows:
        for cell, (_header, width) in zip(row.cells, DOCX_COLUMNS, strict=True):
            cell.width = Mm(width)


def periodic_docx(
    report: PeriodicReport, *, mark: Watermark, dated: datetime.date | None = None
) -> bytes:
    """The report in the official layout: title, opening, totals, the units' table, closing."""
    document = _new_document(report.title, mark=mark)
    title_block(document, report.title)
    _paragraph(document, opening(report))
    _paragraph(document, "一、总体情况", font=LEVEL_ONE_FONT)
    _paragraph(document, totals_text(report))
    _paragraph(document, "二、各单位整改工作情况", font=LEVEL_ONE_FONT)
    if report.units:
        _docx_table(document, report)
    else:
        _paragraph(document, "本轮次尚无整改措施。")
    _paragraph(document, "三、存在的问题和下一步工作", font=LEVEL_ONE_FONT)
    for text in closing_texts(report):
        _paragraph(document, text)
    _paragraph(document)
    for line in (party_organisation(report.round.target_unit), cn_date(dated or today())):
        _paragraph(document, line, indent=False, align=WD_ALIGN_PARAGRAPH.RIGHT)
    output = io.BytesIO()
    document.save(output)
    return output.getvalue()


# --- The xlsx ----------------------------------------------------------------------------------


def _unit_row(number: int | str, entry: UnitPeriod) -> list[Any]:
    return [
        number,
        entry.unit_name,
        entry.measures,
        entry.progress_reports,
        entry.measures_reported,
        entry.signed_off,
        entry.overdue,
        entry.urges,
        *(entry.urges_by_level[level] for level in LEVEL_ORDER),
        entry.urges_replied,
    ]


def _signed_off_rows(report: PeriodicReport, user: User) -> Iterable[list[Any]]:
    """Each measure signed off in the period, once, on the day of its last sign-off in it."""
    queries = periodic_queries(report.round, report.period, user)
    start, end = report.period.moments()
    in_period = Q(
        history__action=StatusChange.Action.APPROVE, history__at__gte=start, history__at__lt=end
    )
    measures = (
        queries.measures.filter(pk__in=queries.sign_offs.values("measure_id"))
        .annotate(signed_off_at=Max("history__at", filter=in_period))
        .select_related("problem", "lead_unit")
        .order_by("lead_unit__name", "signed_off_at", "id")
    )
    for number, measure in enumerate(measures.iterator(chunk_size=CHUNK), start=1):
        yield [
            number,
            measure.lead_unit.name if measure.lead_unit else NO_LEAD_UNIT,
            measure.problem.title,
            measure.text,
            measure.deadline,
            timezone.localtime(measure.signed_off_at).date(),
        ]


def _overdue_rows(report: PeriodicReport, user: User) -> Iterable[list[Any]]:
    queries = periodic_queries(report.round, report.period, user)
    day = report.period.last_day
    measures = (
        queries.measures.filter(overdue_filter(day))
        .select_related("problem", "lead_unit")
        .order_by("lead_unit__name", "deadline", "id")
    )
    for number, measure in enumerate(measures.iterator(chunk_size=CHUNK), start=1):
        assert measure.deadline is not None  # overdue_filter: a deadline in the past
        yield [
            number,
            measure.lead_unit.name if measure.lead_unit else NO_LEAD_UNIT,
            measure.problem.title,
            measure.text,
            measure.deadline,
            (day - measure.deadline).days,
            STATUS_TEXT[measure.status],
        ]


def periodic_xlsx(report: PeriodicReport, user: User, *, mark: Watermark) -> IO[bytes]:
    """Sheets 各单位情况 (each unit and the sum), 本期销号措施 and 期末逾期措施; a file at 0."""
    book = Book(mark)
    period = report.period
    header, body = book.style(HEADER), book.style(BODY)
    title_style, total = book.style(_TITLE), book.style(_TOTAL)

    def sheet(name: str, columns: tuple[tuple[str, int], ...]) -> Sheet:
        ws = book.sheet(
            name,
            title=f"{report.round.name}{period.label}{name}",
            as_of=period.last_day,
            widths=[width for _header, width in columns],
            title_rows=(1, 1),
            freeze=(2, 0),
        )
        ws.append(
            [
                f"{report.round.name}{period.label}{name}"
                f"（{cn_date(period.first_day)}至{cn_date(period.last_day)}）"
            ],
            title_style,
        )
        ws.append([title for title, _width in columns], header)
        return ws

    units = sheet(UNITS_SHEET, UNIT_COLUMNS)
    for number, entry in enumerate(report.units, start=1):
        units.append(_unit_row(number, entry), body)
    units.append(_unit_row("", report.totals), total)

    for name, columns, rows in (
        (SIGNED_OFF_SHEET, SIGNED_OFF_COLUMNS, _signed_off_rows(report, user)),
        (OVERDUE_SHEET, OVERDUE_COLUMNS, _overdue_rows(report, user)),
    ):
        ws = sheet(name, columns)
        for values in rows:
            ws.append(values, body)
    return book.close()


def periodic_filename(report: PeriodicReport, extension: str) -> str:
    return f"{report.round.name}整改工作{report.period.report_name}{report.period.key}.{extension}"


# --- API ---------------------------------------------------------------------------------------


class PeriodQuery(serializers.Serializer):
    period = serializers.CharField(required=False, allow_blank=True, max_length=20)
    kind = serializers.ChoiceField(choices=KINDS, required=False)

    def validated_period(self) -> Period:
        self.is_valid(raise_exception=True)
        try:
            return resolve_period(
                self.validated_data.get("period"), self.validated_data.get("kind")
            )
        except DomainError as error:
            raise serializers.ValidationError({error.field or "period": [error.message]}) from None


def readable_round(user: User, pk: int) -> InspectionRound:
    """The round of a periodic report, for those who may read one (404 if not in view)."""
    if not may_read_periodic(user):
        raise NotAllowed(_("Periodic reports are for the office, leaders and supervision groups."))
    return get_object_or_404(rounds_in_view(user), pk=pk)


class PeriodicFileView(APIView):
    """A round's half-monthly (半月报) or quarterly (季度报) report, as docx or xlsx."""

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "period",
                OpenApiTypes.STR,
                description="2026-11-H1 (1st to 15th), 2026-11-H2 (16th to the end) or "
                "2026-Q4; the last period ended when left out.",
            ),
            OpenApiParameter(
                "kind",
                OpenApiTypes.STR,
                enum=list(KINDS),
                description="half-month (the default) or quarter: the period's kind when "
                "`period` is left out or names the other kind.",
            ),
        ],
        responses={
            (200, XLSX_CONTENT_TYPE): OpenApiTypes.BINARY,
            (200, DOCX_CONTENT_TYPE): OpenApiTypes.BINARY,
            403: OpenApiResponse(description="Liaisons report on their own unit's measures"),
            404: OpenApiResponse(description="No such round, or not visible to the user"),
        },
    )
    def get(self, request: Request, pk: int, extension: str) -> FileResponse:
        user = signed_in_user(request)
        inspection_round = readable_round(user, pk)
        period = PeriodQuery(data=request.query_params).validated_period()
        report = periodic_report(inspection_round=inspection_round, period=period, user=user)
        mark = watermark_for(user)
        if extension == "xlsx":
            output: IO[bytes] = periodic_xlsx(report, user, mark=mark)
            content_type = XLSX_CONTENT_TYPE
        else:
            output = io.BytesIO(periodic_docx(report, mark=mark))
            content_type = DOCX_CONTENT_TYPE
        return FileResponse(
            output,
            as_attachment=True,
            filename=periodic_filename(report, extension),
            content_type=content_type,
        )
