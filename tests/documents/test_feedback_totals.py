"""The feedback preview compares only the totals a text states as its own, and says which
sentence each total was read from: a report that quotes its plan's "四个方面13项109条整改措施"
and then lists its own 35 problems raises no alarm."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from documents.feedback import preview
from findings.parser import parse_feedback
from tests.samples import require_sample

pytestmark = pytest.mark.django_db

CN = "一二三四五六七八九十"


def cn(n: int) -> str:
    return (
        CN[n - 1]
        if n <= 10
        else ("十" if n < 20 else CN[n // 10 - 1] + "十") + (CN[n % 10 - 1] if n % 10 else "")
    )


# The opening of a published progress report (整改进展情况的通报), in the words such reports
# use, with the plan's totals quoted; then its 35 problems, each with two measures.
PLAN_SENTENCE = (
    "对照巡视反馈意见，区委制定《整改工作方案》，明确四个方面13项109条整改措施，逐项推进。"
)
REPORT = (
    "根据省委统一部署，2023年3月至5月，省委第三巡视组对区委进行了巡视。6月20日，"
    "巡视组向区委反馈了巡视意见。按照党务公开原则和巡视工作有关要求，现将巡视整改进展情况"
    "予以公布。\n一、整改工作组织情况\n区委召开常委会会议专题研究部署整改工作。"
    + PLAN_SENTENCE
    + "\n二、整改落实情况\n"
    + "".join(
        f"（{cn(n)}）关于“问题表现第{n}项”问题的整改\n一是完善第{n}项制度。二是开展第{n}项检查。\n"
        for n in range(1, 36)
    )
    + "三、下一步工作打算\n区委将持续巩固整改成果。\n"
)


def test_the_plans_totals_are_shown_but_not_compared_with_the_reports_own_problems():
    result = parse_feedback(REPORT)
    assert len(result.problems) == 35
    assert (result.declared.aspects, result.declared.problems, result.declared.measures) == (
        4,
        13,
        109,
    )
    assert result.declared.of_the_plan == {"aspects", "problems", "measures"}
    assert not [w for w in result.warnings if w.startswith("文中称共")]
    shown = preview(result)
    assert shown["mismatch"] == []
    assert shown["declared_sentences"] == [
        {
            "sentence": PLAN_SENTENCE,
            "kinds": ["aspects", "problems", "measures"],
            "of_the_plan": True,
        }
    ]


def test_totals_stated_as_the_reports_own_are_still_compared():
    own = REPORT.replace(PLAN_SENTENCE, "巡视反馈意见共指出4个方面13个问题。" + PLAN_SENTENCE)
    result = parse_feedback(own)
    assert result.declared.problems == 13 and "problems" not in result.declared.of_the_plan
    assert "文中称共13个问题，解析出35个。" in result.warnings
    shown = preview(result)
    assert "problems" in shown["mismatch"]
    assert shown["declared_sentences"][0]["sentence"] == "巡视反馈意见共指出4个方面13个问题。"
    assert shown["declared_sentences"][0]["of_the_plan"] is False


def test_the_preview_page_quotes_the_sentence_of_the_totals(office, inspection_round):
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(office)
    url = f"{reverse('feedback-import-page')}?round={inspection_round.pk}"
    content = client.post(url, {"text": REPORT, "preview": ""}).content.decode()
    assert f"“{PLAN_SENTENCE}”" in content
    assert 'class="badge colour-red"' not in content


def test_the_wuxi_reports_totals_come_from_its_sentence_about_the_feedback():
    text = require_sample("wuxi-2021-xuncha-report.txt").read_text(encoding="utf-8")
    result = parse_feedback(text)
    # "将巡察反馈意见中指出的4项13个问题，细化分解为80条整改措施": the problems are the
    # feedback's, the text's own; the sample stops at page 5, so they differ from what is found.
    assert "将巡察反馈意见中指出的4项13个问题" in result.declared.sentences["problems"]
    assert "problems" not in result.declared.of_the_plan
    assert "文中称共13个问题，解析出7个。" in result.warnings
