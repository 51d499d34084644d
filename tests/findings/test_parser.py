"""Tests for the feedback and rectification report text parser."""

from __future__ import annotations

import os
import random

import pytest

from findings.parser import (
    MAX_TEXT_CHARS,
    Declared,
    FeedbackParseError,
    ParsedMeasure,
    ParsedProblem,
    ParseResult,
    parse_feedback,
)
from tests.samples import require_sample


def read_sample(name: str) -> str:
    return require_sample(name).read_text(encoding="utf-8")


def titles(result: ParseResult) -> list[str]:
    return [problem.title for problem in result.problems]


def measure_counts(result: ParseResult) -> list[int]:
    return [len(problem.measures) for problem in result.problems]


def measure_texts(problem: ParsedProblem) -> list[str]:
    return [measure.text for measure in problem.measures]


def wrap_like_a_newspaper(text: str, width: int = 15) -> str:
    """Break every paragraph into lines of `width` characters, with stray blank lines."""
    lines: list[str] = []
    for paragraph in text.split("\n"):
        for start in range(0, len(paragraph), width):
            lines.append(paragraph[start : start + width])
            if len(lines) % 7 == 0:
                lines.append("")
        lines.append("")
    return "\n".join(lines)


# ---------------------------------------------------------------------------
# Published samples

WUXI_TITLES = [
    "学习新思想不深入",
    "党工委领导核心作用发挥不充分",
    "落实国家、省市委战略部署推进不快",
    "人民为中心的发展思想树得不牢",
    "创新驱动能力较弱",
    "改革效能未充分发挥",
    "党风廉政建设责任制落实不力",
]
# 一是…三是 etc. counted by hand in the sample; problems 8-13 are on page 6, not in the sample.
WUXI_MEASURE_COUNTS = [3, 3, 4, 3, 3, 2, 4]


def test_it_reads_every_problem_of_the_wuxi_report_in_order() -> None:
    result = parse_feedback(read_sample("wuxi-2021-xuncha-report.txt"))

    assert titles(result) == WUXI_TITLES
    assert [problem.seq for problem in result.problems] == [1, 2, 3, 4, 5, 6, 7]
    assert measure_counts(result) == WUXI_MEASURE_COUNTS
    assert [problem.aspect for problem in result.problems] == [None] * 7
    assert result.aspects == []


def test_it_reads_the_wuxi_measures_without_their_markers() -> None:
    result = parse_feedback(read_sample("wuxi-2021-xuncha-report.txt"))

    first, second = result.problems[0], result.problems[1]
    assert first.measures[0].text.startswith("思想理论学习学深悟透。深入学习贯彻习近平")
    assert first.measures[0].text.endswith("理论学习中心组巡学旁听。")
    assert first.measures[2].text.startswith("意识形态工作高度重视。")
    assert second.measures[0].text.startswith("改革创新意识明显增强。")
    assert [m.seq for m in result.problems[2].measures] == [1, 2, 3, 4]


def test_it_keeps_the_wuxi_page_jump_and_page_title_out_of_the_last_measure() -> None:
    result = parse_feedback(read_sample("wuxi-2021-xuncha-report.txt"))

    last = result.problems[-1].measures[-1].text
    assert last.startswith("强化专项资金审核使用。")
    assert last.endswith("等细化管理办法")
    assert "下转" not in last
    assert "通报" not in last


def test_it_reports_the_totals_the_wuxi_report_announces() -> None:
    result = parse_feedback(read_sample("wuxi-2021-xuncha-report.txt"))

    # "将巡察反馈意见中指出的4项13个问题，细化分解为80条整改措施"; the later
    # "共计11个问题已整改完成" is progress, not a total.
    assert result.declared == Declared(aspects=4, problems=13, measures=80)


