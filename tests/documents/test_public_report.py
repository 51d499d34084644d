"""The public progress report (整改进展情况的通报) as a Word document."""

from __future__ import annotations

import datetime
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from docx import Document
from docx.oxml.ns import qn
from docx.shared import Pt

from documents.report import cn_number, committee_of, percent, report_title
from inspections.models import InspectionRound
from rectification.models import Measure, ProgressReport
from tests.budgets import SECURITY_LOG_ROW
from tests.factories import AspectFactory, MeasureFactory, ProblemFactory, UnitFactory
from tests.rectification.helpers import put_in_state, stream_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture
def report_round(inspection_round, unit_a, unit_b, office, liaison_a):
    """Two aspects, three problems; one problem fully signed off, measures with progress."""
    InspectionRound.objects.filter(pk=inspection_round.pk).update(
        inspecting_body="区委第一巡察组",
        onsite_start=datetime.date(2026, 4, 1),
        onsite_end=datetime.date(2026, 5, 15),
        feedback_date=datetime.date(2026, 6, 20),
        accountability_count=3,
        discipline_count=0,
        rules_established=12,
        funds_recovered=Decimal("56.50"),
        contact="联系电话：0510-12345678\n电子邮箱：xuncha@example.gov.cn",
    )
    inspection_round.refresh_from_db()
    party = AspectFactory(round=inspection_round, seq=1, title="党的领导弱化方面")
    building = AspectFactory(round=inspection_round, seq=2, title="党的建设缺失方面")
    study = ProblemFactory(round=inspection_round, aspect=party, seq=1, title="学习领会不够深刻")
    decisions = ProblemFactory(round=inspection_round, aspect=party, seq=2, title="决策程序不规范")
    grassroots = ProblemFactory(
        round=inspection_round, aspect=building, seq=3, title="基层组织建设薄弱"
    )
    done = MeasureFactory(problem=study, seq=1, text="制定年度学习计划", lead_unit=unit_a)
    put_in_state(done, Measure.Status.CLOSED, submitted_by=liaison_a, closed_by=office)
    Measure.objects.filter(pk=done.pk).update(result_summary="组织专题学习12次")
    ongoing = MeasureFactory(problem=decisions, seq=1, text="修订议事规则", lead_unit=unit_b)
    ProgressReport.objects.create(
        measure=ongoing, author=liaison_a, period="p1", text="已形成征求意见稿"
    )
    MeasureFactory(problem=grassroots, seq=1, text="整顿软弱涣散党组织", lead_unit=unit_a)
    return inspection_round


def fetch(client, inspection_round):
    return client.get(reverse("api:round-public-report", args=[inspection_round.pk]))


def open_report(client, inspection_round) -> Document:
    response = fetch(client, inspection_round)
    assert response.status_code == 200, response.content
    return Document(io.BytesIO(stream_bytes(response)))


def texts(document: Document) -> list[str]:
    return [p.text for p in document.paragraphs]


def test_it_answers_a_docx_attachment(client_for, office, report_round):
    response = fetch(client_for(office), report_round)
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.wordprocessingml"
    )
    assert "attachment" in response["Content-Disposition"]


def test_it_opens_with_the_title_and_the_opening_paragraph(client_for, office, report_round):
    paragraphs = texts(open_report(client_for(office), report_round))
    assert paragraphs[0] == "中共区住房和城乡建设局党组关于区委巡察整改进展情况的通报"
    opening = paragraphs[2]
    assert "2026年4月1日至2026年5月15日，区委第一巡察组" in opening
    assert "2026年6月20日，区委第一巡察组" in opening
    assert opening.endswith("根据巡视巡察工作有关要求，现将巡察整改进展情况予以公布。")


def test_it_states_the_rounds_totals(client_for, office, report_round):
    body = "\n".join(texts(open_report(client_for(office), report_round)))
    assert "2个方面3个问题，细化分解为3条整改措施" in body
    assert "已完成问题整改1个，2个正在持续推进，问题整改完成率33.3%" in body
    assert "3条整改措施中已完成1条，2条正在推进" in body


def test_it_prints_only_the_outcome_figures_that_are_not_zero(client_for, office, report_round):
    body = "\n".join(texts(open_report(client_for(office), report_round)))
    assert "问责3人" in body
    assert "建立完善制度12项" in body
    assert "追缴资金56.5万元" in body
    assert "党纪政务处分" not in body
    assert "挽回经济损失" not in body


def test_it_lists_every_problem_in_order_under_its_aspect(client_for, office, report_round):
    paragraphs = texts(open_report(client_for(office), report_round))
    order = [
        "（一）党的领导弱化方面",
        "1.关于“学习领会不够深刻”问题的整改。",
        "2.关于“决策程序不规范”问题的整改。",
        "（二）党的建设缺失方面",
        "1.关于“基层组织建设薄弱”问题的整改。",
    ]
    positions = [paragraphs.index(text) for text in order]
    assert positions == sorted(positions)


