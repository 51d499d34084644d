"""The ledger and the five ledgers of the demo round hold, cell by cell, what they held when
they were written by openpyxl: values, types, number formats, fonts, fills, alignment,
borders, widths, merged cells, filters, drop-down lists, print setup, page header and
footer, and the watermark in the properties.

The reference (export_reference.json) was captured from the openpyxl writer. To capture it
again after a change that is meant to show in the files, run this module with
EXPORT_REFERENCE=write and review the diff of the JSON file.
"""

from __future__ import annotations

import datetime
import io
import json
import os
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from accounts.models import User
from config.watermark import Watermark, watermark_for
from demo.management.commands.load_demo import ROUND_NAME
from documents.five_ledgers import export_five_ledgers
from documents.ledger import export_ledger
from documents.xlsx_out import Book, page_header
from inspections.models import InspectionRound
from rectification.models import Measure
from tests.factories import MeasureFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("shanghai_clock")]

REFERENCE = Path(__file__).with_name("export_reference.json")


# --- What a workbook holds that a reader sees ---------------------------------------------------


def _rgb(color: Any) -> str | None:
    # The alpha byte differs between writers (00 or FF) and Excel ignores it.
    rgb = getattr(color, "rgb", None)
    return rgb[-6:] if isinstance(rgb, str) else None


def _value(value: Any) -> Any:
    if isinstance(value, datetime.datetime | datetime.date):
        return ["date", value.isoformat()]
    if isinstance(value, float):
        # Writers print a float with 16 or 17 significant digits; the 12 first are the number.
        return ["float", float(f"{value:.12g}")]
    return value


def _side(side: Any) -> list[Any]:
    return [side.style, _rgb(side.color) if side.style else None]


def _cell(cell: Any) -> list[Any]:
    return [_value(cell.value), cell.data_type, _style(cell)]


def _style(cell: Any) -> list[Any]:
    font, fill, align, border = cell.font, cell.fill, cell.alignment, cell.border
    return [
        cell.number_format,
        [font.name, bool(font.bold), float(font.size) if font.size else None],
        [fill.fill_type, _rgb(fill.fgColor) if fill.fill_type else None],
        [align.horizontal, align.vertical, bool(align.wrap_text)],
        [_side(border.left), _side(border.right), _side(border.top), _side(border.bottom)],
    ]


def _header_footer(part: Any) -> dict[str, Any]:
    return {
        name: [section.text, section.font, section.size, section.color]
        for name, section in (("left", part.left), ("center", part.center), ("right", part.right))
    }


def _sheet(sheet: Any) -> dict[str, Any]:
    widths: dict[str, float] = {}
    for dimension in sheet.column_dimensions.values():
        if dimension.customWidth and dimension.width:
            for index in range(dimension.min, dimension.max + 1):
                widths[get_column_letter(index)] = dimension.width
    setup, margins = sheet.page_setup, sheet.page_margins
    return {
        "title": sheet.title,
        "cells": {
            cell.coordinate: _cell(cell)
            for row in sheet.iter_rows(min_row=1, max_row=sheet.max_row)
            for cell in row
        },
        "widths": widths,
        "heights": {
            str(row): dimension.height
            for row, dimension in sheet.row_dimensions.items()
            if dimension.customHeight
        },
        "merged": sorted(str(cells) for cells in sheet.merged_cells.ranges),
        "freeze_panes": sheet.freeze_panes,
        "auto_filter": sheet.auto_filter.ref,
        "validations": [
            [v.type, v.formula1, str(v.sqref), bool(v.allow_blank), bool(v.showErrorMessage)]
            for v in sheet.data_validations.dataValidation
        ],
        "print_titles": (sheet.print_title_rows or "").replace("$", ""),
        "page_setup": [
            setup.orientation,
            str(setup.paperSize),
            str(setup.fitToWidth),
            str(setup.fitToHeight),
            bool(sheet.sheet_properties.pageSetUpPr.fitToPage),
            bool(sheet.print_options.horizontalCentered),
        ],
        "margins": [
            margins.left,
            margins.right,
            margins.top,
            margins.bottom,
            margins.header,
            margins.footer,
        ],
        "header": _header_footer(sheet.oddHeader),
        "footer": _header_footer(sheet.oddFooter),
    }


def workbook_content(content: bytes) -> dict[str, Any]:
    """What a reader of the file sees, in a form JSON keeps and `==` compares."""
    book = load_workbook(io.BytesIO(content))
    p = book.properties
    return {
        "properties": [p.creator, p.lastModifiedBy, p.keywords, p.description],
        "sheets": [_sheet(sheet) for sheet in book.worksheets],
    }