def test_it_warns_that_the_wuxi_sample_holds_fewer_problems_than_announced() -> None:
    result = parse_feedback(read_sample("wuxi-2021-xuncha-report.txt"))

    assert result.warnings == [
        "文中称共4个方面，解析出0个。",
        "文中称共13个问题，解析出7个。",
        "文中称共80条整改措施，解析出22条。",
        "原文注明“（下转第6版）”，后续内容可能未粘贴。",
    ]


def test_it_finds_no_problem_in_the_sip_yearbook_entry_but_names_its_totals() -> None:
    # The yearbook entry only says "省委巡视反馈13个方面38个问题全部整改落实到位";
    # it lists no problem.
    text = read_sample("sip-2020-yearbook-xunshi.txt")

    with pytest.raises(FeedbackParseError, match="未识别出任何问题") as caught:
        parse_feedback(text)
    assert "13个方面、38个问题" in str(caught.value)


# ---------------------------------------------------------------------------
# Formats

FORMAT_ONE = """中共某某县委关于巡察整改进展情况的通报
根据市委统一部署，2023年4月至6月，市委第二巡察组对某某县进行了巡察。县委将反馈意见指出的\
3个方面12个问题细化为45条整改措施。
一、整改工作开展情况
（一）提高政治站位。县委召开常委会专题研究部署整改工作。
（二）强化责任落实。成立整改工作领导小组，县委书记任组长。
二、整改落实情况
（一）关于“学习领会不够深刻”问题的整改
一是建立第一议题制度，全年学习32次。
二是开展专题读书班，县级领导全员参加。
（二）关于“运用党的创新理论推动发展不够有力”问题的整改
一是制定高质量发展行动方案。
二是开展专题调研，形成调研报告6篇。
三是建立重点项目推进机制。
三、下一步工作打算
县委将持续巩固整改成果，建立长效机制。
欢迎广大干部群众对巡察整改落实情况进行监督。联系电话：0510-12345678；邮政信箱：某某县委办公室。
"""


def test_it_splits_yishi_ershi_paragraphs_into_measures() -> None:
    result = parse_feedback(FORMAT_ONE)

    assert titles(result) == ["学习领会不够深刻", "运用党的创新理论推动发展不够有力"]
    assert measure_texts(result.problems[0]) == [
        "建立第一议题制度，全年学习32次。",
        "开展专题读书班，县级领导全员参加。",
    ]
    assert measure_texts(result.problems[1]) == [
        "制定高质量发展行动方案。",
        "开展专题调研，形成调研报告6篇。",
        "建立重点项目推进机制。",
    ]


def test_it_ignores_the_preamble_sections_about_organising_the_work() -> None:
    result = parse_feedback(FORMAT_ONE)

    everything = " ".join(m.text for p in result.problems for m in p.measures)
    assert "政治站位" not in everything
    assert "领导小组" not in everything
    assert len(result.problems) == 2


def test_it_ignores_the_next_steps_section_and_the_contacts() -> None:
    result = parse_feedback(FORMAT_ONE)

    assert result.problems[-1].measures[-1].text == "建立重点项目推进机制。"


def test_it_cuts_an_unnumbered_closing_paragraph_after_the_last_measure() -> None:
    text = """二、整改落实情况
（一）关于“调查研究不够深入”问题的整改
一是制定调研计划。
二是形成调研报告8篇。
下一步，县委将持续抓好整改。欢迎社会各界对整改工作进行监督。电子邮箱：xc@example.cn。
中共某某县委员会
2023年12月1日
"""
    result = parse_feedback(text)

    assert measure_texts(result.problems[0]) == ["制定调研计划。", "形成调研报告8篇。"]


def test_it_cuts_contacts_and_signature_when_there_is_no_next_steps_paragraph() -> None:
    text = """（一）关于“调查研究不够深入”问题的整改
一是制定调研计划。
二是形成调研报告8篇。欢迎广大干部群众监督。联系电话：0510-1234567。
中共某某县委员会
"""
    result = parse_feedback(text)

    assert measure_texts(result.problems[0]) == ["制定调研计划。", "形成调研报告8篇。"]


