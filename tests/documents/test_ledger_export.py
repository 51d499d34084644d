"""The ledger (整改台账) export: layout, content, scope and query count."""

from __future__ import annotations

import datetime
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from documents.ledger import HEADERS, LEDGER_SHEET, NUMBERS_SHEET, STATUS_TEXT
from findings.models import Problem
from rectification.models import Measure, ProgressReport
from rectification.selectors import measure_numbers
from tests.budgets import SECURITY_LOG_ROW
from tests.conftest import SHANGHAI_TODAY
from tests.factories import AspectFactory, MeasureFactory, ProblemFactory, UnitFactory
from tests.rectification.helpers import add_evidence, put_in_state, stream_bytes

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("shanghai_clock")]

TODAY = SHANGHAI_TODAY  # the shanghai_clock fixture freezes every test of this module on it


def export(client, inspection_round) -> tuple:
    response = client.get(reverse("api:ledger-export"), {"round": inspection_round.pk})
    assert response.status_code == 200, response.content
    workbook = load_workbook(io.BytesIO(stream_bytes(response)))
    return response, workbook


def build_ledger_round(inspection_round, unit_a, unit_b, office, liaison_a):
    """Two aspects, three problems (one without measures), five measures in various states."""
    party = AspectFactory(round=inspection_round, seq=1, title="党的领导方面")
    building = AspectFactory(round=inspection_round, seq=2, title="党的建设方面")
    study = ProblemFactory(round=inspection_round, aspect=party, seq=1, title="学习领会不够深刻")
    decisions = ProblemFactory(round=inspection_round, aspect=party, seq=2, title="决策程序不规范")
    ProblemFactory(round=inspection_round, aspect=building, seq=3, title="基层组织建设薄弱")
    first = MeasureFactory(
        problem=study,
        seq=1,
        text="制定理论学习中心组年度学习计划",
        lead_official="王局长",
        lead_unit=unit_a,
        deadline=TODAY + datetime.timedelta(days=40),
        is_immediate=True,
    )
    first.cooperating_units.set([unit_b])
    late = MeasureFactory(
        problem=study,
        seq=2,
        text="开展专题读书班",
        lead_unit=unit_b,
        deadline=TODAY - datetime.timedelta(days=3),
    )
    ProgressReport.objects.create(measure=late, author=liaison_a, period="p1", text="已制定方案")
    ProgressReport.objects.create(measure=late, author=liaison_a, period="p2", text="已举办两期")
    MeasureFactory(
        problem=study,
        seq=3,
        text="建立学习制度长效机制",
        lead_unit=unit_a,
        deadline=None,
        is_long_term=True,
    )
    closed = MeasureFactory(
        problem=decisions,
        seq=1,
        text="修订党组议事规则",
        lead_unit=unit_a,
        deadline=TODAY - datetime.timedelta(days=10),
    )
    put_in_state(closed, Measure.Status.CLOSED, submitted_by=liaison_a, closed_by=office)
    Measure.objects.filter(pk=closed.pk).update(result_summary="已印发新规则")
    add_evidence(closed, liaison_a)
    add_evidence(closed, liaison_a)
    MeasureFactory(problem=decisions, seq=2, text="开展“三重一大”专项检查", lead_unit=unit_b)
    return inspection_round


@pytest.fixture
def ledger_round(inspection_round, unit_a, unit_b, office, liaison_a):
    return build_ledger_round(inspection_round, unit_a, unit_b, office, liaison_a)


def data_rows(workbook) -> list[tuple]:
    rows = list(workbook[LEDGER_SHEET].iter_rows(values_only=True))
    assert rows[0] == HEADERS
    return rows[1:]


def test_it_writes_the_design_columns_in_chinese_in_order(client_for, office, ledger_round):
    _response, workbook = export(client_for(office), ledger_round)
    header = next(workbook[LEDGER_SHEET].iter_rows(values_only=True))
    assert header == (
        "序号", "方面", "问题", "整改措施", "牵头领导", "牵头单位", "配合单位", "整改时限",
        "立行立改", "长期坚持", "状态", "最新进展", "整改成效", "完成时间", "佐证材料数",
    )  # fmt: skip


def test_it_answers_an_xlsx_attachment(client_for, office, ledger_round):
    response, _workbook = export(client_for(office), ledger_round)
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in response["Content-Disposition"]
    assert ".xlsx" in response["Content-Disposition"]


