"""What every exported sheet shares: a print setup for A4, and text that is never a formula."""

from __future__ import annotations

import datetime
from typing import Any

from openpyxl.worksheet.worksheet import Worksheet

from .xlsx_safety import neutralise

_HEADER_MAX = 80  # Excel refuses header/footer sections longer than 255 characters in all


def plain_text(value: Any) -> Any:
    """User text as it should sit in a cell: never read as a formula. Non-strings pass."""
    return neutralise(value) if isinstance(value, str) else value


def _header_text(text: str) -> str:
    # & starts a code in a page header (&P is the page number): a literal one is doubled.
    return text[:_HEADER_MAX].replace("&", "&&")


def print_setup(
    sheet: Any, *, title: str, as_of: datetime.date, title_rows: str | None = "1:1"
) -> None:
    """Make the sheet print readably on A4, as offices print ledgers for meetings.

    Landscape, one page wide and as many pages long as needed, the header row repeated on
    every page, the title and the as-of date in the page header and "page n of N" in the
    footer. Works on write-only sheets too (call it before the first row is written).
    """
    setup = sheet.page_setup
    setup.orientation = "landscape"
    setup.paperSize = Worksheet.PAPERSIZE_A4
    setup.fitToWidth = 1
    setup.fitToHeight = 0  # as many pages long as the rows need
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    if title_rows:
        sheet.print_title_rows = title_rows
    sheet.page_margins.left = sheet.page_margins.right = 0.4
    sheet.page_margins.top = sheet.page_margins.bottom = 0.7
    sheet.page_margins.header = sheet.page_margins.footer = 0.3
    sheet.print_options.horizontalCentered = True
    header = sheet.oddHeader
    header.center.text = _header_text(title)
    header.center.size = 12
    header.center.font = "宋体,Bold"
    header.right.text = f"截至{as_of:%Y年%m月%d日}"
    header.right.size = 9
    sheet.oddFooter.center.text = "第 &P 页，共 &N 页"
    sheet.oddFooter.center.size = 9
