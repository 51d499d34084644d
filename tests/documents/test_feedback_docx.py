"""Word feedback in: numbering recovered, tables read by row, hostile files refused."""

from __future__ import annotations

import io
import os

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from documents.docx_in import read_feedback_file
from findings.models import Problem
from findings.parser import parse_feedback
from rectification.models import Measure

from .word import (
    as_bytes,
    many_entries,
    merge_down,
    numbered_document,
    table_document,
    with_header_and_footer,
    zip_bomb,
)

pytestmark = pytest.mark.django_db

# The text twin: what the Word file shows on screen, with its numbers typed.
TWIN = """反馈意见指出的2个问题，细化为4条整改措施。
（一）关于“学习贯彻党的创新理论不深入”问题的整改
1.建立理论学习中心组学习制度。
2.开展专题读书班。
（二）关于“落实主体责任不到位”问题的整改
1.制定主体责任清单。
2.开展警示教育。
"""
# The same document with the numbers produced by Word's numbering.xml (level 0 prints （一）,
# level 1 prints 1. and restarts under each problem).
NUMBERED = [
    (None, "反馈意见指出的2个问题，细化为4条整改措施。"),
    (0, "关于“学习贯彻党的创新理论不深入”问题的整改"),
    (1, "建立理论学习中心组学习制度。"),
    (1, "开展专题读书班。"),
    (0, "关于“落实主体责任不到位”问题的整改"),
    (1, "制定主体责任清单。"),
    (1, "开展警示教育。"),
]

TABLE_HEADER = ["序号", "反馈问题", "整改措施", "责任单位", "完成时限"]
TABLE_ROWS: list[list[str | list[str]]] = [
    ["1", "学习贯彻党的创新理论不深入", ["建立学习制度", "开展专题读书班"], "办公室", "2026年12月"],
    ["2", "落实主体责任不到位", "制定主体责任清单。", "组织科", "2026年12月"],
    ["", "", "开展警示教育", "纪检组", "长期坚持"],
]


OLD_DOC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 4096


def upload(content: bytes, name: str = "反馈意见.docx") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


def test_word_automatic_numbering_parses_to_the_same_tree_as_its_text_twin() -> None:
    document = numbered_document(NUMBERED)
    # No paragraph of the file holds a typed number: they come from numbering.xml.
    assert not any(p.text.startswith(("（", "1.", "2.")) for p in document.paragraphs)

    text = read_feedback_file(io.BytesIO(as_bytes(document)))

    assert parse_feedback(text).to_dict() == parse_feedback(TWIN).to_dict()
    assert [p.title for p in parse_feedback(text).problems] == [
        "学习贯彻党的创新理论不深入",
        "落实主体责任不到位",
    ]


def test_headers_and_footers_of_the_word_file_are_ignored() -> None:
    document = numbered_document(NUMBERED)
    with_header_and_footer(document, "关于“页眉里的标题”问题的整改", "第1页 共3页")

    text = read_feedback_file(io.BytesIO(as_bytes(document)))

    assert "页眉" not in text and "共3页" not in text
    assert len(parse_feedback(text).problems) == 2


def test_a_table_of_problems_and_measures_is_read_row_by_row() -> None:
    document = table_document(TABLE_HEADER, TABLE_ROWS)

    result = parse_feedback(read_feedback_file(io.BytesIO(as_bytes(document))))

    assert [(p.title, [m.text for m in p.measures]) for p in result.problems] == [
        ("学习贯彻党的创新理论不深入", ["建立学习制度", "开展专题读书班"]),
        ("落实主体责任不到位", ["制定主体责任清单。", "开展警示教育"]),
    ]


def test_a_problem_cell_merged_down_several_rows_keeps_its_measures_together() -> None:
    rows = [
        ["1", "落实主体责任不到位", "制定主体责任清单", "组织科", ""],
        ["", "落实主体责任不到位", "开展警示教育", "纪检组", ""],
        ["2", "选人用人不规范", "修订干部选拔任用办法", "组织科", ""],
    ]
    document = table_document(TABLE_HEADER, rows)
    merge_down(document, 1, 1, 2)

    result = parse_feedback(read_feedback_file(io.BytesIO(as_bytes(document))))

    assert [(p.title, len(p.measures)) for p in result.problems] == [
        ("落实主体责任不到位", 2),
        ("选人用人不规范", 1),
    ]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (lambda: zip_bomb(200), "unpacks to too much"),
        (lambda: os.urandom(12 * 1024 * 1024), "larger than"),
        (lambda: OLD_DOC, "save it as .docx"),
        (lambda: "关于“甲”问题的整改\n一是乙。".encode(), "not a Word"),
        (lambda: many_entries(5000), "too many parts"),
    ],
    ids=["zip-bomb", "twelve-megabytes", "old-doc", "plain-text", "many-entries"],
)
def test_a_hostile_or_wrong_file_is_refused_quickly_with_a_clear_400(
    client_for, office, content, message
):
    hostile = upload(content())
    response = client_for(office, language="en").post(
        reverse("api:feedback-parse"), {"file": hostile}, format="multipart"
    )

    # How fast each is refused is measured in docs/security.md, not asserted here.
    assert response.status_code == 400
    assert message in response.json()["file"][0]


