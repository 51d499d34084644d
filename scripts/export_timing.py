"""Time one xlsx export of the largest round, or one candidate writer on its ledger rows.

    .venv/bin/python scripts/export_timing.py ledger|five-ledgers
    .venv/bin/python scripts/export_timing.py writer openpyxl|xlsxwriter

Run it from the root of the checkout it should time; the export modes also run on one from
before the xlsxwriter change (copy the script into its scripts/). Run each in a fresh
process (peak RSS is the process's): wall and CPU time of the export (or of the writing
alone, the rows read beforehand), its SQL time, and the peak RSS before and after. The
figures of docs/performance.md ("Exports") came from it.
"""

from __future__ import annotations

import datetime
import os
import resource
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.db.models import Count, Prefetch  # noqa: E402

from accounts.models import User  # noqa: E402
from config.watermark import watermark_for  # noqa: E402
from documents import ledger  # noqa: E402
from documents.five_ledgers import export_five_ledgers  # noqa: E402
from documents.xlsx_safety import neutralise  # noqa: E402
from inspections.models import InspectionRound  # noqa: E402
from rectification.models import today  # noqa: E402
from rectification.selectors import (  # noqa: E402
    measures_visible_to,
    problem_order,
    problems_visible_to,
    with_latest_progress,
)


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def ledger_rows(inspection_round: InspectionRound, user: User) -> list[tuple[list[Any], bool]]:
    day = today()
    problems = problems_visible_to(user).filter(round=inspection_round)
    measures = (
        with_latest_progress(
            measures_visible_to(user)
            .filter(problem__round=inspection_round)
            .select_related(None)
            .select_related("lead_unit")
        )
        .prefetch_related(None)
        .prefetch_related(Prefetch("cooperating_units", to_attr=ledger._COOPERATING))
        .order_by(*problem_order("problem__"), "seq")
    )
    rows, current = [], None
    for problem, measure in ledger._ledger_rows(
        list(problems.order_by(*problem_order())), measures.iterator(chunk_size=1000)
    ):
        overdue = measure is not None and measure.is_overdue(day)
        rows.append((ledger._row_values(problem, measure, problem.pk != current, overdue), overdue))
        current = problem.pk
    return rows


def write_openpyxl(rows: list[tuple[list[Any], bool]]) -> None:
    """The other candidate: openpyxl's write-only mode, a named style per kind of cell."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Border, Font, NamedStyle, PatternFill, Side

    date_format = "yyyy-mm-dd"
    thin = Side(style="thin", color="808080")
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("整改台账")
    names: dict[tuple[bool, str], str] = {}
    for overdue in (False, True):
        for number_format in ("General", date_format):
            style = NamedStyle(
                name=f"s{len(names)}",
                font=Font(name="宋体", size=10),
                border=Border(left=thin, right=thin, top=thin, bottom=thin),
                alignment=Alignment(vertical="top", wrap_text=True),
                number_format=number_format,
            )
            if overdue:
                style.fill = PatternFill("solid", fgColor="FFD7D7")
            workbook.add_named_style(style)
            names[overdue, number_format] = style.name
    for values, overdue in rows:
        cells = []
        for value in values:
            cell = WriteOnlyCell(
                sheet, value=neutralise(value) if isinstance(value, str) else value
            )
            if isinstance(value, str):
                cell.data_type = "s"
            is_date = isinstance(value, datetime.date)
            cell.style = names[overdue, date_format if is_date else "General"]
            cells.append(cell)
        sheet.append(cells)
    with tempfile.TemporaryFile() as output:
        workbook.save(output)


def write_xlsxwriter(rows: list[tuple[list[Any], bool]], user: User) -> None:
    from documents.xlsx_out import BODY, Book

    book = Book(watermark_for(user))
    sheet = book.sheet("整改台账", title="整改台账", as_of=today())
    styles = {
        False: book.style(BODY),
        True: book.style({**BODY, "pattern": 1, "bg_color": "#FFD7D7"}),
    }
    for values, overdue in rows:
        sheet.append(values, styles[overdue])
    book.close().close()


def main(what: str, writer: str | None = None) -> None:
    inspection_round = (
        InspectionRound.objects.annotate(n=Count("problems__measures")).order_by("-n").first()
    )
    user = User.objects.filter(role=User.Role.OFFICE).order_by("pk").first()
    assert inspection_round is not None and user is not None, "generate_demo_data first"
    size = f"round {inspection_round.pk} of {inspection_round.n} measures"
    if what == "writer":
        rows = ledger_rows(inspection_round, user)
        before, wall, cpu = rss_mb(), time.perf_counter(), time.process_time()
        write_openpyxl(rows) if writer == "openpyxl" else write_xlsxwriter(rows, user)
        print(
            f"{writer}: {len(rows)} ledger rows of {size} written in "
            f"{time.perf_counter() - wall:.2f} s (CPU {time.process_time() - cpu:.2f} s); "
            f"peak RSS {before:.0f} -> {rss_mb():.0f} MB"
        )
        return
    export = ledger.export_ledger if what == "ledger" else export_five_ledgers
    sql = [0.0]

    def timer(execute: Any, *args: Any) -> Any:
        start = time.perf_counter()
        try:
            return execute(*args)
        finally:
            sql[0] += time.perf_counter() - start

    before = rss_mb()
    with connection.execute_wrapper(timer):
        wall, cpu = time.perf_counter(), time.process_time()
        with export(inspection_round=inspection_round, user=user, mark=watermark_for(user)) as f:
            length = len(f.read())
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    print(
        f"{what} of {size}: {wall:.2f} s (CPU {cpu:.2f} s, SQL {sql[0] * 1000:.0f} ms), "
        f"peak RSS {before:.0f} -> {rss_mb():.0f} MB, {length / 1e6:.2f} MB file"
    )


if __name__ == "__main__":
    main(*sys.argv[1:3])
