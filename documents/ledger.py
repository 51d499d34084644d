"""The rectification ledger (整改台账) as an Excel workbook: export, and import back.

Layout (DESIGN.md section 9): one header row, then one row per measure grouped by problem.
序号 is "problem number.measure number" (3.2), written as text so Excel never reads it as a
decimal. 方面 is repeated on every row (so Excel's filter works); 问题 is merged over its
measures, and on import a blank 问题 cell continues the problem above, which is what both a
merged cell and a hand-filled ledger look like.
"""

from __future__ import annotations

import datetime
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import IO, TYPE_CHECKING, Any

from django.conf import settings
from django.db import transaction
from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from openpyxl import load_workbook
from openpyxl.utils.datetime import from_excel
from xlsxwriter.utility import xl_col_to_name

from accounts.models import Unit, User
from config.errors import DomainError, InvalidInput, NotAllowed
from config.fields import max_length
from config.watermark import Watermark
from findings.models import Aspect, Problem
from findings.selectors import problems_visible_to
from findings.services import aspect_create, problem_create
from inspections.models import InspectionRound
from rectification.models import Measure, today
from rectification.selectors import (
    measure_numbers,
    measures_visible_to,
    problem_numbers,
    problem_order,
    with_latest_progress,
)
from rectification.services import measure_create, measure_update
from supervision.lookback import round_look_back_numbers

from .xlsx_out import BODY, HEADER, THIN_BORDER, Book, Style

if TYPE_CHECKING:
    from rectification.selectors import MeasureWithProgress
from .xlsx_safety import (
    Deadline,
    XlsxRefused,
    check_archive,
    check_dimensions,
    row_limit_message,
    unquote,
)

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# Header, width in characters. The order is DESIGN.md section 9's.
COLUMNS: tuple[tuple[str, int], ...] = (
    ("序号", 7),
    ("方面", 16),
    ("问题", 22),
    ("整改措施", 46),
    ("牵头领导", 10),
    ("牵头单位", 16),
    ("配合单位", 20),
    ("整改时限", 12),
    ("立行立改", 6),
    ("长期坚持", 6),
    ("状态", 10),
    ("最新进展", 36),
    ("整改成效", 36),
    ("完成时间", 12),
    ("佐证材料数", 7),
)
HEADERS = tuple(name for name, _width in COLUMNS)
COL = {name: index for index, name in enumerate(HEADERS)}
LEDGER_SHEET = "整改台账"
NUMBERS_SHEET = "统计"

# Document content, not interface: the ledger is a Chinese office document.
STATUS_TEXT: dict[str, str] = {
    Measure.Status.NOT_STARTED: "未启动",
    Measure.Status.IN_PROGRESS: "整改中",
    Measure.Status.ENDORSING: "待主要负责人背书",
    Measure.Status.REVIEWING: "待分管领导复核",
    Measure.Status.SUBMITTED: "已申请销号",  # the site's word for it
    Measure.Status.CLOSED: "已销号",
}
YES, NO = "是", "否"

EXPORT_CHUNK = 1000  # rows fetched (and cooperating units prefetched) per database round trip


# ---------------------------------------------------------------------------
# Export

_OVERDUE_FILL: dict[str, Any] = {"pattern": 1, "bg_color": "#FFD7D7"}
_CENTER: dict[str, Any] = {"align": "center", "valign": "vcenter", "text_wrap": True}
_PROBLEM: dict[str, Any] = {"valign": "vcenter", "text_wrap": True}
# The fields a row shows (and Measure.is_overdue reads), and where the prefetched
# cooperating units are kept (a list: the related manager costs more than the row).
_ROW_FIELDS = (
    "problem",
    "seq",
    "text",
    "lead_official",
    "lead_unit__name",
    "deadline",
    "is_immediate",
    "is_long_term",
    "status",
    "result_summary",
    "closed_at",
)
_COOPERATING = "ledger_cooperating_units"
_CENTERED_COLUMNS = {"序号", "整改时限", "立行立改", "长期坚持", "状态", "完成时间", "佐证材料数"}


