"""The print setup every exported sheet must carry (read back from the saved file)."""

from __future__ import annotations

from typing import Any


def assert_prints_on_a4(sheet: Any, *, title: str, as_of: str, rows: str = "1:1") -> None:
    """Landscape A4, one page wide, header row on every page, title and date on top, page
    numbers below."""
    assert sheet.page_setup.orientation == "landscape", sheet.title
    assert str(sheet.page_setup.paperSize) == "9", sheet.title  # 9 is A4
    assert sheet.sheet_properties.pageSetUpPr.fitToPage, sheet.title
    assert str(sheet.page_setup.fitToWidth) == "1", sheet.title
    assert str(sheet.page_setup.fitToHeight) == "0", sheet.title
    first, last = rows.split(":")
    assert sheet.print_title_rows in (rows, f"${first}:${last}"), sheet.title
    assert title in sheet.oddHeader.center.text, sheet.title
    assert as_of in sheet.oddHeader.right.text, sheet.title
    assert "&P" in sheet.oddFooter.center.text and "&N" in sheet.oddFooter.center.text