def test_it_cuts_a_signature_after_the_last_measure() -> None:
    text = """（一）关于“调查研究不够深入”问题的整改
一是制定调研计划。
二是形成调研报告8篇。
中共某某县委员会
2023年12月1日
"""
    result = parse_feedback(text)

    assert measure_texts(result.problems[0]) == ["制定调研计划。", "形成调研报告8篇。"]


def test_it_reads_arabic_numbered_problems_with_a_results_label() -> None:
    text = """二、整改落实情况
1、关于“学习新思想不深入”问题的整改。整改结果及成效：一是思想理论学习学深悟透。\
组织专题学习25次。二是主题教育成果深化巩固。督促整改问题22个。
2、关于“创新驱动能力较弱”问题的整改。整改结果及成效：一是重点打造科技创新先导区。\
二是加快建设三创载体。三是着力提升招才引智成效。
"""
    result = parse_feedback(text)

    assert titles(result) == ["学习新思想不深入", "创新驱动能力较弱"]
    assert measure_texts(result.problems[0]) == [
        "思想理论学习学深悟透。组织专题学习25次。",
        "主题教育成果深化巩固。督促整改问题22个。",
    ]
    assert measure_counts(result) == [2, 3]


THREE_LEVELS = """二、整改落实情况
（一）在“学习贯彻党的创新理论”方面
1.关于“学习领会不够深刻”问题的整改
（1）制定理论学习中心组学习计划，全年开展专题学习12次。
（2）举办读书班2期。
2.关于“运用党的创新理论指导实践不够”问题的整改
（1）开展专题调研。
（2）形成调研报告5篇。
（3）建立成果转化机制。
（二）在“全面从严治党”方面
1.关于“主体责任落实不到位”问题的整改
（1）制定主体责任清单。
"""


def test_it_reads_three_levels_of_aspect_problem_and_numbered_measures() -> None:
    result = parse_feedback(THREE_LEVELS)

    assert result.aspects == ["学习贯彻党的创新理论", "全面从严治党"]
    assert [(p.aspect, p.seq, p.title) for p in result.problems] == [
        ("学习贯彻党的创新理论", 1, "学习领会不够深刻"),
        ("学习贯彻党的创新理论", 2, "运用党的创新理论指导实践不够"),
        ("全面从严治党", 3, "主体责任落实不到位"),
    ]
    assert measure_texts(result.problems[0]) == [
        "制定理论学习中心组学习计划，全年开展专题学习12次。",
        "举办读书班2期。",
    ]
    assert measure_counts(result) == [2, 3, 1]


def test_it_numbers_problems_across_the_document_and_measures_within_each_problem() -> None:
    result = parse_feedback(THREE_LEVELS)

    assert [p.seq for p in result.problems] == [1, 2, 3]
    assert [[m.seq for m in p.measures] for p in result.problems] == [[1, 2], [1, 2, 3], [1]]
    assert result.warnings == []


def test_it_keeps_numbered_sub_problems_inside_the_problem_in_four_level_reports() -> None:
    text = """(一)在“贯彻落实上级决策部署不够有力，党组领导核心作用发挥不足”方面
1.关于“学习贯彻上级重大决策部署不够到位”问题的整改
(1)关于“学思践悟不深不透”问题的整改情况：局党组组织专题学习3次。
(2)关于“落实上级部署不力”问题的整改情况：制定工作方案。
2.关于“党组领导核心作用发挥不足”问题的整改
(1)关于“议事规则不健全”问题的整改情况：修订议事规则。
"""
    result = parse_feedback(text)

    assert result.aspects == ["贯彻落实上级决策部署不够有力，党组领导核心作用发挥不足"]
    assert titles(result) == ["学习贯彻上级重大决策部署不够到位", "党组领导核心作用发挥不足"]
    assert measure_texts(result.problems[0]) == [
        "关于“学思践悟不深不透”问题的整改情况：局党组组织专题学习3次。",
        "关于“落实上级部署不力”问题的整改情况：制定工作方案。",
    ]


