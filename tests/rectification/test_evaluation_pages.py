"""The evaluation and red-and-black list pages and files: scheme, scoring, publishing, the
list on the dashboard and per unit, the xlsx and docx, and what each costs in queries."""

from __future__ import annotations

import datetime
import io

import pytest
from django.test import Client
from docx import Document
from openpyxl import load_workbook

from documents.xlsx_out import plain_text
from supervision import evaluation
from supervision.models import Evaluation, EvaluationScheme, RedBlackList

from ..documents.printing import assert_prints_on_a4
from ..factories import UnitFactory
from .test_evaluation import _published, hand_built  # noqa: F401  (a fixture)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clock(shanghai_clock):
    return shanghai_clock


def signed_in(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(user)
    return client


def test_office_evaluates_scores_publishes_and_lists_from_the_pages(
    hand_built,  # noqa: F811
    inspection_round,
    office,
    office2,
    leader,
):
    page = signed_in(office)
    html = page.get(f"/rounds/{inspection_round.pk}/evaluation/").content.decode()
    assert 'data-item="completion"' in html and 'id="evaluate-form"' in html

    response = page.post(
        f"/rounds/{inspection_round.pk}/evaluation/", {"action": "evaluate", "as_of": "2026-11-20"}
    )
    made = Evaluation.objects.get()
    assert response["Location"] == f"/evaluations/{made.pk}/"
    unit_c = hand_built["C"]
    for key, score in (("evidence", 8), ("supervision", 9)):
        page.post(
            f"/evaluations/{made.pk}/score/",
            {"unit": unit_c.pk, "key": key, "score": score, "note": "良好"},
        )
    html = page.get(f"/evaluations/{made.pk}/").content.decode()
    assert f'data-unit="{unit_c.pk}" data-total="85.00" data-band="good"' in html

    # Whoever scored it cannot publish it: a second clerk does, and draws the list.
    refused = page.post(f"/evaluations/{made.pk}/publish/", follow=True)
    assert "未参与本评估评分" in refused.content.decode()
    made.refresh_from_db()
    assert made.status == "draft"
    page = signed_in(office2)
    page.post(f"/evaluations/{made.pk}/publish/")
    made.refresh_from_db()
    assert made.status == "published"
    response = page.post(
        f"/evaluations/{made.pk}/list/",
        {"period_label": "2026年第四季度", "best_count": 1, "worst_count": 1},
    )
    listing = RedBlackList.objects.get()
    assert response["Location"] == f"/red-black-lists/{listing.pk}/"
    assert [e["unit_name"] for e in listing.red] == ["丙单位"]
    # Only C was scored by hand, so A and B are rescaled over their automatic items:
    # A 41.67 × 100 ÷ 80 − 2 = 50.09, B 40 × 100 ÷ 80 = 50.00; B is last.
    assert [e["unit_name"] for e in listing.black] == ["乙单位"]

    # The leader sees the current list on the dashboard and the unit's history.
    dashboard = signed_in(leader).get("/dashboard/").content.decode()
    assert 'id="current-red-black"' in dashboard and "丙单位" in dashboard
    history = signed_in(leader).get(f"/red-black-lists/?unit={unit_c.pk}").content.decode()
    assert 'data-side="red"' in history


def test_the_scheme_form_refuses_weights_that_do_not_add_up(inspection_round, office):
    page = signed_in(office)
    post = {f"keep_{i['key']}": "1" for i in evaluation.DEFAULT_ITEMS}
    post.update({f"weight_{i['key']}": i["weight"] for i in evaluation.DEFAULT_ITEMS})
    post["weight_completion"] = 35
    response = page.post(f"/rounds/{inspection_round.pk}/evaluation/", post, follow=True)
    assert "100" in response.content.decode()
    assert not EvaluationScheme.objects.exists()
    post["weight_completion"] = 25
    post.update({"new_name": "群众满意度", "new_weight": 5})
    page.post(f"/rounds/{inspection_round.pk}/evaluation/", post)
    items = EvaluationScheme.objects.get().items
    assert items[-3]["name"] == "群众满意度" or items[-1]["name"] == "群众满意度"


def test_the_files_open_and_say_what_the_page_says(inspection_round, office, client_for):
    made = _published(
        inspection_round,
        office,
        [('=HYPERLINK("http://x")', "92.50", 0.9), ("乙局", "71.00", 0.4), ("丙局", "55.00", 0.2)],
    )
    listing = evaluation.red_black_publish(
        actor=office, evaluation_id=made.pk, best_count=1, worst_count=1
    )
    api = client_for(office)

    book = load_workbook(io.BytesIO(b"".join(api.get(f"/api/v1/evaluations/{made.pk}/xlsx/"))))
    rows = list(book["评估得分"].iter_rows(values_only=True))
    assert rows[2][1] == '\'=HYPERLINK("http://x")'  # neutralised, never a formula
    assert rows[2][-2:] == (92.5, "好") and rows[3][1] == "乙局"
    assert "评分方案" in book.sheetnames

    doc = Document(io.BytesIO(b"".join(api.get(f"/api/v1/evaluations/{made.pk}/docx/"))))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "百分制评估" in text and "评为“好”的1个" in text
    assert doc.tables[0].rows[2].cells[1].text == "乙局"

    book = load_workbook(
        io.BytesIO(b"".join(api.get(f"/api/v1/red-black-lists/{listing.pk}/xlsx/")))
    )
    values = [row for row in book["红黑榜"].iter_rows(values_only=True) if any(row)]
    assert values[1][0] == "红榜" and values[3][1] == '\'=HYPERLINK("http://x")'
    doc = Document(io.BytesIO(b"".join(api.get(f"/api/v1/red-black-lists/{listing.pk}/docx/"))))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "红黑榜的通报" in text and "一、红榜" in text and "二、黑榜" in text
    assert doc.tables[1].rows[1].cells[1].text == "丙局"


def test_the_evaluation_and_list_sheets_print_on_a4(inspection_round, office, client_for):
    made = _published(inspection_round, office, [("甲局", "92.50", 0.9), ("乙局", "55.00", 0.2)])
    listing = evaluation.red_black_publish(
        actor=office, evaluation_id=made.pk, best_count=1, worst_count=1
    )
    as_of = f"{made.as_of:%Y年%m月%d日}"
    api = client_for(office)
    book = load_workbook(io.BytesIO(b"".join(api.get(f"/api/v1/evaluations/{made.pk}/xlsx/"))))
    # The scores repeat their column heads (row 2, under the title row); the scheme its first.
    assert_prints_on_a4(book["评估得分"], title="百分制评估", as_of=as_of, rows="2:2")
    assert_prints_on_a4(book["评分方案"], title="评分方案", as_of=as_of)
    book = load_workbook(
        io.BytesIO(b"".join(api.get(f"/api/v1/red-black-lists/{listing.pk}/xlsx/")))
    )
    assert_prints_on_a4(book["红黑榜"], title="红黑榜", as_of=as_of, rows="3:3")


def test_plain_text_neutralises_every_formula_start():
    for start in ("=", "+", "-", "@", "\t", "\r"):
        assert plain_text(f"{start}1+1") == f"'{start}1+1"
    assert plain_text("正常文字") == "正常文字" and plain_text(5) == 5


def test_a_liaison_has_no_evaluation_pages(inspection_round, liaison_a):
    assert signed_in(liaison_a).get(f"/rounds/{inspection_round.pk}/evaluation/").status_code == 403


@pytest.mark.parametrize("rows", [5, 50])
def test_the_evaluation_pages_cost_the_same_for_5_or_50_units(
    rows, inspection_round, office, leader, client_for, django_assert_max_num_queries
):
    made = _published(
        inspection_round, office, [(f"单位{n:02d}", f"{50 + n % 50}.00", 0.5) for n in range(rows)]
    )
    listing = evaluation.red_black_publish(actor=office, evaluation_id=made.pk)
    page, api = signed_in(office), client_for(office)
    # session, user, the user's unit, the bell, the evaluation, its scores with units, its
    # lists, and the lists' count.
    with django_assert_max_num_queries(8):
        assert page.get(f"/evaluations/{made.pk}/").status_code == 200
    # count + page + the scores prefetch.
    with django_assert_max_num_queries(3):
        assert api.get("/api/v1/evaluations/").status_code == 200
    # count + page.
    with django_assert_max_num_queries(2):
        assert api.get("/api/v1/red-black-lists/").status_code == 200
    # session, user, the bell, the list.
    with django_assert_max_num_queries(5):
        assert page.get(f"/red-black-lists/{listing.pk}/").status_code == 200
    # session, user, the user's unit, the bell, the unit, the lists (read once for the
    # history), the page count, the page.
    with django_assert_max_num_queries(8):
        assert page.get(f"/red-black-lists/?unit={made.scores.first().unit_id}").status_code == 200
    assert UnitFactory  # the factories stay importable for the fixture module


def test_the_list_notice_is_dated_on_the_day_of_publication_in_china(
    inspection_round, office, client_for
):
    made = _published(inspection_round, office, [("甲局", "92.50", 0.9), ("乙局", "55.00", 0.2)])
    listing = evaluation.red_black_publish(
        actor=office, evaluation_id=made.pk, best_count=1, worst_count=1
    )
    # 01:30 on 21 November in Beijing is still 20 November in UTC.
    RedBlackList.objects.filter(pk=listing.pk).update(
        published_at=datetime.datetime(2026, 11, 20, 17, 30, tzinfo=datetime.UTC)
    )
    doc = Document(
        io.BytesIO(b"".join(client_for(office).get(f"/api/v1/red-black-lists/{listing.pk}/docx/")))
    )
    assert doc.paragraphs[-1].text == "2026年11月21日"
