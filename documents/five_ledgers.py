"""The five ledgers of a round (五账式), as one workbook of five sheets.

报告报账 the rectification reports due and sent; 反馈交账 the problems and their measures as
handed over and planned; 移交转账 the clues and petitions transferred, how each ended, when
its feedback is due and how late it is (office and admin only: a leader's copy holds counts,
never their content); 督办对账 urge notices and replies (empty until urge notices exist);
整改销账 the measures signed off, by whom, when, with how much evidence. Every text is written
as plain text, never as a formula.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from typing import IO, Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from config.errors import NotAllowed
from config.watermark import Watermark
from findings.models import HandedOver, Petition, Problem, ProblemClue, late_filter
from findings.selectors import clues_visible_to, petitions_visible_to, problems_visible_to
from inspections.models import InspectionRound, RoundReport
from rectification.models import Measure, today
from rectification.selectors import measures_visible_to, problem_order, with_latest_progress

from .xlsx_out import BODY, HEADER, Book, Sheet

CHUNK = 1000

REPORTS_SHEET = "报告报账"
FEEDBACK_SHEET = "反馈交账"
TRANSFERS_SHEET = "移交转账"
URGES_SHEET = "督办对账"
SIGN_OFF_SHEET = "整改销账"
SHEETS = (REPORTS_SHEET, FEEDBACK_SHEET, TRANSFERS_SHEET, URGES_SHEET, SIGN_OFF_SHEET)

COLUMNS: dict[str, tuple[tuple[str, int], ...]] = {
    REPORTS_SHEET: (
        ("序号", 6),
        ("报告名称", 30),
        ("应报送日期", 13),
        ("报送日期", 13),
        ("签收日期", 13),
        ("状态", 12),
        ("报告文件", 30),
    ),
    FEEDBACK_SHEET: (
        ("序号", 7),
        ("方面", 18),
        ("问题", 26),
        ("整改措施", 50),
        ("牵头领导", 10),
        ("牵头单位", 18),
        ("整改时限", 12),
        ("立行立改", 7),
        ("长期坚持", 7),
    ),
    TRANSFERS_SHEET: (
        ("序号", 6),
        ("类别", 10),
        ("内容摘要", 40),
        ("涉及对象", 12),
        ("移交（承办）单位", 20),
        ("移交（收件）日期", 13),
        ("处置方式", 12),
        ("办理状态", 10),
        ("办理结果", 36),
        ("办结日期", 13),
        ("反馈期限", 13),
        ("逾期情况", 12),
    ),
    URGES_SHEET: (
        ("序号", 6),
        ("督办层级", 10),
        ("督办单位", 18),
        ("整改措施", 40),
        ("督办事由", 36),
        ("回复期限", 13),
        ("回复情况", 36),
        ("状态", 10),
    ),
    SIGN_OFF_SHEET: (
        ("序号", 7),
        ("问题", 26),
        ("整改措施", 44),
        ("牵头单位", 18),
        ("整改成效", 40),
        ("销号人", 12),
        ("销号日期", 13),
        ("佐证材料数", 8),
    ),
}
# A leader's 移交转账 holds only how many were transferred and how many are concluded.
COUNT_COLUMNS: tuple[tuple[str, int], ...] = (
    ("类别", 12),
    ("移交总数", 10),
    ("已办结", 10),
    ("正在办理", 10),
    ("反馈逾期", 10),
)

CLUE_STATUS = {"transferred": "已移交", "in_handling": "办理中", "concluded": "已办结"}
CLUE_DISPOSAL = {
    "talk_or_letter": "谈话函询",
    "preliminary_check": "初步核实",
    "held": "暂存待查",
    "closed_out": "予以了结",
}
PETITION_STATUS = {"pending": "待办理", "in_handling": "办理中", "concluded": "已办结"}
YES, NO = "是", "否"


def may_download(user: User) -> bool:
    """Office, admin and leaders: a liaison works in the ledger of their own measures."""
    return user.sees_jurisdiction


@dataclass
class FiveLedgerQueries:
    """The querysets each sheet lists, one per sheet, so tests can count against them."""

    reports: QuerySet[RoundReport]
    problems: QuerySet[Problem]
    measures: QuerySet[Measure]
    clues: QuerySet[ProblemClue]
    petitions: QuerySet[Petition]
    signed_off: QuerySet[Measure]
    shows_transfers: bool


def five_ledger_queries(inspection_round: InspectionRound, user: User) -> FiveLedgerQueries:
    # The sheets list neither cooperating units nor most of what the selector joins: each
    # sheet joins what it shows (building unused related rows was half the export's time).
    measures = (
        measures_visible_to(user)
        .filter(problem__round=inspection_round)
        .select_related(None)
        .prefetch_related(None)
    )
    return FiveLedgerQueries(
        reports=RoundReport.objects.filter(round=inspection_round).order_by("due", "id"),
        problems=problems_visible_to(user).filter(round=inspection_round),
        measures=measures,
        clues=clues_visible_to(user)
        .filter(round=inspection_round)
        .order_by("transferred_on", "id"),
        petitions=petitions_visible_to(user)
        .filter(round=inspection_round)
        .order_by("received_on", "id"),
        signed_off=measures.filter(status=Measure.Status.CLOSED),
        shows_transfers=user.is_office,
    )


def export_five_ledgers(
    *,
    inspection_round: InspectionRound,
    user: User,
    mark: Watermark,
    as_of: datetime.date | None = None,
) -> IO[bytes]:
    """Write the five ledgers of the round as `user` may see them; a file at position 0."""
    if not may_download(user):
        raise NotAllowed(_("Only office staff and leaders may download the five ledgers."))
    day = as_of or today()
    queries = five_ledger_queries(inspection_round, user)
    book = Book(mark)
    header, body = book.style(HEADER), book.style(BODY)

    def sheet(name: str, columns: tuple[tuple[str, int], ...]) -> Sheet:
        ws = book.sheet(
            name,
            title=f"{inspection_round.name} {name}",
            as_of=day,
            widths=[width for _header, width in columns],
        )
        ws.append([title for title, _width in columns], header)
        return ws

    def append(ws: Sheet, rows: Iterable[list[Any]]) -> None:
        for row in rows:
            ws.append(row, body)

    append(sheet(REPORTS_SHEET, COLUMNS[REPORTS_SHEET]), _report_rows(queries.reports, day))
    append(sheet(FEEDBACK_SHEET, COLUMNS[FEEDBACK_SHEET]), _feedback_rows(queries))
    if queries.shows_transfers:
        append(sheet(TRANSFERS_SHEET, COLUMNS[TRANSFERS_SHEET]), _transfer_rows(queries, day))
    else:
        append(sheet(TRANSFERS_SHEET, COUNT_COLUMNS), _transfer_counts(inspection_round, day))
    # Urge notices (督办单) arrive with the supervision issue; until then the sheet is empty.
    sheet(URGES_SHEET, COLUMNS[URGES_SHEET])
    append(sheet(SIGN_OFF_SHEET, COLUMNS[SIGN_OFF_SHEET]), _sign_off_rows(queries))
    return book.close()


def _local_date(moment: datetime.datetime | None) -> datetime.date | None:
    return timezone.localtime(moment).date() if moment else None


def _report_rows(reports: QuerySet[RoundReport], day: datetime.date) -> Iterable[list[Any]]:
    for index, report in enumerate(reports, start=1):
        if report.acknowledged_on:
            state = "已签收"
        elif report.sent_on:
            state = "已报送"
        elif report.is_overdue(day):
            state = "逾期未报送"
        else:
            state = "待报送"
        yield [
            str(index),
            report.title,
            report.due,
            report.sent_on,
            report.acknowledged_on,
            state,
            report.original_name or None,
        ]


def _feedback_rows(queries: FiveLedgerQueries) -> Iterable[list[Any]]:
    """One row per measure, and one for a problem that has none yet."""
    problems = list(queries.problems.order_by(*problem_order()))
    by_problem: dict[int, list[Measure]] = {p.pk: [] for p in problems}
    measures = (
        queries.measures.select_related("lead_unit")
        .only(
            "problem",
            "seq",
            "text",
            "lead_official",
            "lead_unit__name",
            "deadline",
            "is_immediate",
            "is_long_term",
        )
        .order_by("problem_id", "seq")
        .iterator(chunk_size=CHUNK)
    )
    for measure in measures:
        if measure.problem_id in by_problem:
            by_problem[measure.problem_id].append(measure)
    for problem in problems:
        aspect = problem.aspect.title if problem.aspect else None
        rows = by_problem[problem.pk]
        if not rows:
            yield [str(problem.seq), aspect, problem.title] + [None] * 6
        for measure in rows:
            yield [
                f"{problem.seq}.{measure.seq}",
                aspect,
                problem.title,
                measure.text,
                measure.lead_official or None,
                measure.lead_unit.name if measure.lead_unit else None,
                measure.deadline,
                YES if measure.is_immediate else NO,
                YES if measure.is_long_term else NO,
            ]


def late_marker(row: HandedOver, day: datetime.date) -> str | None:
    """逾期N天 for a clue or petition whose feedback is late on `day`, else nothing."""
    return f"逾期{row.days_late(day)}天" if row.is_late(day) else None


def _transfer_rows(queries: FiveLedgerQueries, day: datetime.date) -> Iterable[list[Any]]:
    index = 0
    for clue in queries.clues:
        index += 1
        yield [
            str(index),
            "问题线索",
            clue.summary,
            clue.subject or None,
            clue.transferred_to,
            clue.transferred_on,
            CLUE_DISPOSAL.get(clue.disposal) if clue.disposal else None,
            CLUE_STATUS.get(clue.status, clue.status),
            clue.outcome or None,
            clue.concluded_on,
            clue.feedback_due,
            late_marker(clue, day),
        ]
    for petition in queries.petitions:
        index += 1
        yield [
            str(index),
            "信访件",
            petition.summary,
            None,
            petition.handler_unit.name if petition.handler_unit else None,
            petition.received_on,
            None,
            PETITION_STATUS.get(petition.status, petition.status),
            petition.outcome or None,
            petition.concluded_on,
            petition.feedback_due,
            late_marker(petition, day),
        ]


def _transfer_counts(inspection_round: InspectionRound, day: datetime.date) -> Iterable[list[Any]]:
    for label, model in (("问题线索", ProblemClue), ("信访件", Petition)):
        counts = model.objects.filter(round=inspection_round).aggregate(
            total=Count("id"),
            concluded=Count("id", filter=Q(status=model.Status.CONCLUDED)),
            late=Count("id", filter=late_filter(day)),
        )
        yield [
            label,
            counts["total"],
            counts["concluded"],
            counts["total"] - counts["concluded"],
            counts["late"],
        ]


def _sign_off_rows(queries: FiveLedgerQueries) -> Iterable[list[Any]]:
    measures = (
        with_latest_progress(queries.signed_off)
        .select_related("problem", "lead_unit", "closed_by")
        .only(
            "problem__seq",
            "problem__title",
            "seq",
            "text",
            "lead_unit__name",
            "result_summary",
            "closed_at",
            # What str(user) reads.
            "closed_by__display_name",
            "closed_by__first_name",
            "closed_by__last_name",
            "closed_by__username",
        )
        .order_by(*problem_order("problem__"), "seq")
        .iterator(chunk_size=CHUNK)
    )
    for measure in measures:
        closed_by = measure.closed_by
        yield [
            f"{measure.problem.seq}.{measure.seq}",
            measure.problem.title,
            measure.text,
            measure.lead_unit.name if measure.lead_unit else None,
            measure.result_summary or None,
            str(closed_by) if closed_by else None,
            _local_date(measure.closed_at),
            measure.evidence_count,
        ]