def test_it_takes_the_middle_level_as_problems_when_three_levels_all_read_guanyu() -> None:
    text = """（一）关于“学习贯彻党的创新理论不够深入”问题的整改
1.关于“学习领会不够深刻”问题的整改
（1）关于“学习计划不落实”问题：制定学习计划。
（2）关于“研讨走过场”问题：开展专题研讨。
2.关于“运用创新理论指导实践不够”问题的整改
（1）关于“调研不够”问题：开展专题调研。
"""
    result = parse_feedback(text)

    assert result.aspects == ["学习贯彻党的创新理论不够深入"]
    assert titles(result) == ["学习领会不够深刻", "运用创新理论指导实践不够"]
    assert measure_counts(result) == [2, 1]


def test_it_treats_an_outer_problem_with_sub_problems_as_an_aspect() -> None:
    text = """（一）关于“学习贯彻党的创新理论不够深入”问题的整改
1.关于“学习领会不够深刻”问题的整改
一是建立学习制度。二是开展专题研讨。
2.关于“运用创新理论指导实践不够”问题的整改
一是开展专题调研。
（二）关于“落实全面从严治党主体责任不到位”问题的整改
1.关于“管党治党宽松软”问题的整改
一是制定责任清单。
"""
    result = parse_feedback(text)

    assert result.aspects == ["学习贯彻党的创新理论不够深入", "落实全面从严治党主体责任不到位"]
    assert [(p.aspect, p.title) for p in result.problems] == [
        ("学习贯彻党的创新理论不够深入", "学习领会不够深刻"),
        ("学习贯彻党的创新理论不够深入", "运用创新理论指导实践不够"),
        ("落实全面从严治党主体责任不到位", "管党治党宽松软"),
    ]
    assert measure_counts(result) == [2, 1, 1]


def test_it_does_not_take_the_section_heading_about_feedback_problems_for_an_aspect() -> None:
    text = """二、关于巡察反馈问题的整改落实情况
（一）关于“学习领会不够深刻”问题的整改
一是建立学习制度。
（二）关于“推动发展不够有力”问题的整改
一是制定行动方案。
"""
    result = parse_feedback(text)

    assert result.aspects == []
    assert [(p.aspect, p.title) for p in result.problems] == [
        (None, "学习领会不够深刻"),
        (None, "推动发展不够有力"),
    ]


def test_it_leaves_aspect_empty_when_the_text_has_no_aspects() -> None:
    result = parse_feedback(FORMAT_ONE)

    assert result.aspects == []
    assert [p.aspect for p in result.problems] == [None, None]


def test_it_takes_a_single_paragraph_without_yishi_as_one_measure() -> None:
    text = """（一）关于“调查研究不够深入”问题的整改
县委制定《调查研究工作办法》，县级领导每人领办1个调研课题，形成调研报告18篇。
（二）关于“基层减负不到位”问题的整改
整改情况：精简会议文件，全年发文数量同比下降30%。
"""
    result = parse_feedback(text)

    assert measure_texts(result.problems[0]) == [
        "县委制定《调查研究工作办法》，县级领导每人领办1个调研课题，形成调研报告18篇。"
    ]
    assert measure_texts(result.problems[1]) == ["精简会议文件，全年发文数量同比下降30%。"]