def test_measures_show_their_result_or_latest_progress(client_for, office, report_round):
    paragraphs = texts(open_report(client_for(office), report_round))
    assert "一是制定年度学习计划。组织专题学习12次。" in paragraphs
    assert "一是修订议事规则。已形成征求意见稿。" in paragraphs
    assert "一是整顿软弱涣散党组织。正在抓紧推进。" in paragraphs
    completed = paragraphs.index("1.关于“学习领会不够深刻”问题的整改。")
    assert paragraphs[completed + 1] == "整改结果及成效："
    ongoing = paragraphs.index("2.关于“决策程序不规范”问题的整改。")
    assert paragraphs[ongoing + 1] == "整改进展情况："


def test_it_closes_with_the_contact_paragraph(client_for, office, report_round):
    paragraphs = texts(open_report(client_for(office), report_round))
    assert "联系电话：0510-12345678" in paragraphs
    assert "电子邮箱：xuncha@example.gov.cn" in paragraphs
    assert paragraphs.index("联系电话：0510-12345678") > paragraphs.index("三、下一步工作")


def east_asia_font(run) -> str:
    return run._element.rPr.find(qn("w:rFonts")).get(qn("w:eastAsia"))


def test_it_has_the_look_of_an_official_document(client_for, office, report_round):
    document = open_report(client_for(office), report_round)
    section = document.sections[0]
    mm = [
        round(length.mm)  # Word stores twips, so millimetres come back rounded
        for length in (
            section.page_width,
            section.page_height,
            section.top_margin,
            section.bottom_margin,
            section.left_margin,
            section.right_margin,
        )
    ]
    assert mm == [210, 297, 37, 35, 28, 26]
    by_text = {p.text: p for p in document.paragraphs if p.text}
    title = document.paragraphs[0].runs[0]
    assert (east_asia_font(title), title.font.size) == ("方正小标宋简体", Pt(22))
    level_one = by_text["一、整改工作总体情况"].runs[0]
    assert east_asia_font(level_one) == "黑体"
    level_two = by_text["（一）党的领导弱化方面"].runs[0]
    assert east_asia_font(level_two) == "楷体_GB2312"
    body = by_text["一是修订议事规则。已形成征求意见稿。"]
    assert (east_asia_font(body.runs[0]), body.runs[0].font.size) == ("仿宋_GB2312", Pt(16))
    assert body.paragraph_format.first_line_indent == Pt(32)


def test_a_round_without_aspects_uses_problems_as_level_two(client_for, office, inspection_round):
    MeasureFactory(problem=ProblemFactory(round=inspection_round, seq=1, title="甲问题"))
    MeasureFactory(problem=ProblemFactory(round=inspection_round, seq=2, title="乙问题"))
    paragraphs = texts(open_report(client_for(office), inspection_round))
    assert "（一）关于“甲问题”问题的整改。" in paragraphs
    assert "（二）关于“乙问题”问题的整改。" in paragraphs


def test_a_leader_may_download_it(client_for, leader, report_round):
    assert fetch(client_for(leader), report_round).status_code == 200


def test_another_units_liaison_cannot_fetch_a_round_they_cannot_see(
    client_for, liaison_b, inspection_round, unit_a
):
    MeasureFactory(problem=ProblemFactory(round=inspection_round), lead_unit=unit_a)
    assert fetch(client_for(liaison_b), inspection_round).status_code == 404


def test_a_liaison_who_sees_part_of_the_round_is_refused(client_for, liaison_a, report_round):
    # The report speaks for the whole round; a liaison would get a partial one.
    assert fetch(client_for(liaison_a), report_round).status_code == 403


@pytest.mark.parametrize("measures", [5, 50])
def test_report_query_count_does_not_grow_with_measures(
    client_for, office, inspection_round, measures, django_assert_max_num_queries
):
    aspect = AspectFactory(round=inspection_round, seq=1)
    problems = [ProblemFactory(round=inspection_round, aspect=aspect, seq=n) for n in (1, 2, 3)]
    unit = UnitFactory()
    for n in range(measures):
        measure = MeasureFactory(problem=problems[n % 3], seq=n + 1, lead_unit=unit)
        ProgressReport.objects.create(measure=measure, author=office, period="p", text="进展")
    client = client_for(office)
    # round, measure numbers, problem numbers, problems, measures with their latest progress,
    # the look-back's figures.
    with django_assert_max_num_queries(6 + SECURITY_LOG_ROW):  # the download, logged
        document = Document(io.BytesIO(stream_bytes(fetch(client, inspection_round))))
    assert sum(p.text.endswith("进展。") for p in document.paragraphs) == measures


def test_title_helpers():
    assert committee_of("省委第八巡视组") == "省委"
    assert committee_of("市委第五巡察组") == "市委"
    assert committee_of("巡察组") == ""
    assert [cn_number(n) for n in (1, 10, 11, 20, 25)] == ["一", "十", "十一", "二十", "二十五"]
    assert (percent(0.76), percent(1 / 3), percent(None)) == ("76%", "33.3%", "—")


def test_the_title_names_a_party_committee_as_it_is(inspection_round):
    committee = UnitFactory(name="中共无锡经济开发区工作委员会", kind="party_committee")
    inspection_round.target_unit = committee
    inspection_round.inspecting_body = "市委第五巡察组"
    assert report_title(inspection_round) == (
        "中共无锡经济开发区工作委员会关于市委巡察整改进展情况的通报"
    )