def test_it_writes_one_row_per_measure_grouped_by_problem(client_for, office, ledger_round):
    _response, workbook = export(client_for(office), ledger_round)
    rows = data_rows(workbook)
    assert [row[0] for row in rows] == ["1.1", "1.2", "1.3", "2.1", "2.2", "3"]
    assert [row[1] for row in rows] == ["党的领导方面"] * 5 + ["党的建设方面"]
    # The problem title stands in the first row of its group; the others are merged into it.
    assert [row[2] for row in rows] == [
        "学习领会不够深刻", None, None, "决策程序不规范", None, "基层组织建设薄弱",
    ]  # fmt: skip


def test_it_merges_the_problem_column_over_its_measures(client_for, office, ledger_round):
    _response, workbook = export(client_for(office), ledger_round)
    merged = {str(r) for r in workbook[LEDGER_SHEET].merged_cells.ranges}
    assert merged == {"C2:C4", "C5:C6"}


def test_it_freezes_the_header_and_sets_widths(client_for, office, ledger_round):
    _response, workbook = export(client_for(office), ledger_round)
    sheet = workbook[LEDGER_SHEET]
    assert sheet.freeze_panes == "A2"
    assert sheet.column_dimensions["D"].width > sheet.column_dimensions["A"].width


def test_it_fills_the_measure_columns(client_for, office, ledger_round, unit_a, unit_b):
    _response, workbook = export(client_for(office), ledger_round)
    first, late, long_term, closed, _plain, _empty = data_rows(workbook)
    assert first[3:10] == (
        "制定理论学习中心组年度学习计划",
        "王局长",
        unit_a.name,
        unit_b.name,
        datetime.datetime.combine(TODAY + datetime.timedelta(days=40), datetime.time()),
        "是",
        "否",
    )
    assert late[11] == "已举办两期"  # the latest progress report, not the first
    assert long_term[7] is None and long_term[9] == "是"
    assert closed[10] == "已销号"
    assert closed[12] == "已印发新规则"
    assert closed[13] == datetime.datetime.combine(TODAY, datetime.time())
    assert closed[14] == 2


def test_deadlines_are_real_excel_dates(client_for, office, ledger_round):
    _response, workbook = export(client_for(office), ledger_round)
    cell = workbook[LEDGER_SHEET]["H2"]
    assert cell.is_date
    assert cell.number_format == "yyyy-mm-dd"


def test_overdue_rows_are_marked(client_for, office, ledger_round):
    _response, workbook = export(client_for(office), ledger_round)
    sheet = workbook[LEDGER_SHEET]
    late_row, on_time_row = 3, 2
    assert "逾期" in sheet.cell(late_row, 11).value
    assert sheet.cell(late_row, 4).fill.fgColor.rgb.endswith("FFD7D7")
    assert "逾期" not in sheet.cell(on_time_row, 11).value
    assert sheet.cell(on_time_row, 4).fill.fill_type is None


def test_the_second_sheet_has_the_rounds_numbers_from_the_selector(
    client_for, office, ledger_round
):
    _response, workbook = export(client_for(office), ledger_round)
    facts = dict(workbook[NUMBERS_SHEET].iter_rows(min_row=2, values_only=True))
    numbers = measure_numbers(Measure.objects.filter(problem__round=ledger_round))
    assert facts["整改措施总数"] == numbers["total"] == 5
    assert facts["已销号"] == numbers["closed"] == 1
    assert facts["逾期（表中标红）"] == numbers["overdue"] == 1
    assert facts["问题总数"] == 3
    assert facts["已完成整改问题"] == 0  # 决策程序不规范 still has an open measure
    assert facts["措施完成率"] == pytest.approx(0.2)


def test_a_liaison_gets_only_the_measures_they_can_see(client_for, liaison_a, ledger_round):
    _response, workbook = export(client_for(liaison_a), ledger_round)
    rows = data_rows(workbook)
    # Unit A leads 1.1, 1.3 and 2.1 and cooperates on nothing else; 1.2 and 2.2 are unit B's.
    assert [row[0] for row in rows] == ["1.1", "1.3", "2.1"]
    facts = dict(workbook[NUMBERS_SHEET].iter_rows(min_row=2, values_only=True))
    assert facts["整改措施总数"] == 3