def test_it_parses_text_broken_across_lines_mid_sentence() -> None:
    flat = parse_feedback(FORMAT_ONE + THREE_LEVELS.replace("二、整改落实情况\n", ""))
    wrapped_text = wrap_like_a_newspaper(
        FORMAT_ONE + THREE_LEVELS.replace("二、整改落实情况\n", "")
    )
    assert max(len(line) for line in wrapped_text.splitlines()) == 15

    wrapped = parse_feedback(wrapped_text)

    assert wrapped.to_dict() == flat.to_dict()
    assert titles(wrapped) == [
        "学习领会不够深刻",
        "运用党的创新理论推动发展不够有力",
        "学习领会不够深刻",
        "运用党的创新理论指导实践不够",
        "主体责任落实不到位",
    ]
    assert wrapped.problems[1].measures[1].text == "开展专题调研，形成调研报告6篇。"


def test_it_reads_chapter_numbers_up_to_the_forties() -> None:
    numerals = ["一", "二", "三", "四", "五", "六", "七", "八", "九"]
    chapter_names = []
    for number in range(1, 50):
        tens, ones = divmod(number, 10)
        head = "" if tens == 0 else ("十" if tens == 1 else numerals[tens - 1] + "十")
        chapter_names.append(head + (numerals[ones - 1] if ones else ""))
    text = "\n".join(
        f"（{name}）关于“短板{number}”问题的整改\n一是措施甲{number}。\n二是措施乙{number}。"
        for number, name in enumerate(chapter_names, start=1)
    )
    assert chapter_names[-1] == "四十九"

    result = parse_feedback(text)

    assert titles(result) == [f"短板{number}" for number in range(1, 50)]
    assert measure_counts(result) == [2] * 49
    assert result.problems[48].measures[1].text == "措施乙49。"
    assert result.warnings == []


def test_it_accepts_full_width_and_half_width_brackets_and_punctuation() -> None:
    text = """(一)关于"学习领会不够深刻"问题的整改
一是建立学习制度;二是开展专题研讨.
（二）关于“推动发展不够有力”问题的整改：
一是制定行动方案；二是开展专题调研。
"""
    result = parse_feedback(text)

    assert titles(result) == ["学习领会不够深刻", "推动发展不够有力"]
    assert measure_texts(result.problems[0]) == ["建立学习制度", "开展专题研讨."]
    assert measure_texts(result.problems[1]) == ["制定行动方案", "开展专题调研。"]


def test_it_accepts_every_arabic_number_punctuation() -> None:
    text = """1．关于“甲问题表现”问题的整改
一是措施一。
2.关于“乙问题表现”问题的整改
一是措施二。
３、关于“丙问题表现”问题的整改
一是措施三。
"""
    result = parse_feedback(text)

    assert titles(result) == ["甲问题表现", "乙问题表现", "丙问题表现"]
    assert [p.measures[0].text for p in result.problems] == ["措施一。", "措施二。", "措施三。"]


def test_it_accepts_any_kind_of_quotes_around_a_title() -> None:
    text = """（一）关于“全角引号”问题的整改
一是甲。
（二）关于"半角引号"问题的整改
一是乙。
（三）关于「直角引号」问题的整改
一是丙。
"""
    result = parse_feedback(text)

    assert titles(result) == ["全角引号", "半角引号", "直角引号"]


def test_it_takes_the_title_between_guanyu_and_wenti_when_unquoted() -> None:
    text = """（三）关于落实全面从严治党主体责任不够到位问题的整改
一是制定主体责任清单。二是开展警示教育。
（四）关于解决群众急难愁盼问题不够有力问题的整改
一是建立民生实事项目库。
"""
    result = parse_feedback(text)

    assert titles(result) == ["落实全面从严治党主体责任不够到位", "解决群众急难愁盼问题不够有力"]
    assert measure_counts(result) == [2, 1]


def test_it_takes_the_title_between_guanyu_and_fangmian_when_unquoted() -> None:
    text = """（一）关于干部队伍建设方面的整改
一是优化班子结构。
（二）关于基层组织建设方面的整改
一是整顿软弱涣散党组织。二是选派第一书记。
"""
    result = parse_feedback(text)

    assert titles(result) == ["干部队伍建设", "基层组织建设"]
    assert measure_counts(result) == [1, 2]
    assert result.aspects == []


