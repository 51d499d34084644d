"""The evaluation (百分制评估) and the red-and-black list (红黑榜) as files: xlsx for Excel,
docx in the official layout of documents/report.py (GB/T 9704). They read the stored scores
of supervision.evaluation, never recount.

Any text a user typed goes into a cell as a string, never as a formula: a leading = + - @,
tab or carriage return is neutralised with an apostrophe (OWASP, CSV/formula injection).
"""

from __future__ import annotations

import io
from typing import Any

from django.http import FileResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from docx.document import Document as WordDocument
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Pt
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.views import APIView

from accounts.auth import signed_in_user
from accounts.models import User
from config.watermark import Watermark, watermark_for
from supervision.evaluation import (
    FORMULAS,
    evaluations_visible_to,
    ordered_scores,
    red_black_lists_visible_to,
)
from supervision.models import Evaluation, EvaluationScore, RedBlackList

from .ledger import XLSX_CONTENT_TYPE
from .report import (
    BODY_FONT,
    DOCX_CONTENT_TYPE,
    LEVEL_ONE_FONT,
    URGE_LEVEL_CN,
    _new_document,
    _paragraph,
    _set_font,
    cn_date,
    percent,
    title_block,
)
from .xlsx_out import Book, Sheet, Style

BAND_CN = {"excellent": "好", "good": "较好", "fair": "一般", "poor": "差", "": "—"}
KIND_CN = {"auto": "自动计算", "manual": "人工评分", "deduction": "扣分项"}
FORMULA_CN = {
    "completion_rate": "权重×已销号措施数÷措施总数",
    "on_time_rate": "权重×按期销号措施数÷截至评估日到期措施数",
    "problem_completion_rate": "权重×已完成整改问题数÷问题总数",
    "look_back_holding_rate": "权重×“回头看”巩固措施数÷已核查措施数",
}
_CELL: dict[str, Any] = {
    "border": 1,
    "border_color": "#999999",
    "valign": "vcenter",
    "text_wrap": True,
}
_HEAD: dict[str, Any] = {**_CELL, "bold": True, "pattern": 1, "bg_color": "#F2DCDB"}
_RED: dict[str, Any] = {**_CELL, "pattern": 1, "bg_color": "#FDE9E7"}
_BLACK: dict[str, Any] = {**_CELL, "pattern": 1, "bg_color": "#E7E6E6"}
_TITLE: dict[str, Any] = {"bold": True, "font_size": 14}


def _score(entry: dict | None) -> Any:
    if not entry or entry.get("score") is None:
        return "不适用"
    return entry["score"]


def _total(score: EvaluationScore) -> Any:
    return float(score.total) if score.total is not None else "—"


# --- The evaluation ----------------------------------------------------------------------------


def evaluation_xlsx(evaluation: Evaluation, viewer: User, *, mark: Watermark) -> bytes:
    """Sheet 评估得分 (each unit, best first, then the round), sheet 评分方案 (the frozen
    items with their formulas)."""
    book = Book(mark)
    cell, head = book.style(_CELL), book.style(_HEAD)
    items = evaluation.items
    title = f"{evaluation.round.name} 整改成效百分制评估"
    sheet = book.sheet(
        "评估得分",
        title=title,
        as_of=evaluation.as_of,
        widths=[6, 28, *[11] * (len(items) + 2)],
        title_rows=(1, 1),
        freeze=(2, 2),
    )
    # The items' heads wrap in two or three lines of a narrow column; a height set by hand,
    # since neither Excel nor LibreOffice grows a row for wrapped text it did not type.
    sheet.worksheet.set_row(1, 48)
    sheet.append(
        [f"{evaluation.round.name} 整改成效百分制评估（截至{evaluation.as_of}）"],
        book.style(_TITLE),
    )
    sheet.append(
        ["排名", "单位", *[f"{i['name']}（{i['weight']:g}）" for i in items], "总分", "等次"],
        head,
    )
    rank = 0
    for score in ordered_scores(evaluation, viewer):
        if score.unit is not None:
            rank += 1
        sheet.append(
            [
                rank if score.unit is not None else "",
                score.unit.name if score.unit else "全轮次",
                *[_score(score.items.get(i["key"])) for i in items],
                _total(score),
                BAND_CN.get(score.band, score.band),
            ],
            cell,
        )

    scheme = book.sheet(
        "评分方案",
        title=f"{title} 评分方案",
        as_of=evaluation.as_of,
        widths=(20, 12, 8, 60),
        freeze=None,
    )
    scheme.append(["项目", "类型", "分值", "计算方法"], head)
    for item in items:
        if item["kind"] == "auto":
            method = FORMULA_CN.get(item["formula"], str(FORMULAS.get(item["formula"], "")))
        elif item["kind"] == "manual":
            method = "由巡察办或督查组按0至满分评分并注明理由"
        else:
            method = (
                f"每被{URGE_LEVEL_CN.get(item['level'], item['level'])}一次扣{item['weight']:g}分，"
                f"最多扣{item.get('cap', 100):g}分"
            )
        scheme.append([item["name"], KIND_CN[item["kind"]], item["weight"], method], cell)
    scheme.append(
        [
            "说明",
            "",
            "",
            "无可计量内容的项目（如尚无到期措施时的完成率、按期率）不计分，其余项目得分按"
            "实际满分折算为百分制后再扣分；90分以上为“好”，80分以上为“较好”，60分以上为"
            "“一般”，60分以下为“差”。",
        ],
        cell,
    )
    return book.bytes()