def test_a_round_the_user_cannot_see_answers_404(client_for, liaison_b, inspection_round):
    other = ProblemFactory(round=inspection_round, seq=9)
    MeasureFactory(problem=other, lead_unit=UnitFactory())
    response = client_for(liaison_b).get(
        reverse("api:ledger-export"), {"round": inspection_round.pk}
    )
    assert response.status_code == 404


def test_a_missing_round_parameter_answers_400(client_for, office):
    response = client_for(office).get(reverse("api:ledger-export"))
    assert response.status_code == 400
    assert "round" in response.json()


def test_an_empty_round_exports_just_the_header(client_for, office, inspection_round):
    _response, workbook = export(client_for(office), inspection_round)
    assert data_rows(workbook) == []


@pytest.mark.parametrize("measures", [5, 50])
def test_export_query_count_does_not_grow_with_measures(
    client_for, office, inspection_round, unit_a, unit_b, measures, django_assert_max_num_queries
):
    problems = [ProblemFactory(round=inspection_round, seq=n) for n in (1, 2, 3)]
    for n in range(measures):
        measure = MeasureFactory(problem=problems[n % 3], seq=n + 1, lead_unit=unit_a)
        measure.cooperating_units.set([unit_b])
        ProgressReport.objects.create(measure=measure, author=office, period="p", text="进展")
    client = client_for(office)
    # round, problems, measures (with latest progress and evidence count as subqueries),
    # their cooperating units, the measure numbers, the problem numbers and the look-back's.
    with django_assert_max_num_queries(7 + SECURITY_LOG_ROW):  # the download, logged
        response = client.get(reverse("api:ledger-export"), {"round": inspection_round.pk})
        content = stream_bytes(response)
    assert len(data_rows(load_workbook(io.BytesIO(content)))) == measures


def test_problems_are_listed_in_aspect_order(client_for, office, inspection_round, unit_a):
    later = AspectFactory(round=inspection_round, seq=2, title="后一方面")
    earlier = AspectFactory(round=inspection_round, seq=1, title="前一方面")
    # Numbered against the aspect order on purpose: the ledger groups by aspect first.
    MeasureFactory(problem=ProblemFactory(round=inspection_round, aspect=later, seq=1), seq=1)
    MeasureFactory(problem=ProblemFactory(round=inspection_round, aspect=earlier, seq=2), seq=1)
    _response, workbook = export(client_for(office), inspection_round)
    assert [row[1] for row in data_rows(workbook)] == ["前一方面", "后一方面"]
    assert Problem.objects.filter(round=inspection_round).count() == 2


def test_rows_pair_streamed_measures_with_problems_in_order():
    from types import SimpleNamespace

    from documents.ledger import _ledger_rows

    p1, p2, p3, p4 = (SimpleNamespace(pk=n) for n in (1, 2, 3, 4))
    measures = [SimpleNamespace(problem_id=n) for n in (1, 1, 3, 99)]  # 99: added meanwhile
    pairs = [(p.pk, m and m.problem_id) for p, m in _ledger_rows([p1, p2, p3, p4], iter(measures))]
    assert pairs == [(1, 1), (1, 1), (2, None), (3, 3), (4, None)]


def test_measures_read_in_several_chunks_keep_their_cooperating_units(
    client_for, office, ledger_round, unit_b, monkeypatch
):
    monkeypatch.setattr("documents.ledger.EXPORT_CHUNK", 2)
    _response, workbook = export(client_for(office), ledger_round)
    rows = data_rows(workbook)
    assert [row[0] for row in rows] == ["1.1", "1.2", "1.3", "2.1", "2.2", "3"]
    assert [row[6] for row in rows] == [unit_b.name, None, None, None, None, None]


@pytest.mark.parametrize("status", Measure.Status.values)
def test_it_names_every_status_of_a_measure_in_chinese(client_for, office, ledger_round, status):
    # A measure waiting in an endorsement chain (待背书、待复核) included.
    Measure.objects.filter(problem__round=ledger_round, text="开展专题读书班").update(
        status=status, closed_at=timezone.now() if status == Measure.Status.CLOSED else None
    )
    _response, workbook = export(client_for(office), ledger_round)
    cell = data_rows(workbook)[1][HEADERS.index("状态")]
    assert cell and cell.removesuffix("（逾期）") in set(STATUS_TEXT.values())