def test_it_strips_ordinal_markers_up_to_twenty() -> None:
    numerals = "一二三四五六七八九"
    ordinals = [numerals[n - 1] if n < 10 else "十" + numerals[n - 11] for n in range(1, 20)]
    ordinals[9] = "十"
    ordinals.append("二十")
    body = "".join(f"{ordinal}是措施{n}。" for n, ordinal in enumerate(ordinals, start=1))
    text = f"（一）关于“整改任务较多”问题的整改\n{body}\n"

    result = parse_feedback(text)

    assert measure_texts(result.problems[0]) == [f"措施{n}。" for n in range(1, 21)]


def test_it_splits_circled_number_lists() -> None:
    text = "（一）关于“台账管理不规范”问题的整改：①建立整改台账；②定期调度进度；③严格对账销号。\n"

    result = parse_feedback(text)

    assert measure_texts(result.problems[0]) == ["建立整改台账", "定期调度进度", "严格对账销号。"]


def test_it_splits_parenthesised_number_lists() -> None:
    text = """（一）关于“制度执行不严格”问题的整改
（1）修订议事规则。（2）开展制度执行评估。
（二）关于“监督不到位”问题的整改
(1)建立监督清单。(2)开展专项检查。(3)通报典型问题。
"""
    result = parse_feedback(text)

    assert measure_texts(result.problems[0]) == ["修订议事规则。", "开展制度执行评估。"]
    assert measure_counts(result) == [2, 3]


def test_it_does_not_split_on_yishi_in_the_middle_of_a_sentence() -> None:
    text = """（一）关于“考核标准不统一”问题的整改
制定考核办法，把群众满意作为唯
一是否合格的标准。
"""
    result = parse_feedback(text)

    assert measure_texts(result.problems[0]) == ["制定考核办法，把群众满意作为唯一是否合格的标准。"]


def test_it_reads_a_report_pasted_as_a_single_line() -> None:
    text = (
        "二、整改落实情况（一）关于“学习贯彻党的创新理论不够深入”问题的整改"
        "1.关于“学习领会不够深刻”问题的整改。第一，建立学习制度。第二，开展专题研讨。"
        "2.关于“运用创新理论指导实践不够”等问题的整改。一是开展专题调研。"
        "三、下一步工作安排 持续巩固整改成果。"
    )
    assert "\n" not in text

    result = parse_feedback(text)

    assert result.aspects == ["学习贯彻党的创新理论不够深入"]
    assert titles(result) == ["学习领会不够深刻", "运用创新理论指导实践不够"]
    assert measure_texts(result.problems[0]) == ["建立学习制度。", "开展专题研讨。"]
    assert measure_texts(result.problems[1]) == ["开展专题调研。"]


def test_it_keeps_quotes_that_mark_a_phrase_inside_an_unquoted_title() -> None:
    text = """（一）关于落实“第一议题”制度不严格问题的整改
建立“第一议题”学习台账。
（二）关于“学习领会‘两个确立’不够深刻”问题的整改
开展专题研讨。
"""
    result = parse_feedback(text)

    assert titles(result) == ["落实“第一议题”制度不严格", "学习领会‘两个确立’不够深刻"]


def test_it_stops_a_problem_at_the_next_outer_heading() -> None:
    text = """二、整改落实情况
（一）已整改完成的问题
针对巡察反馈意见指出的问题，共计2个问题已整改完成。
1、关于“甲问题”问题的整改。
一是措施一。
2、关于“乙问题”问题的整改。
一是措施二。二是措施三。
（二）正在推进整改的问题
共计1个问题正在推进。
3、关于“丙问题”问题的整改。
一是措施四。
三、下一步工作打算
继续推进。
"""
    result = parse_feedback(text)

    assert titles(result) == ["甲问题", "乙问题", "丙问题"]
    assert measure_texts(result.problems[1]) == ["措施二。", "措施三。"]
    assert measure_texts(result.problems[2]) == ["措施四。"]
    assert result.warnings == []