def export_ledger(
    *,
    inspection_round: InspectionRound,
    user: User,
    mark: Watermark,
    as_of: datetime.date | None = None,
) -> IO[bytes]:
    """Write the ledger of what `user` may see of the round, marked as `mark`; return a file
    at position 0.

    Rows are streamed to disk (documents.xlsx_out) and measures are read in chunks, so
    memory stays flat whatever the size of the round. The only things held are the round's
    problems (a few hundred at most) and the list of merged ranges (one per problem).
    """
    day = as_of or today()
    problems = problems_visible_to(user).filter(round=inspection_round)
    measures = measures_visible_to(user).filter(problem__round=inspection_round)

    book = Book(mark)
    sheet = book.sheet(
        LEDGER_SHEET,
        title=f"{inspection_round.name} 整改台账",
        as_of=day,
        widths=[width for _name, width in COLUMNS],
    )
    sheet.append(HEADERS, book.style(HEADER))
    # Each column's style, on time and overdue.
    styles = {overdue: _column_styles(book, overdue) for overdue in (False, True)}

    rows = _ledger_rows(
        list(problems.order_by(*problem_order())),
        # Only what a row shows is read: building the selector's other related rows (people,
        # the round, the problem already listed) took as long as writing the cells.
        with_latest_progress(
            measures.select_related(None).select_related("lead_unit").only(*_ROW_FIELDS)
        )
        .prefetch_related(None)
        .prefetch_related(
            Prefetch(
                "cooperating_units",
                queryset=Unit.objects.only("id", "name"),
                to_attr=_COOPERATING,
            )
        )
        .order_by(*problem_order("problem__"), "seq")
        .iterator(chunk_size=EXPORT_CHUNK),
    )
    group_start = 1
    current_problem: int | None = None
    problem_column = COL["问题"]
    for problem, measure in rows:
        if problem.pk != current_problem:
            sheet.merge_down(problem_column, group_start, sheet.next_row - 1)
            group_start, current_problem = sheet.next_row, problem.pk
            show_title = True
        else:
            show_title = False
        overdue = measure is not None and measure.is_overdue(day)
        sheet.append(_row_values(problem, measure, show_title, overdue), styles[overdue])
    last_row = sheet.next_row - 1
    sheet.merge_down(problem_column, group_start, last_row)
    ws = sheet.worksheet
    ws.autofilter(0, 0, max(last_row, 1), len(COLUMNS) - 1)
    # Room for rows added by hand; the ranges as one list, as the ledger has always had it.
    end = max(last_row, 1) + 201
    flags = [xl_col_to_name(COL[name]) for name in ("立行立改", "长期坚持")]
    ws.data_validation(
        1,
        COL["立行立改"],
        end - 1,
        COL["立行立改"],
        {
            "validate": "list",
            "source": [YES, NO],
            "ignore_blank": True,
            "show_input": False,
            "show_error": False,
            "multi_range": " ".join(f"{letter}2:{letter}{end}" for letter in flags),
        },
    )

    _write_numbers(book, inspection_round, measures, problems, day)
    return book.close()


def _column_styles(book: Book, overdue: bool) -> list[Style]:
    """The style of each ledger column: centred short fields, wrapped texts, the problem
    centred vertically over its merged rows, 序号 as text; an overdue row filled red."""
    fill = _OVERDUE_FILL if overdue else {}
    styles = []
    for name in HEADERS:
        alignment = _CENTER if name in _CENTERED_COLUMNS else {}
        if name == "问题":
            alignment = _PROBLEM
        number_format = {"num_format": "@"} if name == "序号" else {}
        styles.append(book.style({**BODY, **alignment, **number_format, **fill}))
    return styles


def _ledger_rows(
    problems: list[Problem], measures: Iterator[MeasureWithProgress]
) -> Iterator[tuple[Problem, MeasureWithProgress | None]]:
    """Pair the streamed measures with their problems; a problem without measures gets a row.

    Both come in the same order (problem_order), so this is a merge of two sorted sequences.
    A measure whose problem is not in the list (added or renumbered between the two reads)
    is left out rather than breaking the file.
    """
    index = {problem.pk: i for i, problem in enumerate(problems)}
    position, has_rows = 0, False
    for measure in measures:
        target = index.get(measure.problem_id)
        if target is None or target < position:
            continue
        while position < target:
            if not has_rows:
                yield problems[position], None
            position, has_rows = position + 1, False
        has_rows = True
        yield problems[position], measure
    for problem in problems[position + 1 if has_rows else position :]:
        yield problem, None


