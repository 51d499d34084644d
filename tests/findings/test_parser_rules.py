"""One test per format rule of the feedback parser seen in further published reports."""

from __future__ import annotations

import pytest

from findings.parser import Declared, ParseResult, parse_feedback


def titles(result: ParseResult) -> list[str]:
    return [problem.title for problem in result.problems]


def measures(result: ParseResult) -> list[list[str]]:
    return [[measure.text for measure in problem.measures] for problem in result.problems]


# ---------------------------------------------------------------------------
# Titles


def test_a_quoted_title_that_ends_in_wenti_is_a_problem_with_that_whole_title() -> None:
    text = """（一）关于“理论学习流于形式问题”的整改
一是修订学习制度。
（二）关于“基层减负不到位问题”整改情况
一是精简文件。
"""
    result = parse_feedback(text)

    assert titles(result) == ["理论学习流于形式问题", "基层减负不到位问题"]
    assert measures(result) == [["修订学习制度。"], ["精简文件。"]]


def test_a_quoted_title_may_carry_its_own_single_quotes() -> None:
    text = """（一）关于“‘一岗双责’履行不到位”问题的整改
一是制定责任清单。
（二）关于"'三重一大'制度执行不严"问题的整改
一是修订议事规则。
"""
    result = parse_feedback(text)

    assert titles(result) == ["‘一岗双责’履行不到位", "'三重一大'制度执行不严"]


def test_a_quoted_title_may_nest_the_same_double_quotes() -> None:
    text = "（一）关于“落实“第一议题”制度不严格”问题的整改\n一是建立学习台账。\n"

    result = parse_feedback(text)

    assert titles(result) == ["落实“第一议题”制度不严格"]
    assert measures(result) == [["建立学习台账。"]]


# ---------------------------------------------------------------------------
# Measures


@pytest.mark.parametrize(
    "body",
    [
        "1.建立学习制度。\n2.开展专题研讨。\n",
        "1、建立学习制度。2、开展专题研讨。\n",
        "（1）建立学习制度。\n（2）开展专题研讨。\n",
        "①建立学习制度。②开展专题研讨。\n",
        "第一，建立学习制度。第二，开展专题研讨。\n",
        "一是建立学习制度。二是开展专题研讨。\n",
    ],
    ids=["arabic-dot", "arabic-comma", "parenthesised", "circled", "di-yi", "yi-shi"],
)
def test_measures_may_be_numbered_any_usual_way(body: str) -> None:
    text = (
        f"（一）关于“学习不深入”问题的整改\n{body}（二）关于“推动不力”问题的整改\n一是制定方案。\n"
    )

    result = parse_feedback(text)

    assert measures(result) == [["建立学习制度。", "开展专题研讨。"], ["制定方案。"]]


# ---------------------------------------------------------------------------
# Problems announced by a label


def test_a_problem_announced_as_wenti_yi_takes_the_rest_of_its_sentence_as_title() -> None:
    text = """问题一：学习贯彻党的创新理论不够深入。
整改措施：1.建立学习制度。2.开展专题研讨。
问题二：落实主体责任不到位
整改措施：1.制定责任清单。
"""
    result = parse_feedback(text)

    assert titles(result) == ["学习贯彻党的创新理论不够深入", "落实主体责任不到位"]
    assert measures(result) == [["建立学习制度。", "开展专题研讨。"], ["制定责任清单。"]]
    assert result.warnings == []


def test_a_problem_announced_in_square_brackets_is_numbered_in_order() -> None:
    text = """【问题】学习贯彻党的创新理论不够深入
【整改措施】一是建立学习制度。二是开展专题研讨。
【问题】落实主体责任不到位
【整改措施】制定责任清单。
"""
    result = parse_feedback(text)

    assert [(p.seq, p.title) for p in result.problems] == [
        (1, "学习贯彻党的创新理论不够深入"),
        (2, "落实主体责任不到位"),
    ]
    assert measures(result) == [["建立学习制度。", "开展专题研讨。"], ["制定责任清单。"]]
    assert result.warnings == []


