"""Documents in a real Chromium, as a new office would work: the inspection team's Word file
onto the import page, the preview corrected and imported, the five ledgers downloaded, the
progress report drafted, edited and published with a colleague's approval, and read at
/public/ by someone with no account."""

from __future__ import annotations

import pytest
from openpyxl import load_workbook

from documents.models import Publication
from findings.models import Problem
from rectification.models import Measure

from ..documents.test_feedback_docx import NUMBERED
from ..documents.word import as_bytes, numbered_document
from .conftest import SCREENSHOTS, saved, shoot, sign_in, sign_out

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The feedback file of the Word-import tests (numbers from numbering.xml), announcing one
# measure more than it holds: the office will find it missing and add it in the preview.
FEEDBACK = [(None, "反馈意见指出的2个问题，细化为5条整改措施。"), *NUMBERED[1:]]
ADDED_MEASURE = "3.对主体责任落实情况开展专项检查。"
EDITED_SENTENCE = "欢迎广大干部群众对巡察整改落实情况进行监督。"


def test_word_feedback_in_five_ledgers_out_and_the_report_published_for_all(
    open_page, live_server, inspection_round, office, office2, tmp_path
):
    page = open_page()
    sign_in(page, live_server, office.username, "/workbench/")
    page.goto(f"{live_server.url}/rounds/{inspection_round.pk}/")
    page.click(f"a[href='/feedback/import/?round={inspection_round.pk}']")

    # Choosing the file previews it at once; its text appears for correction.
    word = tmp_path / "反馈意见.docx"
    word.write_bytes(as_bytes(numbered_document(FEEDBACK)))
    page.set_input_files("#feedback-drop input[type=file]", str(word))
    page.wait_for_selector("#preview")
    text = page.input_value("textarea[name=text]")
    assert "（一）关于“学习贯彻党的创新理论不深入”问题的整改" in text  # Word's numbering
    # Found 4 measures where the text announces 5: the office adds the missing one.
    assert page.locator("#preview .badge.colour-red").count() == 1
    page.fill("textarea[name=text]", text.rstrip() + "\n" + ADDED_MEASURE + "\n")
    page.click("button[name=preview]")
    page.wait_for_selector("#preview")
    assert page.locator("#preview .badge.colour-red").count() == 0
    shoot(page, "documents_feedback_preview")
    with page.expect_navigation():
        page.click("button[name=import]")
    assert Problem.objects.filter(round=inspection_round).count() == 2
    assert Measure.objects.filter(problem__round=inspection_round).count() == 5

    # The five ledgers of the round, from its page.
    page.goto(f"{live_server.url}/rounds/{inspection_round.pk}/")
    with page.expect_download() as download:
        page.click("a[href*='five-ledgers']")
    book = load_workbook(saved(download.value, tmp_path))
    assert len(book.sheetnames) == 5
    feedback_sheet = book.worksheets[1]
    cells = " ".join(str(c) for row in feedback_sheet.iter_rows(values_only=True) for c in row)
    assert "对主体责任落实情况开展专项检查" in cells

    # The progress report: drafted and edited by one office user ...
    page.goto(f"{live_server.url}/rounds/{inspection_round.pk}/")
    page.click(f"a[href='/publications/?round={inspection_round.pk}']")
    with page.expect_navigation():
        page.click("form[action='/publications/new/'] button")
    draft = Publication.objects.get(round=inspection_round)
    body = page.locator("textarea.publication-text")
    body.fill(body.input_value().rstrip() + "\n" + EDITED_SENTENCE)
    with page.expect_navigation():
        page.locator("form.card").first.locator("button").click()
    assert "另一名巡察办工作人员" in page.content()  # nobody publishes alone
    assert page.locator("form[action$='/approve/']").count() == 0
    sign_out(page)

    # ... approved and published by a colleague.
    sign_in(page, live_server, office2.username, "/workbench/")
    page.goto(f"{live_server.url}/publications/{draft.pk}/")
    with page.expect_navigation():
        page.click(f"form[action='/publications/{draft.pk}/approve/'] button")
    page.wait_for_selector("article.public-report")
    draft.refresh_from_db()
    assert draft.published_at is not None and draft.approved_by == office2
    sign_out(page)

    # Anyone reads it at /public/, with no account.
    stranger = open_page(width=390, height=844)
    stranger.goto(f"{live_server.url}/public/")
    stranger.click(f"a[href='/public/{draft.pk}/']")
    stranger.wait_for_selector(f"text={EDITED_SENTENCE}")
    shoot(stranger, "phone_public_report")
    shown = stranger.content()
    assert inspection_round.target_unit.name in shown
    assert office.display_name not in shown and office2.display_name not in shown
    with stranger.expect_download() as download:
        stranger.click(f"a[href='/public/{draft.pk}/report.docx']")
    assert download.value.suggested_filename.endswith(".docx")
    assert (SCREENSHOTS / "phone_public_report.png").exists()