def _row_values(
    problem: Problem, measure: MeasureWithProgress | None, show_title: bool, overdue: bool
) -> list[Any]:
    aspect = problem.aspect.title if problem.aspect else None
    title = problem.title if show_title else None
    if measure is None:
        return [str(problem.seq), aspect, title] + [None] * (len(COLUMNS) - 3)
    status = STATUS_TEXT[measure.status] + ("（逾期）" if overdue else "")
    closed = timezone.localtime(measure.closed_at).date() if measure.closed_at else None
    return [
        f"{problem.seq}.{measure.seq}",
        aspect,
        title,
        measure.text,
        measure.lead_official or None,
        measure.lead_unit.name if measure.lead_unit else None,
        "、".join(unit.name for unit in getattr(measure, _COOPERATING)) or None,
        measure.deadline,
        YES if measure.is_immediate else NO,
        YES if measure.is_long_term else NO,
        status,
        measure.latest_progress,
        measure.result_summary or None,
        closed,
        measure.evidence_count,
    ]


def _write_numbers(
    book: Book,
    inspection_round: InspectionRound,
    measures: QuerySet[Measure],
    problems: QuerySet[Problem],
    day: datetime.date,
) -> None:
    """The round's numbers (DESIGN.md section 6), from the one selector that defines them."""
    numbers = measure_numbers(measures, day)
    numbers.update(problem_numbers(problems))
    sheet = book.sheet(
        NUMBERS_SHEET,
        title=f"{inspection_round.name} 整改情况统计",
        as_of=day,
        widths=(24, 40),
        freeze=None,
    )
    sheet.append(("项目", "数值"), book.style(HEADER))
    facts: list[tuple[str, Any]] = [
        ("轮次", inspection_round.name),
        ("巡视巡察组", inspection_round.inspecting_body),
        ("被巡视巡察党组织", inspection_round.target_unit.name),
        ("反馈日期", inspection_round.feedback_date),
        ("统计日期", day),
        ("问题总数", numbers["problems"]),
        ("已完成整改问题", numbers["problems_completed"]),
        ("正在推进问题", numbers["problems_in_progress"]),
        ("问题整改完成率", numbers["problem_completion_rate"]),
        ("整改措施总数", numbers["total"]),
        ("已销号", numbers["closed"]),
        ("已申请销号", numbers["submitted"]),
        ("整改中", numbers["in_progress"]),
        ("未启动", numbers["not_started"]),
        ("长期坚持（未销号）", numbers["long_term"]),
        ("逾期（表中标红）", numbers["overdue"]),
        ("7日内到期", numbers["due_soon"]),
        ("措施完成率", numbers["completion_rate"]),
        ("按期完成率", numbers["on_time_rate"]),
        ("经批准延期的措施", numbers["extended"]),
    ]
    look_back = round_look_back_numbers(inspection_round)
    if look_back["look_backs"]:
        facts += [
            ("“回头看”已核查措施", look_back["checked"]),
            ("“回头看”巩固", look_back["holding"]),
            ("“回头看”反弹并重新整改", look_back["relapsed"]),
            ("反弹后已重新销号", look_back["reclosed"]),
            ("“回头看”巩固率", look_back["holding_rate"]),
        ]
    label = book.style(BODY)
    left = {**THIN_BORDER, "font_name": "宋体", "font_size": 10, "align": "left"}
    value, rate = book.style(left), book.style({**left, "num_format": "0.00%"})
    for name, fact in facts:
        is_rate = name.endswith("率") and fact is not None
        sheet.append((name, "—" if fact is None else fact), (label, rate if is_rate else value))


# ---------------------------------------------------------------------------
# Import: reading the file

MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_ROWS = 5000
HEADER_SEARCH_ROWS = 5
REQUIRED_HEADERS = ("问题", "整改措施")
# Columns the import writes; the others (status, progress, results, ...) are the system's
# own record and are ignored when read back.
IMPORTED_HEADERS = (
    "序号",
    "方面",
    "问题",
    "整改措施",
    "牵头领导",
    "牵头单位",
    "配合单位",
    "整改时限",
    "立行立改",
    "长期坚持",
)
MEASURE_HEADERS = (
    "整改措施",
    "牵头领导",
    "牵头单位",
    "配合单位",
    "整改时限",
    "立行立改",
    "长期坚持",
)

