"""What every exported workbook shares: the writer, cell styles, the A4 print setup, the
viewer's watermark, and text that is never a formula.

Workbooks are written with xlsxwriter in constant-memory mode: each row goes to a temporary
file as soon as the next one starts, so memory stays flat whatever the size of the round, and
the finished workbook is a file at position 0 that FileResponse streams. Rows must therefore
be written top to bottom, and a row's height must be set before the row is written.
(Measured against openpyxl's write-only mode with named styles: docs/performance.md.)
"""

from __future__ import annotations

import datetime
import tempfile
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import IO, Any

import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet

from config.watermark import Watermark

from .xlsx_safety import neutralise

DATE_FORMAT = "yyyy-mm-dd"
A4 = 9  # the paper size code of A4 in the file format
_HEADER_MAX = 80  # a title longer than this is cut in the page header
_HEADER_FOOTER_LIMIT = 255  # Excel refuses a page header or footer longer than this in all
_SPOOL_BYTES = 4 * 1024 * 1024  # a smaller workbook stays in memory until it is sent

# The cell styles the exports share, as xlsxwriter format properties.
THIN_BORDER: dict[str, Any] = {"border": 1, "border_color": "#808080"}
HEADER: dict[str, Any] = {
    "font_name": "宋体",
    "font_size": 11,
    "bold": True,
    "pattern": 1,
    "bg_color": "#D9D9D9",
    "align": "center",
    "valign": "vcenter",
    "text_wrap": True,
    **THIN_BORDER,
}
BODY: dict[str, Any] = {
    "font_name": "宋体",
    "font_size": 10,
    "valign": "top",
    "text_wrap": True,
    **THIN_BORDER,
}


def plain_text(value: Any) -> Any:
    """User text as it should sit in a cell: never read as a formula. Non-strings pass."""
    return neutralise(value) if isinstance(value, str) else value


class Style:
    """One look of a cell, with its twin for dates (the same look, shown as yyyy-mm-dd)."""

    def __init__(self, book: Book, properties: dict[str, Any]) -> None:
        self.format: Format = book.workbook.add_format(properties)
        if "num_format" in properties:
            self.date_format = self.format
        else:
            self.date_format = book.workbook.add_format({**properties, "num_format": DATE_FORMAT})


class Sheet:
    """A worksheet written row by row, top to bottom."""

    def __init__(self, worksheet: Worksheet) -> None:
        self.worksheet = worksheet
        self.next_row = 0  # zero-based, as xlsxwriter counts

    def write(self, row: int, column: int, value: Any, style: Style | None = None) -> None:
        """One cell. Text is always a text cell, neutralised: never a formula, whatever it
        starts with (xlsxwriter's own write() would make a formula of "=…")."""
        ws = self.worksheet
        cell_format = style.format if style is not None else None
        kind = type(value)
        if kind is str and value:  # most cells: tested first
            ws.write_string(row, column, neutralise(value), cell_format)
        elif value is None or kind is str:
            if cell_format is not None:  # an empty cell keeps its border and fill
                ws.write_blank(row, column, None, cell_format)
        elif kind is bool:
            ws.write_boolean(row, column, value, cell_format)
        elif isinstance(value, int | float | Decimal):
            ws.write_number(row, column, value, cell_format)
        elif isinstance(value, datetime.date):
            ws.write_datetime(row, column, value, style.date_format if style else None)
        else:  # a str subclass (a lazy translation) or anything else: its text
            text = neutralise(str(value))
            if text:
                ws.write_string(row, column, text, cell_format)
            elif cell_format is not None:
                ws.write_blank(row, column, None, cell_format)

    def append(self, values: Iterable[Any], styles: Style | Sequence[Style | None] | None) -> int:
        """Write the next row, each value with its style (or all with one); return its
        zero-based number."""
        row = self.next_row
        if styles is None or isinstance(styles, Style):
            for column, value in enumerate(values):
                self.write(row, column, value, styles)
        else:
            for column, (value, style) in enumerate(zip(values, styles, strict=True)):
                self.write(row, column, value, style)
        self.next_row += 1
        return row

    def skip_row(self) -> None:
        self.next_row += 1

    def set_widths(self, widths: Iterable[float], first_column: int = 0) -> None:
        """Column widths as openpyxl stored them (and as the layout was drawn): the stored
        width, not xlsxwriter's character count, which it pads by five pixels."""
        for column, width in enumerate(widths, start=first_column):
            self.worksheet.set_column(column, column, _xlsxwriter_width(width))

    def merge_down(self, column: int, first_row: int, last_row: int) -> None:
        """Record a vertical merge of rows already written: their cells (the first with its
        text, the others blank with the same style) must have been written by the caller.
        xlsxwriter's merge_range writes those cells itself, which in constant-memory mode
        only works before the first row is complete."""
        if last_row > first_row:
            self.worksheet.merge.append([first_row, column, last_row, column])


