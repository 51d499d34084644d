"""A round's reports up the line in a real Chromium: office records the rectification
report sent with its file (报告报账), then reads the half month's periodic report, steps to the
quarter and downloads the docx; the leader reads the same page at phone width."""

from __future__ import annotations

import pytest
from docx import Document

from documents.periodic import HALF_MONTH, Period
from inspections.models import RoundReport
from rectification.models import ProgressReport

from .conftest import no_sideways_scroll, saved, shoot, sign_in, sign_out

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_office_records_the_report_and_reads_the_periodic_reports(
    open_page, live_server, office, leader, liaison_a, measure_a, unit_a, tmp_path
):
    inspection_round = measure_a.problem.round
    report = RoundReport.objects.create(
        round=inspection_round, due=inspection_round.report_due_date
    )
    last_half = Period.default(HALF_MONTH)
    ProgressReport.objects.create(
        measure=measure_a, author=liaison_a, period=last_half.key, text="已完成制度起草"
    )

    page = open_page()
    sign_in(page, live_server, office.username, "/workbench/")
    page.goto(f"{live_server.url}/rounds/{inspection_round.pk}/")
    page.click("#round-reports-link")
    row = page.locator(f"#reports tr[data-report='{report.pk}']")
    assert row.get_attribute("data-overdue") == "1"
    row.locator("details summary").click()
    sent_on = report.due.isoformat()
    row.locator("input[name=sent_on]").fill(sent_on)
    upload = tmp_path / "整改情况报告.pdf"
    upload.write_bytes(b"%PDF-1.4 report")
    row.locator("input[name=file]").set_input_files(str(upload))
    with page.expect_navigation():
        row.locator("button").click()
    page.wait_for_selector(f"#reports tr[data-report='{report.pk}'][data-overdue='0']")
    assert "整改情况报告.pdf" in page.locator("#reports").inner_text()
    shoot(page, "round_reports")
    report.refresh_from_db()
    assert report.sent_on is not None and report.original_name == "整改情况报告.pdf"

    page.goto(f"{live_server.url}/rounds/{inspection_round.pk}/")
    page.click("#periodic-link")
    unit_row = page.locator(f"#periodic-units tr[data-unit='{unit_a.pk}']")
    unit_row.wait_for()
    assert last_half.key in page.locator("#period-nav").inner_text()
    assert page.locator("#periodic-totals [data-kpi=progress_reports] b").inner_text() == "1"
    shoot(page, "periodic_half_month")

    page.select_option("#period-form select[name=kind]", "quarter")
    page.fill("#period-form input[name=period]", "")
    with page.expect_navigation():
        page.click("#period-form button")
    quarter = Period.default("quarter")
    assert quarter.key in page.locator("#period-nav").inner_text()
    with page.expect_download() as download:
        page.click("#periodic-downloads a[href*='/docx/']")
    text = "\n".join(p.text for p in Document(saved(download.value, tmp_path)).paragraphs)
    assert "季度报" in text and quarter.label in text
    sign_out(page)

    phone = open_page(width=390, height=844)
    sign_in(phone, live_server, leader.username, "/dashboard/")
    phone.goto(f"{live_server.url}/rounds/{inspection_round.pk}/periodic/?period={last_half.key}")
    phone.locator(f"#periodic-units tr[data-unit='{unit_a.pk}']").wait_for()
    assert no_sideways_scroll(phone)
    shoot(phone, "phone_periodic")
