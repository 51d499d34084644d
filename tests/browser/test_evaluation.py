"""The hundred-point evaluation and the red-and-black list in a real Chromium: office scores
the round as of today and gives the manual items of a unit; a second clerk, who scored none of
it, publishes it and draws the list, and downloads its files; the leader finds the list on the
dashboard."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone
from docx import Document
from openpyxl import load_workbook

from rectification.models import Measure
from supervision.models import Evaluation, RedBlackList
from tests.rectification.helpers import put_in_state

from .conftest import saved, shoot, sign_in, sign_out

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_office_evaluates_publishes_and_lists_and_the_leader_sees_the_list(
    open_page, live_server, office, office2, leader, measure_a, measure_b, unit_a, unit_b, tmp_path
):
    # Unit A signed its measure off in time; unit B's is a month overdue.
    day = timezone.localdate()
    Measure.objects.filter(pk=measure_a.pk).update(deadline=day + datetime.timedelta(days=30))
    put_in_state(measure_a, Measure.Status.CLOSED, submitted_by=office, closed_by=office)
    Measure.objects.filter(pk=measure_b.pk).update(deadline=day - datetime.timedelta(days=30))

    page = open_page()
    sign_in(page, live_server, office.username, "/workbench/")
    page.goto(f"{live_server.url}/rounds/{measure_a.problem.round_id}/")
    page.click("#evaluation-link")
    with page.expect_navigation():
        page.click("#evaluate-form button")
    made = Evaluation.objects.get()
    unit_row = page.locator(f"#scores tr[data-unit='{unit_a.pk}']")
    before = float(unit_row.get_attribute("data-total") or 0)
    forms = page.locator(f"#scores tr[data-unit='{unit_a.pk}'] + tr.score-forms form.manual-score")
    for n, score in enumerate(("9", "8")):
        form = forms.nth(n)
        form.locator("input[name=score]").fill(score)
        form.locator("input[name=note]").fill("佐证材料齐全")
        with page.expect_navigation():
            form.locator("button").click()
    # The manual points count: 17 more of the 100, rescaled over the items that apply.
    assert float(unit_row.get_attribute("data-total") or 0) > before
    assert "佐证材料齐全" in unit_row.inner_text()
    # Nobody publishes what they scored: a second clerk does.
    sign_out(page)
    sign_in(page, live_server, office2.username, "/workbench/")
    page.goto(f"{live_server.url}/evaluations/{made.pk}/")
    with page.expect_navigation():
        page.click("#publish-form button")
    page.wait_for_selector("#evaluation-status[data-status=published]")
    shoot(page, "evaluation_published")

    page.fill("#list-form input[name=best_count]", "1")
    page.fill("#list-form input[name=worst_count]", "1")
    with page.expect_navigation():
        page.click("#list-form button")
    listing = RedBlackList.objects.get(evaluation=made)
    assert [e["unit_name"] for e in listing.red] == [unit_a.name]
    assert [e["unit_name"] for e in listing.black] == [unit_b.name]
    shoot(page, "red_black_list")

    with page.expect_download() as download:
        page.click(f"a[href='/api/v1/red-black-lists/{listing.pk}/docx/']")
    notice = Document(saved(download.value, tmp_path))
    text = "\n".join(p.text for p in notice.paragraphs)
    assert "红黑榜的通报" in text and "一、红榜" in text
    assert notice.tables[0].rows[1].cells[1].text == unit_a.name
    with page.expect_download() as download:
        page.click(f"a[href='/api/v1/red-black-lists/{listing.pk}/xlsx/']")
    sheet = load_workbook(saved(download.value, tmp_path))["红黑榜"]
    assert sheet.page_setup.orientation == "landscape"
    sign_out(page)

    sign_in(page, live_server, leader.username, "/dashboard/")
    board = page.locator("#current-red-black")
    board.wait_for()
    assert unit_a.name in board.inner_text() and unit_b.name in board.inner_text()
    shoot(page, "dashboard_red_black")