def _table(document: WordDocument, header: list[str], rows: list[list[Any]]) -> None:
    table = document.add_table(rows=1, cols=len(header))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for cell, text in zip(table.rows[0].cells, header, strict=True):
        cell.text = ""
        _set_font(cell.paragraphs[0].add_run(text), LEVEL_ONE_FONT, Pt(12))
    for values in rows:
        cells = table.add_row().cells
        for cell, value in zip(cells, values, strict=True):
            cell.text = ""
            _set_font(cell.paragraphs[0].add_run(str(value)), BODY_FONT, Pt(12))


def evaluation_docx(evaluation: Evaluation, viewer: User, *, mark: Watermark) -> bytes:
    title = f"关于{evaluation.round.name}整改成效百分制评估情况的报告"
    document = _new_document(title, mark=mark)
    title_block(document, title)
    scores = ordered_scores(evaluation, viewer)
    units = [s for s in scores if s.unit is not None]
    whole = next((s for s in scores if s.unit is None), None)
    counts = {band: sum(1 for s in units if s.band == band) for band in BAND_CN}
    _paragraph(
        document,
        f"按照整改成效“百分制”量化评估办法，截至{cn_date(evaluation.as_of)}，对"
        f"{len(units)}个责任单位的整改成效进行了评估。其中评为“好”的{counts['excellent']}个，"
        f"“较好”的{counts['good']}个，“一般”的{counts['fair']}个，“差”的{counts['poor']}个"
        + (
            f"；全轮次整改成效得分{_total(whole)}分，等次为“{BAND_CN.get(whole.band, '—')}”。"
            if whole is not None
            else "。"
        ),
    )
    _paragraph(document, "一、评估方法", font=LEVEL_ONE_FONT)
    parts = []
    for item in evaluation.items:
        if item["kind"] == "deduction":
            parts.append(
                f"{item['name']}（每次扣{item['weight']:g}分，最多{item.get('cap', 100):g}分）"
            )
        else:
            parts.append(f"{item['name']}{item['weight']:g}分")
    _paragraph(
        document,
        "评估项目为："
        + "、".join(parts)
        + "。无可计量内容的项目不计分，其余项目按实际满分折算为百分制。",
    )
    _paragraph(document, "二、评估结果", font=LEVEL_ONE_FONT)
    _table(
        document,
        ["排名", "单位", "总分", "等次", "按期完成率"],
        [
            [
                n,
                s.unit.name if s.unit else "",
                _total(s),
                BAND_CN.get(s.band, "—"),
                percent(s.on_time_rate),
            ]
            for n, s in enumerate(units, start=1)
        ],
    )
    _paragraph(document)
    _paragraph(document, cn_date(evaluation.as_of), indent=False, align=WD_ALIGN_PARAGRAPH.RIGHT)
    output = io.BytesIO()
    document.save(output)
    return output.getvalue()


# --- The red-and-black list ------------------------------------------------------------------


def _entry_row(entry: dict) -> list[Any]:
    return [
        entry["rank"],
        entry["unit_name"],
        entry["total"] if entry["total"] is not None else "—",
        BAND_CN.get(entry.get("band") or "", "—"),
        percent(entry.get("on_time_rate")),
    ]


