"""Excel files treated as hostile: text that must never become a formula, and workbooks that
must not be allowed to stall a worker (zip bombs, sheets that claim millions of rows).

Written text follows OWASP's CSV-injection guidance: a cell that starts with `=`, `+`, `-`,
`@`, a tab or a carriage return is prefixed with a single quote, and is always stored as a
string cell, so that Excel shows the text and never evaluates it.
"""

from __future__ import annotations

import time
import zipfile
from typing import IO, Any

from django.conf import settings
from django.utils.translation import gettext as _

# Characters with which a spreadsheet starts a formula or a DDE call.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(text: str) -> str:
    """User text as a spreadsheet may show it: never the start of a formula."""
    if text and text.startswith(FORMULA_TRIGGERS):
        return "'" + text
    return text


def unquote(text: str) -> str:
    """Undo `neutralise` on text read back from a file, so a round trip keeps the text."""
    if len(text) > 1 and text[0] == "'" and text[1:].startswith(FORMULA_TRIGGERS):
        return text[1:]
    return text


class XlsxRefused(Exception):
    """The workbook is refused before (or while) it is read; the message says why."""


def check_archive(file: IO[bytes]) -> None:
    """Refuse a workbook whose zip directory announces more than the limits, before any
    XML is parsed. Python's zipfile never inflates an entry past its announced size, so the
    announced sizes bound the work that follows."""
    limit = settings.XLSX_MAX_UNPACKED_BYTES
    try:
        with zipfile.ZipFile(file) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise XlsxRefused(_("The file is not an Excel workbook (.xlsx).")) from exc
    finally:
        file.seek(0)
    if len(entries) > settings.XLSX_MAX_ENTRIES:
        raise XlsxRefused(
            _("The workbook holds %(n)d parts; at most %(max)d are accepted.")
            % {"n": len(entries), "max": settings.XLSX_MAX_ENTRIES}
        )
    unpacked = sum(entry.file_size for entry in entries)
    if unpacked > limit:
        raise XlsxRefused(
            _("The workbook unpacks to %(size)d MB; at most %(max)d MB are accepted.")
            % {"size": unpacked // 1048576, "max": limit // 1048576}
        )


def check_dimensions(sheet: Any) -> None:
    """Refuse a sheet whose declared size passes the row or column limit."""
    max_row = getattr(sheet, "max_row", None) or 0
    max_column = getattr(sheet, "max_column", None) or 0
    if max_row > settings.XLSX_MAX_ROW_NUMBER:
        raise XlsxRefused(row_limit_message(max_row))
    if max_column > settings.XLSX_MAX_COLUMNS:
        raise XlsxRefused(
            _("The sheet declares %(n)d columns; at most %(max)d are accepted.")
            % {"n": max_column, "max": settings.XLSX_MAX_COLUMNS}
        )


def row_limit_message(row: int) -> str:
    return _("The sheet reaches row %(row)d; rows past %(max)d are not accepted.") % {
        "row": row,
        "max": settings.XLSX_MAX_ROW_NUMBER,
    }


class Deadline:
    """The time a workbook may take to read, checked between rows."""

    def __init__(self) -> None:
        self.seconds = settings.XLSX_READ_SECONDS
        self.ends = time.monotonic() + self.seconds

    def check(self) -> None:
        if time.monotonic() > self.ends:
            raise XlsxRefused(
                _("Reading the workbook took longer than %(s)d seconds; it was refused.")
                % {"s": self.seconds}
            )