def test_a_file_past_the_request_cap_is_refused_before_its_body_is_read(client_for, office):
    response = client_for(office, language="en").post(
        reverse("api:feedback-parse"),
        {"file": upload(os.urandom(50 * 1024 * 1024))},
        format="multipart",
    )

    assert response.status_code == 413
    assert response.json()["code"] == "request_too_large"
    assert "the limit is 21 MB" in response.json()["detail"]


def test_parse_takes_a_word_file_in_place_of_text_with_the_same_answer(client_for, office):
    client = client_for(office)
    from_file = client.post(
        reverse("api:feedback-parse"),
        {"file": upload(as_bytes(numbered_document(NUMBERED)))},
        format="multipart",
    )
    from_text = client.post(reverse("api:feedback-parse"), {"text": TWIN})

    assert from_file.status_code == 200
    assert from_file.json() == from_text.json()


def test_text_and_file_together_are_refused(client_for, office):
    response = client_for(office).post(
        reverse("api:feedback-parse"),
        {"text": TWIN, "file": upload(as_bytes(numbered_document(NUMBERED)))},
        format="multipart",
    )
    assert response.status_code == 400


def test_import_takes_a_word_file_and_saves_its_tree(client_for, office, inspection_round):
    response = client_for(office).post(
        reverse("api:feedback-import"),
        {
            "round": inspection_round.pk,
            "file": upload(as_bytes(table_document(TABLE_HEADER, TABLE_ROWS))),
        },
        format="multipart",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["measures_created"] == 4
    assert Measure.objects.filter(problem__round=inspection_round).count() == 4


def test_a_hostile_file_imports_nothing(client_for, office, inspection_round):
    response = client_for(office).post(
        reverse("api:feedback-import"),
        {"round": inspection_round.pk, "file": upload(zip_bomb(100))},
        format="multipart",
    )
    assert response.status_code == 400
    assert not Problem.objects.exists()


def test_parsing_a_word_file_touches_no_table(client_for, office, django_assert_num_queries):
    client = client_for(office)
    content = as_bytes(numbered_document(NUMBERED))
    # Reading and parsing the file is pure: the only queries would be the session's.
    with django_assert_num_queries(0):
        response = client.post(
            reverse("api:feedback-parse"), {"file": upload(content)}, format="multipart"
        )
    assert response.status_code == 200


# ---------------------------------------------------------------------------
# The page


def page(inspection_round) -> str:
    return f"{reverse('feedback-import-page')}?round={inspection_round.pk}"


def signed_in(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(user)
    return client


def test_a_dropped_word_file_fills_the_text_box_and_previews_then_imports_the_text(
    office, inspection_round
):
    client = signed_in(office)
    response = client.post(
        page(inspection_round),
        {"file": upload(as_bytes(numbered_document(NUMBERED))), "preview": ""},
    )
    assert response.status_code == 200
    assert response.context["preview"]["found"]["problems"] == 2
    text = response.context["form"]["text"].value()
    assert text.startswith("反馈意见指出的2个问题") and "（二）关于" in text
    assert not Problem.objects.exists()

    # The office corrects the text in the box, then imports it.
    corrected = text.replace("开展警示教育", "开展警示教育大会")
    response = client.post(page(inspection_round), {"text": corrected, "import": ""})
    assert response.status_code == 302
    assert Measure.objects.filter(text="开展警示教育大会。").exists()


def test_a_hostile_file_on_the_page_is_shown_back_with_the_reason(office, inspection_round):
    response = signed_in(office).post(
        page(inspection_round), {"file": upload(zip_bomb(100)), "preview": ""}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["file"]
    assert not Problem.objects.exists()
