"""Feedback text through the API: parse (nothing saved) and import into a round."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from findings.models import Aspect, Problem
from findings.parser import MAX_TEXT_CHARS
from rectification.models import Measure
from tests.factories import ProblemFactory, RoundFactory
from tests.samples import require_sample, samples_dir

pytestmark = pytest.mark.django_db

WUXI = samples_dir() / "wuxi-2021-xuncha-report.txt"
SIP = samples_dir() / "sip-2020-yearbook-xunshi.txt"

THREE_LEVELS = """
反馈意见指出的2个方面3个问题，细化为5条整改措施。
（一）在“党的领导”方面
1.关于“学习不深入”问题的整改
（1）制定学习计划。（2）开展专题研讨。
2.关于“决策不规范”问题的整改
（1）修订议事规则。
（二）在“党的建设”方面
1.关于“组织建设薄弱”问题的整改
（1）整顿软弱涣散党支部。（2）规范“三会一课”。
"""


def parse(client, text):
    return client.post(reverse("api:feedback-parse"), {"text": text})


def feedback_import(client, inspection_round, **data):
    return client.post(reverse("api:feedback-import"), {"round": inspection_round.pk, **data})


def needs_samples() -> None:
    require_sample(WUXI.name)
    require_sample(SIP.name)


def test_the_wuxi_report_parses_with_its_announced_and_found_totals(client_for, office):
    needs_samples()
    response = parse(client_for(office), WUXI.read_text(encoding="utf-8"))
    assert response.status_code == 200
    body = response.json()
    assert body["declared"] == {"aspects": 4, "problems": 13, "measures": 80}
    # The page printed here stops at 下转第6版: 7 of the 13 problems are on it.
    assert body["found"] == {"aspects": 0, "problems": 7, "measures": 22}
    assert body["mismatch"] == ["aspects", "problems", "measures"]
    assert body["problems"][0]["title"] == "学习新思想不深入"
    assert [len(p["measures"]) for p in body["problems"]] == [3, 3, 4, 3, 3, 2, 4]
    assert any("13" in warning for warning in body["warnings"])


def test_a_text_with_only_totals_is_answered_400_with_what_it_announced(client_for, office):
    needs_samples()
    response = parse(client_for(office), SIP.read_text(encoding="utf-8"))
    assert response.status_code == 400
    assert "38个问题" in response.json()["text"][0]


def test_a_three_level_feedback_parses_into_aspects(client_for, office):
    body = parse(client_for(office), THREE_LEVELS).json()
    assert body["aspects"] == ["党的领导", "党的建设"]
    assert body["found"] == {"aspects": 2, "problems": 3, "measures": 5}
    assert body["mismatch"] == []


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   \n  ",
        "The inspection team found several problems and the committee will fix them soon. " * 20,
        "x" * (MAX_TEXT_CHARS + 1),
        "问" * (5 * 1024 * 1024),
    ],
    ids=["empty", "blank", "english-prose", "just-over-the-cap", "five-megabytes"],
)
def test_garbage_input_answers_a_clear_400(client_for, office, text):
    response = parse(client_for(office), text)
    assert response.status_code == 400
    message = response.json()["text"][0]
    assert message and len(message) < 300


def test_parsing_saves_nothing(client_for, office):
    parse(client_for(office), THREE_LEVELS)
    assert not Problem.objects.exists()


def test_parsing_touches_no_table(client_for, office, django_assert_num_queries):
    client = client_for(office)
    with django_assert_num_queries(0):
        assert parse(client, THREE_LEVELS).status_code == 200


def test_import_saves_the_tree_with_blank_units_and_a_provisional_deadline(
    client_for, office, inspection_round
):
    response = feedback_import(client_for(office), inspection_round, text=THREE_LEVELS)
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["aspects_created"], body["problems_created"], body["measures_created"]) == (
        2,
        3,
        5,
    )
    # feedback on 20 June, the rectification report due two months later
    assert body["provisional_deadline"] == "2026-08-20"
    problems = Problem.objects.filter(round=inspection_round).order_by("seq")
    assert [(p.seq, p.aspect.title, p.title) for p in problems] == [
        (1, "党的领导", "学习不深入"),
        (2, "党的领导", "决策不规范"),
        (3, "党的建设", "组织建设薄弱"),
    ]
    measures = Measure.objects.filter(problem__round=inspection_round)
    assert measures.count() == 5
    assert set(measures.values_list("lead_unit", "deadline", "status")) == {
        (None, datetime.date(2026, 8, 20), Measure.Status.NOT_STARTED)
    }


def test_a_round_without_feedback_date_gets_a_deadline_two_months_out(
    client_for, office, shanghai_clock
):
    undated = RoundFactory(feedback_date=None)
    body = feedback_import(client_for(office), undated, text=THREE_LEVELS).json()
    # Two months from today in Shanghai (2026-11-20), not from the host's date.
    assert body["provisional_deadline"] == "2027-01-20"


def test_a_corrected_preview_tree_can_be_imported(client_for, office, inspection_round):
    tree = parse(client_for(office), THREE_LEVELS).json()["problems"]
    tree[0]["title"] = "理论学习不深入"
    del tree[2]["measures"][1]
    response = client_for(office).post(
        reverse("api:feedback-import"),
        {"round": inspection_round.pk, "problems": tree},
        format="json",
    )
    assert response.status_code == 201
    assert Problem.objects.get(round=inspection_round, seq=1).title == "理论学习不深入"
    assert Measure.objects.filter(problem__round=inspection_round).count() == 4


def test_import_appends_after_the_rounds_existing_problems(client_for, office, inspection_round):
    ProblemFactory(round=inspection_round, seq=1, title="已录入的问题")
    feedback_import(client_for(office), inspection_round, text=THREE_LEVELS)
    seqs = Problem.objects.filter(round=inspection_round).order_by("seq")
    assert list(seqs.values_list("seq", "title")) == [
        (1, "已录入的问题"),
        (2, "学习不深入"),
        (3, "决策不规范"),
        (4, "组织建设薄弱"),
    ]


def test_importing_the_same_text_twice_saves_it_once(client_for, office, inspection_round):
    client = client_for(office)
    assert feedback_import(client, inspection_round, text=THREE_LEVELS).status_code == 201
    second = feedback_import(client, inspection_round, text=THREE_LEVELS)
    assert second.status_code == 409
    assert "学习不深入" in second.json()["detail"]
    assert Problem.objects.filter(round=inspection_round).count() == 3
    assert Aspect.objects.filter(round=inspection_round).count() == 2


def test_an_unreadable_text_imports_nothing(client_for, office, inspection_round):
    response = feedback_import(client_for(office), inspection_round, text="nothing here")
    assert response.status_code == 400
    assert not Problem.objects.filter(round=inspection_round).exists()


def test_text_and_tree_together_are_refused(client_for, office, inspection_round):
    response = client_for(office).post(
        reverse("api:feedback-import"),
        {"round": inspection_round.pk, "text": THREE_LEVELS, "problems": []},
        format="json",
    )
    assert response.status_code == 400


@pytest.mark.parametrize("who", ["liaison_a", "leader"])
def test_only_office_staff_may_import(client_for, people, inspection_round, who):
    response = feedback_import(client_for(people[who]), inspection_round, text=THREE_LEVELS)
    assert response.status_code == 403
    assert not Problem.objects.exists()


def test_an_unknown_round_answers_404(client_for, office):
    response = client_for(office).post(
        reverse("api:feedback-import"), {"round": 999999, "text": THREE_LEVELS}
    )
    assert response.status_code == 404


def test_parsing_needs_a_signed_in_user(client_for):
    assert parse(client_for(None), THREE_LEVELS).status_code == 403