def dump(contents: dict[str, Any]) -> str:
    """JSON with one line per cell, so that a change shows as the cells it changed."""
    lines = ["{"]
    for n, (name, book) in enumerate(contents.items()):
        lines.append(f"{json.dumps(name, ensure_ascii=False)}: {{")
        lines.append(f' "properties": {json.dumps(book["properties"], ensure_ascii=False)},')
        lines.append(' "sheets": [')
        for m, sheet in enumerate(book["sheets"]):
            lines.append("  {")
            for key, value in sheet.items():
                if key != "cells":
                    lines.append(f"   {json.dumps(key)}: {json.dumps(value, ensure_ascii=False)},")
            lines.append('   "cells": {')
            cells = [
                f"    {json.dumps(coordinate)}: {json.dumps(cell, ensure_ascii=False)}"
                for coordinate, cell in sheet["cells"].items()
            ]
            lines.append(",\n".join(cells))
            lines.append("   }")
            lines.append("  }" + ("," if m < len(book["sheets"]) - 1 else ""))
        lines.append(" ]")
        lines.append("}" + ("," if n < len(contents) - 1 else ""))
    lines.append("}")
    return "\n".join(lines) + "\n"


# --- The files of the demo round ----------------------------------------------------------------


@pytest.fixture
def demo_round(db) -> InspectionRound:
    call_command("load_demo", stdout=io.StringIO())
    inspection_round = InspectionRound.objects.get(name=ROUND_NAME)
    # One measure whose text would be a formula if it were written as one.
    problem = inspection_round.problems.order_by("seq").first()
    MeasureFactory(
        problem=problem,
        seq=99,
        lead_unit=User.objects.get(username="liaison_a").unit,
        deadline=datetime.date(2026, 10, 31),
        closed_at=datetime.datetime(2026, 11, 2, 2, 0, tzinfo=datetime.UTC),
        closed_by=User.objects.get(username="office"),
        text='=HYPERLINK("http://x/","查看")',
        lead_official="@SUM(A1)",
        result_summary="+1+1",
        status=Measure.Status.CLOSED,
    )
    return inspection_round


def files_of(inspection_round: InspectionRound) -> dict[str, bytes]:
    office = User.objects.get(username="office")
    leader = User.objects.get(username="leader")
    liaison = User.objects.get(username="liaison_a")

    def ledger(user: User) -> bytes:
        return export_ledger(
            inspection_round=inspection_round, user=user, mark=watermark_for(user)
        ).read()

    def five_ledgers(user: User) -> bytes:
        return export_five_ledgers(
            inspection_round=inspection_round, user=user, mark=watermark_for(user)
        ).read()

    return {
        "ledger, office": ledger(office),
        "ledger, liaison": ledger(liaison),
        "five ledgers, office": five_ledgers(office),
        "five ledgers, leader": five_ledgers(leader),
    }


def test_the_exports_of_the_demo_round_hold_what_they_held(demo_round):
    contents = {name: workbook_content(content) for name, content in files_of(demo_round).items()}
    if os.environ.get("EXPORT_REFERENCE") == "write":
        REFERENCE.write_text(dump(contents))
    reference = json.loads(REFERENCE.read_text())

    # Compared through a JSON round trip, as the reference went through one.
    got = json.loads(json.dumps(contents))
    assert list(got) == list(reference)
    for name, book in got.items():
        assert book["properties"] == reference[name]["properties"], name
        sheets = zip(book["sheets"], reference[name]["sheets"], strict=True)
        for sheet, expected in sheets:
            where = (name, expected["title"])
            for key in expected.keys() - {"cells"}:
                assert sheet[key] == expected[key], (*where, key)
            for coordinate, cell in expected["cells"].items():
                assert sheet["cells"].get(coordinate) == cell, (*where, coordinate)
            assert sheet["cells"].keys() == expected["cells"].keys(), where


# --- The page header, whatever the names in it ---------------------------------------------------


def test_a_long_title_with_ampersands_keeps_the_viewer_in_the_page_header():
    # xlsxwriter drops a header past 255 characters, or one with "&G" (an image place) and
    # no image: the viewer's mark must survive both.
    mark = Watermark(
        name="张三（" + "z" * 60 + "）",
        unit="住建&G局" * 5,
        at=datetime.datetime(2026, 11, 20, 7, 30, tzinfo=datetime.UTC),
    )
    book = Book(mark)
    title = "R&G&[Picture]巡察" + "很长的轮次名称" * 30
    book.sheet("整改台账", title=title, as_of=datetime.date(2026, 11, 20))

    header = load_workbook(io.BytesIO(book.bytes())).worksheets[0].oddHeader

    assert len(page_header(mark, title, datetime.date(2026, 11, 20))) <= 255
    assert header.left.text.startswith("张三（zzz")
    assert "住建&&\u200bG局" in header.left.text
    assert header.center.text.startswith("R&&\u200bG&&\u200b[Picture]巡察很长的轮次名称")
    assert header.right.text == "截至2026年11月20日"