def red_black_xlsx(listing: RedBlackList, *, mark: Watermark) -> bytes:
    book = Book(mark)
    head = book.style(_HEAD)
    title = f"{listing.evaluation.round.name} {listing.period_label} 整改红黑榜"
    sheet = book.sheet(
        "红黑榜", title=title, as_of=listing.evaluation.as_of, title_rows=(2, 2), freeze=None
    )
    sheet.set_widths([30], first_column=1)
    sheet.set_widths([14], first_column=4)
    sheet.append([title], book.style(_TITLE))
    header = ["总排名", "单位", "总分", "等次", "按期完成率"]
    for label, entries, fill in (
        ("红榜", listing.red, book.style(_RED)),
        ("黑榜", listing.black, book.style(_BLACK)),
    ):
        if label == "黑榜":
            sheet.skip_row()
        _entries(sheet, label, header, head, entries, fill)
    return book.bytes()


def _entries(
    sheet: Sheet, label: str, header: list[str], head: Style, entries: list, fill: Style
) -> None:
    sheet.append([label], None)
    sheet.append(header, head)
    for entry in entries:
        sheet.append(_entry_row(entry), fill)


def red_black_docx(listing: RedBlackList, *, mark: Watermark) -> bytes:
    evaluation = listing.evaluation
    title = f"关于{listing.period_label}巡察整改工作红黑榜的通报"
    document = _new_document(title, mark=mark)
    title_block(document, title)
    _paragraph(
        document,
        f"根据{evaluation.round.name}整改成效百分制评估结果（截至{cn_date(evaluation.as_of)}），"
        f"现将{listing.period_label}整改工作红黑榜通报如下。",
    )
    _paragraph(document, "一、红榜", font=LEVEL_ONE_FONT)
    header = ["总排名", "单位", "总分", "等次", "按期完成率"]
    if listing.red:
        _table(document, header, [_entry_row(e) for e in listing.red])
    else:
        _paragraph(document, "本期无。")
    _paragraph(document, "二、黑榜", font=LEVEL_ONE_FONT)
    if listing.black:
        _table(document, header, [_entry_row(e) for e in listing.black])
    else:
        _paragraph(document, "本期无。")
    _paragraph(document, "三、有关要求", font=LEVEL_ONE_FONT)
    _paragraph(
        document,
        "上红榜的单位要总结经验、巩固成果；上黑榜的单位要深刻反思、查找原因，"
        "于10个工作日内向巡察办书面报告整改措施，主要负责人要亲自研究部署、推动落实。",
    )
    _paragraph(document)
    _paragraph(
        document,
        cn_date(timezone.localdate(listing.published_at)),
        indent=False,
        align=WD_ALIGN_PARAGRAPH.RIGHT,
    )
    output = io.BytesIO()
    document.save(output)
    return output.getvalue()


# --- API ---------------------------------------------------------------------------------------


def _file(content: bytes, filename: str, content_type: str) -> FileResponse:
    return FileResponse(
        io.BytesIO(content), as_attachment=True, filename=filename, content_type=content_type
    )


class EvaluationFileView(APIView):
    """An evaluation as xlsx (each unit's item scores) or docx (the report)."""

    @extend_schema(
        responses={
            (200, XLSX_CONTENT_TYPE): OpenApiTypes.BINARY,
            (200, DOCX_CONTENT_TYPE): OpenApiTypes.BINARY,
        }
    )
    def get(self, request: Request, pk: int, kind: str) -> FileResponse:
        user = signed_in_user(request)
        evaluation = get_object_or_404(evaluations_visible_to(user), pk=pk)
        name = f"{evaluation.round.name}百分制评估{evaluation.as_of:%Y%m%d}"
        mark = watermark_for(user)
        if kind == "xlsx":
            return _file(
                evaluation_xlsx(evaluation, user, mark=mark), f"{name}.xlsx", XLSX_CONTENT_TYPE
            )
        return _file(
            evaluation_docx(evaluation, user, mark=mark), f"{name}.docx", DOCX_CONTENT_TYPE
        )


class RedBlackFileView(APIView):
    """A red-and-black list as xlsx or as a docx notice in the official layout."""

    @extend_schema(
        responses={
            (200, XLSX_CONTENT_TYPE): OpenApiTypes.BINARY,
            (200, DOCX_CONTENT_TYPE): OpenApiTypes.BINARY,
        }
    )
    def get(self, request: Request, pk: int, kind: str) -> FileResponse:
        user = signed_in_user(request)
        listing = get_object_or_404(red_black_lists_visible_to(user), pk=pk)
        name = f"{listing.period_label}整改红黑榜"
        mark = watermark_for(user)
        if kind == "xlsx":
            return _file(red_black_xlsx(listing, mark=mark), f"{name}.xlsx", XLSX_CONTENT_TYPE)
        return _file(red_black_docx(listing, mark=mark), f"{name}.docx", DOCX_CONTENT_TYPE)