def test_it_keeps_a_list_inside_a_measure_in_that_measure() -> None:
    text = """1、关于“台账管理不规范”问题的整改。
一是完善台账制度，主要包括：
（一）建立整改台账；（二）定期调度进度。
二是严格对账销号。
2、关于“督查不到位”问题的整改。
一是开展专项督查。
"""
    result = parse_feedback(text)

    assert measure_texts(result.problems[0]) == [
        "完善台账制度，主要包括：（一）建立整改台账；（二）定期调度进度。",
        "严格对账销号。",
    ]
    assert titles(result) == ["台账管理不规范", "督查不到位"]


def test_it_ends_a_problem_at_the_next_number_even_when_that_heading_is_not_a_problem() -> None:
    text = """（一）关于“学习领会不够深刻”问题的整改
一是建立学习制度。
（二）关于“推动发展不够有力”问题的整改
一是制定行动方案。
（三）持续巩固整改成果。县委将把整改与日常工作结合起来。
"""
    result = parse_feedback(text)

    assert measure_texts(result.problems[1]) == ["制定行动方案。"]
    assert result.warnings == [
        "“（三）持续巩固整改成果。县委将把整改与日常工作结合起来。…”编号紧接上一个问题，"
        "但不是“关于……问题”格式，已忽略。"
    ]


# ---------------------------------------------------------------------------
# Declared totals

ONE_PROBLEM = "\n二、整改落实情况\n（一）关于“学习不深入”问题的整改\n一是加强学习。\n"


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("将巡察反馈意见中指出的4项13个问题，细化分解为80条整改措施。", Declared(4, 13, 80)),
        ("对照反馈的四个方面13项109条整改措施逐项推进。", Declared(4, 13, 109)),
        ("反馈意见指出的3个方面12个问题已全部制定措施。", Declared(3, 12, None)),
        ("县委制定整改措施56条。", Declared(None, None, 56)),
        ("针对三个方面十二个问题，制定整改措施一百零九条。", Declared(3, 12, 109)),
        ("截至目前，巡察反馈25个问题，已完成整改19个、正在整改6个。", Declared(None, 25, None)),
        ("其中11个问题已整改完成，反馈意见共指出13个问题。", Declared(None, 13, None)),
    ],
)
def test_it_reads_declared_totals_in_chinese_and_arabic_numerals(
    sentence: str, expected: Declared
) -> None:
    result = parse_feedback("根据市委统一部署，市委巡察组进行了巡察。" + sentence + ONE_PROBLEM)

    assert result.declared == expected


def test_it_leaves_declared_totals_empty_when_the_text_announces_none() -> None:
    result = parse_feedback(ONE_PROBLEM)

    assert result.declared == Declared(aspects=None, problems=None, measures=None)
    assert result.warnings == []


def test_it_warns_when_declared_and_found_totals_differ() -> None:
    problems = "\n".join(f"{n}.关于“问题表现{n}”问题的整改\n一是措施{n}。" for n in range(1, 13))
    text = f"反馈意见指出的13个问题，制定整改措施12条。\n{problems}\n"

    result = parse_feedback(text)

    assert len(result.problems) == 12
    assert result.warnings == ["文中称共13个问题，解析出12个。"]


def test_it_does_not_warn_when_declared_and_found_totals_agree() -> None:
    text = "反馈意见指出的1个方面2个问题，制定5条整改措施。\n" + THREE_LEVELS.split("（二）")[0]

    result = parse_feedback(text)

    assert result.declared == Declared(aspects=1, problems=2, measures=5)
    assert result.warnings == []