def test_announced_problems_fall_under_aspect_headings() -> None:
    text = """一、党的领导方面
问题一：学习不深入。
整改措施：一是建立学习制度。
二、党的建设方面
问题二：组织生活不规范。
整改措施：一是规范组织生活。
"""
    result = parse_feedback(text)

    assert result.aspects == ["党的领导", "党的建设"]
    assert [(p.aspect, p.title) for p in result.problems] == [
        ("党的领导", "学习不深入"),
        ("党的建设", "组织生活不规范"),
    ]


# ---------------------------------------------------------------------------
# Aspects under 一、


def test_problems_grouped_under_yi_headings_take_those_headings_as_aspects() -> None:
    text = """一、关于党的领导方面存在的问题
1.关于“学习不深入”问题的整改
一是加强学习。
2.关于“推动不力”问题的整改
一是制定方案。
二、关于党的建设方面存在的问题
1.关于“组织生活不规范”问题的整改
一是规范组织生活。
"""
    result = parse_feedback(text)

    assert result.aspects == ["党的领导", "党的建设"]
    assert [(p.aspect, p.seq, p.title) for p in result.problems] == [
        ("党的领导", 1, "学习不深入"),
        ("党的领导", 2, "推动不力"),
        ("党的建设", 3, "组织生活不规范"),
    ]
    assert result.warnings == []


# ---------------------------------------------------------------------------
# Trailing sections


def test_a_numbered_next_steps_section_is_never_read_as_problems() -> None:
    text = """二、整改落实情况
（一）关于“学习不深入”问题的整改
一是加强学习。
三、下一步工作打算
（一）关于“长效机制不健全”问题的持续整改
持续巩固整改成果。
"""
    result = parse_feedback(text)

    assert titles(result) == ["学习不深入"]
    assert measures(result) == [["加强学习。"]]


def test_an_unnumbered_next_steps_line_ends_the_problems() -> None:
    text = """（一）关于“学习不深入”问题的整改
一是加强学习。
下一步工作打算
（二）关于“成果运用不够”问题的巩固
持续巩固。
"""
    result = parse_feedback(text)

    assert titles(result) == ["学习不深入"]


def test_a_contact_paragraph_and_post_box_are_never_read_as_a_problem() -> None:
    text = """（一）关于“学习不深入”问题的整改
一是加强学习。
联系电话：0510-1234567。
邮政信箱：某某市1号信箱（关于“整改不到位”问题的来信请寄此处）。
"""
    result = parse_feedback(text)

    assert titles(result) == ["学习不深入"]
    assert measures(result) == [["加强学习。"]]


def test_a_next_step_inside_a_measure_list_does_not_end_the_problems() -> None:
    text = """（一）关于“学习不深入”问题的整改
（1）建立学习制度。
（2）下一步将继续开展专题研讨。
（二）关于“推动不力”问题的整改
（1）制定方案。
"""
    result = parse_feedback(text)

    assert titles(result) == ["学习不深入", "推动不力"]
    assert measures(result)[0] == ["建立学习制度。", "下一步将继续开展专题研讨。"]


# ---------------------------------------------------------------------------
# Declared totals


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("反馈意见指出的三十五个问题，细化为一百一十二条措施。", Declared(None, 35, 112)),
        ("梳理出五个方面二十三个问题，制定整改措施九十八条。", Declared(5, 23, 98)),
        ("共反馈问题一百零五个，制定措施两百条。", Declared(None, 105, 200)),
    ],
)
def test_declared_totals_written_in_chinese_numerals_read_right(
    sentence: str, expected: Declared
) -> None:
    result = parse_feedback(sentence + "\n（一）关于“学习不深入”问题的整改\n一是加强学习。\n")

    assert result.declared == expected