_SEQ_RE = re.compile(r"^\s*(\d{1,4})\s*(?:[.．\-－—_、]\s*(\d{1,4}))?\s*$")
_UNIT_SPLIT_RE = re.compile(r"[、,，;；/\n]+")
_DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日", "%Y%m%d")
_YES = {"是", "√", "✓", "✔", "y", "yes", "true", "1"}
_NO = {"否", "×", "✗", "n", "no", "false", "0", ""}
LEAD_OFFICIAL_MAX = max_length(Measure, "lead_official")
TITLE_MAX = max_length(Problem, "title")


@dataclass
class RowError:
    row: int
    column: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "message": self.message}


class LedgerRejected(InvalidInput):
    """The file cannot be imported; `errors` names each bad row, column and reason."""

    def __init__(self, message: str, errors: Iterable[RowError] = ()) -> None:
        super().__init__(message)
        self.errors = list(errors)


@dataclass
class LedgerRow:
    row: int
    present: frozenset[str]  # the imported columns the file has
    problem_no: int | None = None
    measure_no: int | None = None
    aspect: str = ""
    problem: str = ""
    text: str = ""
    lead_official: str = ""
    lead_unit: Unit | None = None
    cooperating_units: list[Unit] = field(default_factory=list)
    deadline: datetime.date | None = None
    is_immediate: bool = False
    is_long_term: bool = False
    has_measure: bool = False


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return " ".join(str(value).split())


class _UnitIndex:
    def __init__(self) -> None:
        self.by_name: dict[str, Unit] = {}
        self.by_short: dict[str, list[Unit]] = defaultdict(list)
        for unit in Unit.objects.only("id", "name", "short_name"):
            self.by_name[unit.name] = unit
            if unit.short_name:
                self.by_short[unit.short_name].append(unit)

    def find(self, name: str) -> Unit:
        if name in self.by_name:
            return self.by_name[name]
        candidates = self.by_short.get(name, [])
        if len(candidates) == 1:
            return candidates[0]
        if candidates:
            raise ValueError(
                _("The short name “%(name)s” fits several units; write the full name.")
                % {"name": name}
            )
        raise ValueError(
            _("No unit is called “%(name)s” (by name or short name).") % {"name": name}
        )


def _parse_date(value: Any) -> datetime.date | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        # A date typed into a cell without date format arrives as its Excel serial number.
        if 20000 <= value <= 80000:
            return from_excel(value).date()
        raise ValueError
    text = str(value).strip()
    for fmt in _DATE_FORMATS:
        try:
            return datetime.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValueError


