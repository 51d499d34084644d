"""The audit trail's and the security log's CSV: streamed, read by Excel as UTF-8, every value
a text that no spreadsheet runs as a formula."""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from django.db.models import QuerySet
from django.http import StreamingHttpResponse
from django.utils import timezone

# What a spreadsheet starts a formula with (OWASP's CSV injection list).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class _Echo:
    """A file-like object whose write hands back the line, for a streamed CSV."""

    def write(self, value: str) -> str:
        return value


def cell(value: Any) -> str:
    """A value as the CSV holds it: times local, JSON as JSON, a formula quoted as text."""
    if value is None:
        return ""
    if hasattr(value, "astimezone"):
        text = timezone.localtime(value).isoformat()
    elif isinstance(value, dict | list):
        text = json.dumps(value, ensure_ascii=False, sort_keys=True)
    else:
        text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_response(
    rows: QuerySet[Any],
    columns: Sequence[tuple[str, Any]],
    filename: str,
    value: Callable[[Any, str], Any] = getattr,
) -> StreamingHttpResponse:
    """Stream `rows` (in id order) as a CSV attachment with one column per (field, label)."""

    def lines() -> Iterator[str]:
        writer = csv.writer(_Echo())
        yield "\ufeff"  # so that Excel reads the Chinese as UTF-8
        yield writer.writerow([str(label) for _name, label in columns])
        for row in rows.order_by("id").iterator(chunk_size=2000):
            yield writer.writerow([cell(value(row, name)) for name, _label in columns])

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