def _xlsxwriter_width(width: float) -> float:
    # xlsxwriter stores int(w * 7 + 0.5) + 5 pixels, / 7 (Calibri 11's digit): for a whole
    # stored width W, the character count (7W - 5) / 7 gives back W exactly.
    return (width * 7 - 5) / 7 if width >= 1 else width


class _Worksheet(Worksheet):
    """A worksheet that says "one page wide" in so many words.

    xlsxwriter leaves fitToWidth="1" out, as the file format's default; openpyxl (and so
    our print checks, and anyone who reads the file back with it) then sees no width.
    """

    def _xml_empty_tag(self, tag: str, attributes: Any = ()) -> None:
        if tag == "pageSetup" and self.fit_page and self.fit_width == 1:
            attributes = [*attributes, ("fitToWidth", 1)]
        super()._xml_empty_tag(tag, attributes)


class Book:
    """A workbook marked for its viewer, written to a temporary file."""

    def __init__(self, mark: Watermark) -> None:
        self.mark = mark
        # Returned open: FileResponse closes it once the response is sent.
        self.output: IO[bytes] = tempfile.SpooledTemporaryFile(max_size=_SPOOL_BYTES)  # noqa: SIM115
        self.workbook = xlsxwriter.Workbook(
            self.output,
            {
                "constant_memory": True,
                # Belt and braces: Sheet.write never lets xlsxwriter guess what text is.
                "strings_to_formulas": False,
                "strings_to_numbers": False,
                "strings_to_urls": False,
            },
        )
        # Excel shows the comments as the file's comments; lastModifiedBy is the author.
        self.workbook.set_properties(
            {"author": mark.name, "keywords": mark.text, "comments": mark.sentence}
        )

    def style(self, properties: dict[str, Any]) -> Style:
        return Style(self, properties)

    def sheet(
        self,
        name: str,
        *,
        title: str,
        as_of: datetime.date,
        widths: Iterable[float] = (),
        title_rows: tuple[int, int] | None = (0, 0),
        freeze: tuple[int, int] | None = (1, 0),
    ) -> Sheet:
        """A new sheet that prints readably on A4, as offices print ledgers for meetings.

        Landscape, one page wide and as many pages long as needed, the rows `title_rows`
        (zero-based, inclusive) repeated on every page, the viewer's mark, the title and the
        as-of date in the page header and "page n of N" in the footer.
        """
        ws = self.workbook.add_worksheet(name, worksheet_class=_Worksheet)
        ws.set_landscape()
        ws.set_paper(A4)
        ws.fit_to_pages(1, 0)  # as many pages long as the rows need
        if title_rows is not None:
            ws.repeat_rows(*title_rows)
        ws.set_margins(left=0.4, right=0.4, top=0.7, bottom=0.7)
        ws.center_horizontally()
        ws.set_header(page_header(self.mark, title, as_of), {"margin": 0.3})
        ws.set_footer("&C&9 第 &P 页，共 &N 页", {"margin": 0.3})
        if freeze is not None:
            ws.freeze_panes(*freeze)
        sheet = Sheet(ws)
        sheet.set_widths(widths)
        return sheet

    def close(self) -> IO[bytes]:
        """Finish the workbook; the file at position 0."""
        self.workbook.close()
        self.output.seek(0)
        return self.output

    def bytes(self) -> bytes:
        with self.close() as output:
            return output.read()


def header_text(text: str) -> str:
    """Text as a page header shows it literally.

    & starts a code in a page header (&P is the page number): a literal one is doubled.
    xlsxwriter counts "&G" and "&[Picture]" as image places and drops a header whose count
    does not match its images; a zero-width space after a doubled & keeps it from seeing one.
    """
    return text.replace("&", "&&").replace("&&G", "&&\u200bG").replace("&&[", "&&\u200b[")


def page_header(mark: Watermark, title: str, as_of: datetime.date) -> str:
    """The viewer's mark on the left, the title in the middle, the as-of date on the right;
    the title (then the mark) cut so that the whole stays within Excel's limit."""
    left, center = header_text(mark.text), header_text(title[:_HEADER_MAX])
    right = f"截至{as_of:%Y年%m月%d日}"

    def joined() -> str:
        return f'&L&8 &K808080{left}&C&"宋体,Bold"&12 {center}&R&9 {right}'

    while _utf16_len(joined()) > _HEADER_FOOTER_LIMIT and center:
        center = center[:-1].rstrip("&")
    while _utf16_len(joined()) > _HEADER_FOOTER_LIMIT and left:
        left = left[:-1].rstrip("&")
    return joined()


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2