def _parse_flag(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = _text(value).lower()
    if text in _YES:
        return True
    if text in _NO:
        return False
    raise ValueError


def _open_sheet(file: IO[bytes]) -> Any:
    size = getattr(file, "size", None)
    if size is not None and size > MAX_FILE_BYTES:
        raise LedgerRejected(
            _("The file is larger than %(mb)d MB.") % {"mb": MAX_FILE_BYTES // (1024 * 1024)}
        )
    head = file.read(8)
    file.seek(0)
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise LedgerRejected(
            _("This is an old Excel 97-2003 (.xls) file. Save it as .xlsx and upload again.")
        )
    not_xlsx = _("The file is not an Excel workbook (.xlsx).")
    if not head.startswith(b"PK"):
        raise LedgerRejected(not_xlsx)
    try:
        # The zip directory is judged before openpyxl inflates anything.
        check_archive(file)
        # Formulas are read as formulas (not their cached values) so that they can be refused.
        workbook = load_workbook(file, read_only=True, data_only=False)
    except XlsxRefused as exc:
        raise LedgerRejected(str(exc)) from exc
    except Exception as exc:  # BadZipFile, KeyError, ValueError ...: a damaged or foreign file
        raise LedgerRejected(not_xlsx) from exc
    sheet: Any = (
        workbook[LEDGER_SHEET] if LEDGER_SHEET in workbook.sheetnames else workbook.worksheets[0]
    )
    try:
        check_dimensions(sheet)
    except XlsxRefused as exc:
        raise LedgerRejected(str(exc)) from exc
    return sheet


def _sheet_rows(sheet: Any, deadline: Deadline) -> Iterator[tuple[int, tuple, frozenset[int]]]:
    """(row number, values, columns holding a formula) of each row, within the limits.

    openpyxl fills the gap before a far row with empty rows, so a row numbered 40,000,000
    would be walked to; reading stops one row past the limit and refuses the file instead.
    """
    limit = settings.XLSX_MAX_ROW_NUMBER
    rows = sheet.iter_rows(max_row=limit + 1, max_col=settings.XLSX_MAX_COLUMNS)
    for number, cells in enumerate(rows, start=1):
        if number > limit:
            raise LedgerRejected(row_limit_message(number))
        if number % 200 == 0:
            try:
                deadline.check()
            except XlsxRefused as exc:
                raise LedgerRejected(str(exc)) from exc
        values = tuple(
            unquote(cell.value) if isinstance(cell.value, str) else cell.value for cell in cells
        )
        formulas = frozenset(i for i, cell in enumerate(cells) if cell.data_type == "f")
        yield number, values, formulas


def _header_map(rows: Iterator[tuple[int, tuple, frozenset[int]]]) -> tuple[int, dict[str, int]]:
    for number, values, _formulas in rows:
        names = {_text(v).replace(" ", ""): i for i, v in enumerate(values) if _text(v)}
        if all(name in names for name in REQUIRED_HEADERS):
            return number, {h: names[h] for h in IMPORTED_HEADERS if h in names}
        if number >= HEADER_SEARCH_ROWS:
            break
    raise LedgerRejected(
        _("No header row with the columns %(columns)s was found in the first %(n)d rows.")
        % {"columns": "、".join(REQUIRED_HEADERS), "n": HEADER_SEARCH_ROWS}
    )


def read_ledger(file: IO[bytes]) -> list[LedgerRow]:
    """Read every data row; raise LedgerRejected listing all bad rows if any is wrong."""
    deadline = Deadline()
    sheet = _open_sheet(file)
    try:
        deadline.check()
    except XlsxRefused as exc:
        raise LedgerRejected(str(exc)) from exc
    numbered = _sheet_rows(sheet, deadline)
    header_row, columns = _header_map(numbered)
    present = frozenset(columns)
    units = _UnitIndex()
    rows: list[LedgerRow] = []
    errors: list[RowError] = []
    for number, values, formulas in numbered:
        cells = {name: values[i] if i < len(values) else None for name, i in columns.items()}
        if not any(_text(v) for v in cells.values()):
            continue
        errors.extend(
            RowError(number, name, _("The cell holds a formula; paste its value instead."))
            for name, i in columns.items()
            if i in formulas
        )
        if len(rows) >= MAX_ROWS:
            raise LedgerRejected(
                _("The ledger has more than %(max)d rows; split it.") % {"max": MAX_ROWS}
            )
        row = LedgerRow(row=number, present=present)
        errors.extend(_read_row(row, cells, units))
        rows.append(row)
    if not rows:
        raise LedgerRejected(
            _("The ledger has no rows below the header (row %(row)d).") % {"row": header_row}
        )
    if errors:
        raise _rejected(errors)
    return rows


def _rejected(errors: list[RowError]) -> LedgerRejected:
    message = ngettext(
        "%(count)d error in the ledger; nothing was saved.",
        "%(count)d errors in the ledger; nothing was saved.",
        len(errors),
    )
    return LedgerRejected(message % {"count": len(errors)}, errors)


def _read_row(row: LedgerRow, cells: dict[str, Any], units: _UnitIndex) -> list[RowError]:
    errors: list[RowError] = []

    def error(column: str, message: str) -> None:
        errors.append(RowError(row.row, column, message))

    seq = _text(cells.get("序号"))
    if seq:
        match = _SEQ_RE.match(seq)
        if match:
            row.problem_no = int(match.group(1))
            row.measure_no = int(match.group(2)) if match.group(2) else None
        else:
            error(
                "序号",
                _("“%(value)s” is not a number like 3.2 (problem.measure).") % {"value": seq},
            )
    row.aspect = _text(cells.get("方面"))
    row.problem = _text(cells.get("问题"))
    for column, value in (("方面", row.aspect), ("问题", row.problem)):
        if len(value) > TITLE_MAX:
            error(column, _("Longer than %(max)d characters.") % {"max": TITLE_MAX})

    row.has_measure = any(_text(cells.get(name)) for name in MEASURE_HEADERS if name in cells)
    if not row.has_measure:
        return errors  # a problem without measures
    row.text = str(cells.get("整改措施") or "").strip()
    if not row.text:
        error("整改措施", _("The measure text is empty."))
    row.lead_official = _text(cells.get("牵头领导"))
    if len(row.lead_official) > LEAD_OFFICIAL_MAX:
        error("牵头领导", _("Longer than %(max)d characters.") % {"max": LEAD_OFFICIAL_MAX})

    lead = _text(cells.get("牵头单位"))
    if lead:
        try:
            row.lead_unit = units.find(lead)
        except ValueError as exc:
            error("牵头单位", str(exc))
    for name in _UNIT_SPLIT_RE.split(str(cells.get("配合单位") or "")):
        name = " ".join(name.split())
        if not name:
            continue
        try:
            unit = units.find(name)
        except ValueError as exc:
            error("配合单位", str(exc))
            continue
        if unit not in row.cooperating_units:
            row.cooperating_units.append(unit)

    for column, attr in (("立行立改", "is_immediate"), ("长期坚持", "is_long_term")):
        try:
            setattr(row, attr, _parse_flag(cells.get(column)))
        except ValueError:
            error(
                column,
                _("Write 是 (yes) or 否 (no), not “%(value)s”.")
                % {"value": _text(cells.get(column))},
            )
    raw_deadline = cells.get("整改时限")
    try:
        row.deadline = _parse_date(raw_deadline)
    except (ValueError, OverflowError):
        error("整改时限", _("“%(value)s” is not a date.") % {"value": _text(raw_deadline)})
    else:
        if row.deadline is None and not row.is_long_term:
            error("整改时限", _("A deadline is needed unless the measure is long-term (长期坚持)."))
    return errors


# ---------------------------------------------------------------------------
# Import: the plan, then the writes

UPDATED_FIELDS = (
    "text",
    "lead_official",
    "lead_unit",
    "cooperating_units",
    "deadline",
    "is_immediate",
    "is_long_term",
)
_FIELD_COLUMN = {
    "text": "整改措施",
    "lead_official": "牵头领导",
    "lead_unit": "牵头单位",
    "cooperating_units": "配合单位",
    "deadline": "整改时限",
    "is_immediate": "立行立改",
    "is_long_term": "长期坚持",
}


@dataclass
class _NewAspect:
    title: str
    instance: Aspect | None = None


@dataclass
class _ProblemRef:
    title: str
    existing: Problem | None = None
    aspect: Aspect | _NewAspect | None = None
    seq: int | None = None
    instance: Problem | None = None

    @property
    def is_new(self) -> bool:
        return self.existing is None


@dataclass
class _Step:
    row: LedgerRow
    problem: _ProblemRef
    action: str  # "create", "update", "unchanged" or "problem" (a row without a measure)
    measure: Measure | None = None
    seq: int | None = None
    changes: dict[str, Any] = field(default_factory=dict)


@dataclass
class LedgerPlan:
    steps: list[_Step]
    new_aspects: list[_NewAspect]
    new_problems: list[_ProblemRef]

    def summary(self) -> dict[str, int]:
        actions = [step.action for step in self.steps]
        return {
            "aspects_created": len(self.new_aspects),
            "problems_created": len(self.new_problems),
            "measures_created": actions.count("create"),
            "measures_updated": actions.count("update"),
            "measures_unchanged": actions.count("unchanged"),
        }

    def rows(self) -> list[dict[str, Any]]:
        return [
            {
                "row": step.row.row,
                "action": step.action,
                "problem": step.problem.title,
                "seq": (
                    f"{_problem_seq(step.problem)}.{step.seq}"
                    if step.seq is not None
                    else str(_problem_seq(step.problem))
                ),
                "measure": step.row.text[:60],
                "changes": {
                    _FIELD_COLUMN[name]: {"old": _display(old), "new": _display(new)}
                    for name, (old, new) in step.changes.items()
                },
            }
            for step in self.steps
        ]


def _problem_seq(ref: _ProblemRef) -> int | None:
    return ref.existing.seq if ref.existing else ref.seq


def _display(value: Any) -> Any:
    if isinstance(value, Unit):
        return value.name
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, bool):
        return YES if value else NO
    if isinstance(value, set | frozenset | list | tuple):
        return "、".join(sorted(unit.name for unit in value))
    return value


def plan_import(inspection_round: InspectionRound, rows: list[LedgerRow]) -> LedgerPlan:
    """Decide, without writing, what each row creates or changes. Raise on conflicting rows.

    A group of rows (a 问题 cell and the blank ones below it) is an existing problem of the
    same title, else a new problem. Within an existing problem a row is the measure with the
    same text, else the one with its 序号, else a new measure. Measures the file does not
    mention are left alone.
    """
    aspects = {" ".join(a.title.split()): a for a in Aspect.objects.filter(round=inspection_round)}
    problems = list(Problem.objects.filter(round=inspection_round))
    by_title: dict[str, list[Problem]] = defaultdict(list)
    for problem in problems:
        by_title[" ".join(problem.title.split())].append(problem)
    measures: dict[int, list[Measure]] = defaultdict(list)
    for measure in (
        Measure.objects.filter(problem__round=inspection_round)
        .select_related("lead_unit")
        .prefetch_related("cooperating_units")
    ):
        measures[measure.problem_id].append(measure)

    errors: list[RowError] = []
    new_aspects: dict[str, _NewAspect] = {}
    refs: dict[str, _ProblemRef] = {}
    steps: list[_Step] = []
    current: _ProblemRef | None = None
    for row in rows:
        if row.problem:
            current = refs.get(row.problem) or _problem_ref(row, by_title, aspects, new_aspects)
            refs[row.problem] = current
        elif current is None:
            errors.append(RowError(row.row, "问题", _("The problem is missing.")))
            continue
        steps.append(_Step(row=row, problem=current, action="problem"))

    _match_measures(steps, measures, errors)
    _number_new(inspection_round, problems, refs.values(), steps, measures)
    if errors:
        raise _rejected(sorted(errors, key=lambda e: e.row))
    return LedgerPlan(
        steps=steps,
        new_aspects=list(new_aspects.values()),
        new_problems=[ref for ref in refs.values() if ref.is_new],
    )


def _problem_ref(
    row: LedgerRow,
    by_title: dict[str, list[Problem]],
    aspects: dict[str, Aspect],
    new_aspects: dict[str, _NewAspect],
) -> _ProblemRef:
    candidates = by_title.get(row.problem, [])
    if candidates:
        same_number = [p for p in candidates if p.seq == row.problem_no]
        return _ProblemRef(title=row.problem, existing=(same_number or candidates)[0])
    aspect: Aspect | _NewAspect | None = None
    if row.aspect:
        aspect = aspects.get(row.aspect) or new_aspects.setdefault(
            row.aspect, _NewAspect(row.aspect)
        )
    return _ProblemRef(title=row.problem, aspect=aspect)


def _match_measures(
    steps: list[_Step], measures: dict[int, list[Measure]], errors: list[RowError]
) -> None:
    claimed: dict[int, int] = {}  # measure id -> row number
    pending: list[_Step] = []
    # First pass: the same text is the strongest sign of the same measure.
    for step in steps:
        if not step.row.has_measure:
            continue
        existing = step.problem.existing
        if existing is None:
            step.action = "create"
            continue
        same_text = next(
            (m for m in measures[existing.pk] if m.text.strip() == step.row.text), None
        )
        if same_text is None:
            pending.append(step)
            continue
        if same_text.pk in claimed:
            errors.append(
                RowError(
                    step.row.row,
                    "整改措施",
                    _("Same measure as row %(row)d.") % {"row": claimed[same_text.pk]},
                )
            )
            continue
        claimed[same_text.pk] = step.row.row
        _set_update(step, same_text)
    # Second pass: the number, for rows whose text was edited.
    for step in pending:
        existing = step.problem.existing
        assert existing is not None
        same_number = next(
            (
                m
                for m in measures[existing.pk]
                if m.seq == step.row.measure_no and m.pk not in claimed
            ),
            None,
        )
        if same_number is None:
            step.action = "create"
            continue
        claimed[same_number.pk] = step.row.row
        _set_update(step, same_number)


def _set_update(step: _Step, measure: Measure) -> None:
    row = step.row
    step.measure, step.seq = measure, measure.seq
    wanted: dict[str, Any] = {}
    if row.text != measure.text.strip():
        wanted["text"] = row.text
    if "牵头领导" in row.present:
        wanted["lead_official"] = row.lead_official
    if "牵头单位" in row.present:
        wanted["lead_unit"] = row.lead_unit
    if "配合单位" in row.present:
        wanted["cooperating_units"] = set(row.cooperating_units)
    if "整改时限" in row.present:
        wanted["deadline"] = row.deadline
    if "立行立改" in row.present:
        wanted["is_immediate"] = row.is_immediate
    if "长期坚持" in row.present:
        wanted["is_long_term"] = row.is_long_term
    for name, new in wanted.items():
        old = (
            set(measure.cooperating_units.all())
            if name == "cooperating_units"
            else getattr(measure, name)
        )
        if old != new:
            step.changes[name] = (old, new)
    step.action = "update" if step.changes else "unchanged"


def _number_new(
    inspection_round: InspectionRound,
    problems: list[Problem],
    refs: Iterable[_ProblemRef],
    steps: list[_Step],
    measures: dict[int, list[Measure]],
) -> None:
    """Give new problems and measures the number the file asks for when it is free."""
    taken = {p.seq for p in problems}
    new_refs = [ref for ref in refs if ref.is_new]
    first_rows: dict[int, LedgerRow] = {}
    for step in steps:
        first_rows.setdefault(id(step.problem), step.row)
    for ref in new_refs:
        wanted = first_rows[id(ref)].problem_no
        if wanted and wanted not in taken:
            ref.seq = wanted
            taken.add(wanted)
    for ref in new_refs:
        if ref.seq is None:
            ref.seq = max(taken, default=0) + 1
            taken.add(ref.seq)

    by_problem: dict[int, list[_Step]] = defaultdict(list)
    for step in steps:
        if step.action == "create":
            by_problem[id(step.problem)].append(step)
    for group in by_problem.values():
        existing = group[0].problem.existing
        used = {m.seq for m in measures[existing.pk]} if existing else set()
        for step in group:
            if step.row.measure_no and step.row.measure_no not in used:
                step.seq = step.row.measure_no
                used.add(step.seq)
        for step in group:
            if step.seq is None:
                step.seq = max(used, default=0) + 1
                used.add(step.seq)


@dataclass
class LedgerImportResult:
    dry_run: bool
    plan: LedgerPlan

    def as_dict(self) -> dict[str, Any]:
        return {
            "dry_run": self.dry_run,
            "saved": not self.dry_run,
            "summary": self.plan.summary(),
            "rows": self.plan.rows(),
        }


def import_ledger(
    *, actor: User, inspection_round: InspectionRound, file: IO[bytes], dry_run: bool
) -> LedgerImportResult:
    """Validate every row, then (unless a dry run) apply all of them or none.

    Existing measures change through measure_update (history, version), new ones are made by
    measure_create; any error on the way rolls the whole import back.
    """
    if not actor.is_office:
        raise NotAllowed(_("Only office staff can import a ledger."))
    rows = read_ledger(file)
    if dry_run:
        return LedgerImportResult(dry_run=True, plan=plan_import(inspection_round, rows))
    with transaction.atomic():
        # One import at a time per round; the plan is made again under the lock.
        InspectionRound.objects.select_for_update().get(pk=inspection_round.pk)
        plan = plan_import(inspection_round, rows)
        _apply(actor, inspection_round, plan)
    return LedgerImportResult(dry_run=False, plan=plan)


def _apply(actor: User, inspection_round: InspectionRound, plan: LedgerPlan) -> None:
    for new_aspect in plan.new_aspects:
        new_aspect.instance = aspect_create(
            actor=actor, inspection_round=inspection_round, title=new_aspect.title
        )
    for ref in plan.new_problems:
        aspect = ref.aspect.instance if isinstance(ref.aspect, _NewAspect) else ref.aspect
        ref.instance = problem_create(
            actor=actor,
            inspection_round=inspection_round,
            title=ref.title,
            aspect=aspect,
            seq=ref.seq,
        )
    for step in plan.steps:
        try:
            _apply_step(actor, step)
        except DomainError as exc:
            raise _rejected([RowError(step.row.row, "", exc.message)]) from exc


def _apply_step(actor: User, step: _Step) -> None:
    row = step.row
    if step.action == "create":
        problem = step.problem.instance or step.problem.existing
        assert problem is not None  # _apply saved every new problem first
        measure_create(
            actor=actor,
            problem=problem,
            text=row.text,
            seq=step.seq,
            cooperating_units=row.cooperating_units,
            lead_official=row.lead_official,
            lead_unit=row.lead_unit,
            deadline=row.deadline,
            is_immediate=row.is_immediate,
            is_long_term=row.is_long_term,
        )
    elif step.action == "update":
        assert step.measure is not None
        measure_update(
            measure_id=step.measure.pk,
            actor=actor,
            changes={name: new for name, (_old, new) in step.changes.items()},
            expected_version=step.measure.version,
        )