def test_it_warns_about_a_gap_in_problem_numbers() -> None:
    text = """1、关于“甲项不足”问题的整改。一是措施一。
2、关于“乙项不足”问题的整改。一是措施二。
4、关于“丁项不足”问题的整改。一是措施四。
"""
    result = parse_feedback(text)

    assert titles(result) == ["甲项不足", "乙项不足", "丁项不足"]
    assert result.warnings == ["问题编号不连续：2之后是4，可能有问题标题未识别。"]


# ---------------------------------------------------------------------------
# Output shape


def test_to_dict_has_exactly_the_documented_shape() -> None:
    result = parse_feedback("反馈意见指出的1个方面1个问题。\n" + THREE_LEVELS.split("2.关于")[0])

    assert result.to_dict() == {
        "declared": {"aspects": 1, "problems": 1, "measures": None},
        "problems": [
            {
                "aspect": "学习贯彻党的创新理论",
                "seq": 1,
                "title": "学习领会不够深刻",
                "measures": [
                    {"seq": 1, "text": "制定理论学习中心组学习计划，全年开展专题学习12次。"},
                    {"seq": 2, "text": "举办读书班2期。"},
                ],
            }
        ],
    }


def test_the_result_holds_typed_problems_and_measures() -> None:
    result = parse_feedback(ONE_PROBLEM)

    assert result.problems == [
        ParsedProblem(
            aspect=None, seq=1, title="学习不深入", measures=[ParsedMeasure(1, "加强学习。")]
        )
    ]


# ---------------------------------------------------------------------------
# Garbage


@pytest.mark.parametrize("text", ["", "   \n\t\u3000\n"])
def test_it_rejects_empty_text(text: str) -> None:
    with pytest.raises(FeedbackParseError, match="文本为空"):
        parse_feedback(text)


def test_it_rejects_english_prose() -> None:
    text = (
        "The committee met on Tuesday to discuss the quarterly budget. Several members raised "
        "concerns about travel expenses (1) and office supplies (2). No decision was taken.\n"
    ) * 20

    with pytest.raises(FeedbackParseError, match="几乎没有中文"):
        parse_feedback(text)


def test_it_rejects_chinese_text_without_any_problem() -> None:
    text = "今年以来，县委坚持以习近平新时代中国特色社会主义思想为指导，扎实推进各项工作。\n" * 5

    with pytest.raises(FeedbackParseError, match="^未识别出任何问题"):
        parse_feedback(text)


def test_it_does_not_take_numbers_and_symbols_in_quotes_for_a_title() -> None:
    text = "今年以来，县委扎实推进各项工作，成效明显。\n（一）“3、133”问题的整改\n一是加强学习。\n"

    with pytest.raises(FeedbackParseError, match="^未识别出任何问题"):
        parse_feedback(text)


def test_it_rejects_a_five_megabyte_blob() -> None:
    # Rejected on length before any matching: answers in about a millisecond.
    blob = os.urandom(5 * 1024 * 1024).decode("latin-1")

    with pytest.raises(FeedbackParseError, match="文本过长"):
        parse_feedback(blob)


def test_it_rejects_a_binary_blob_below_the_size_limit() -> None:
    blob = random.Random(1).randbytes(500_000).decode("latin-1")

    with pytest.raises(FeedbackParseError, match="无法识别的字符"):
        parse_feedback(blob)


def test_it_rejects_random_chinese_text_just_below_the_size_limit() -> None:
    # Random ideographs with the brackets, quotes and punctuation headings are made of, so
    # nearly every line start and punctuation mark is tried as a heading: about 1 s here.
    rng = random.Random(7)
    alphabet = [chr(code) for code in range(0x4E00, 0x9FA6)]
    alphabet += list("（）()“”、，。；：.123一二三是") * 400 + ["\n"] * 2000
    blob = "".join(rng.choices(alphabet, k=MAX_TEXT_CHARS - 1))

    with pytest.raises(FeedbackParseError, match="^未识别出任何问题"):
        parse_feedback(blob)
