"""A real Chromium drives the pages as each role does its daily job; every test saves
screenshots under var/screenshots/ and waits on what it needs, never on the clock."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from inspections.models import InspectionRound
from rectification.models import Measure

from ..factories import MeasureFactory
from ..rectification.helpers import PDF_BYTES, add_evidence, put_in_state
from .conftest import no_sideways_scroll, shoot, sign_in, sign_out

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

S = Measure.Status


def days(n: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=n)


@pytest.fixture
def tasks(problem, unit_a):
    """Unit A's measures: one far off, one yellow, one red (overdue), one long-term."""
    MeasureFactory(problem=problem, seq=11, lead_unit=unit_a, deadline=days(60), text="远期措施")
    MeasureFactory(problem=problem, seq=12, lead_unit=unit_a, deadline=days(4), text="黄色措施")
    red = MeasureFactory(
        problem=problem, seq=13, lead_unit=unit_a, deadline=days(-5), text="逾期措施"
    )
    MeasureFactory(
        problem=problem, seq=14, lead_unit=unit_a, deadline=None, is_long_term=True, text="长期措施"
    )
    return red


def test_a_liaison_sees_the_red_measure_first_reports_uploads_and_submits(
    open_page, live_server, tasks, liaison_a, tmp_path, settings
):
    settings.MEDIA_ROOT = tmp_path / "media"
    page = open_page()
    sign_in(page, live_server, liaison_a.username, "/tasks/")
    first = page.locator("#tasks .mcard").first
    assert first.get_attribute("data-colour") == "red"
    assert first.get_attribute("data-measure") == str(tasks.pk)
    shoot(page, "liaison_tasks_red_first")

    first.locator("a.title-link").click()
    page.wait_for_url(f"**/measures/{tasks.pk}/")
    page.click("#start-form button")
    page.wait_for_selector("#measure-status[data-status=in_progress]")

    page.fill("#progress-form textarea[name=text]", "已完成制度起草，正在征求意见")
    page.fill("#progress-form input[name=percent]", "60")
    page.click("#progress-form button")
    page.wait_for_selector("#timeline li[data-kind=progress]")

    pdf = tmp_path / "整改报告.pdf"
    pdf.write_bytes(PDF_BYTES)
    page.set_input_files("#evidence-form input[type=file]", str(pdf))
    page.click("#evidence-form button")
    page.wait_for_selector("#timeline li[data-kind=evidence]")

    page.fill("#submit-form textarea[name=result_summary]", "制度已印发并执行")
    page.click("#submit-form button")
    page.wait_for_selector("#measure-status[data-status=submitted]")
    shoot(page, "liaison_measure_submitted")
    tasks.refresh_from_db()
    assert tasks.status == S.SUBMITTED and tasks.evidence.count() == 1


def test_office_returns_the_liaison_resubmits_and_office_signs_off(
    open_page, live_server, measure_a, liaison_a, office, office2, tmp_path, settings
):
    settings.MEDIA_ROOT = tmp_path
    put_in_state(measure_a, S.SUBMITTED, submitted_by=liaison_a, closed_by=office2)
    add_evidence(measure_a, liaison_a)
    page = open_page()

    sign_in(page, live_server, office.username, "/workbench/")
    card = page.locator(f"#review .mcard[data-measure='{measure_a.pk}']")
    card.locator("form.return input[name=reason]").fill("缺少印发文件，请补充")
    card.locator("form.return button").click()
    page.wait_for_selector(".flash.success")
    shoot(page, "office_workbench_after_return")
    sign_out(page)

    sign_in(page, live_server, liaison_a.username, "/tasks/")
    page.goto(f"{live_server.url}/measures/{measure_a.pk}/")
    page.wait_for_selector("#timeline li[data-kind=return] >> text=缺少印发文件，请补充")
    page.fill("#submit-form textarea[name=result_summary]", "已补充印发文件")
    page.click("#submit-form button")
    page.wait_for_selector("#measure-status[data-status=submitted]")
    sign_out(page)

    sign_in(page, live_server, office.username, "/workbench/")
    card = page.locator(f"#review .mcard[data-measure='{measure_a.pk}']")
    card.locator("form.approve input[name=comment]").fill("同意销号")
    card.locator("form.approve button").click()
    page.wait_for_selector(".flash.success")
    page.goto(f"{live_server.url}/measures/{measure_a.pk}/")
    status = page.locator("#measure-status")
    assert status.get_attribute("data-status") == "closed"
    assert status.inner_text() == "已销号"
    shoot(page, "measure_signed_off")


def test_office_creates_a_round_and_a_problem_with_two_measures(
    open_page, live_server, office, unit_top, unit_a, unit_b
):
    page = open_page()
    sign_in(page, live_server, office.username, "/workbench/")
    page.goto(f"{live_server.url}/rounds/new/")
    page.fill("input[name=name]", "2026年第二轮巡察·区住建局")
    page.fill("input[name=inspecting_body]", "区委第三巡察组")
    page.select_option("select[name=target_unit]", str(unit_top.pk))
    page.fill("input[name=feedback_date]", days(-10).isoformat())
    page.click("#round-form button[type=submit]")
    page.wait_for_selector("#add-problem")
    created = InspectionRound.objects.get(name="2026年第二轮巡察·区住建局")

    page.click("#add-problem")
    page.fill("input[name=problem-title]", "基层党组织建设薄弱")
    for row, (text, unit, due) in enumerate(
        [("健全支部工作制度", unit_a, days(30)), ("开展党员轮训", unit_b, days(60))]
    ):
        page.fill(f"textarea[name=measures-{row}-text]", text)
        page.select_option(f"select[name=measures-{row}-lead_unit]", str(unit.pk))
        page.fill(f"input[name=measures-{row}-deadline]", due.isoformat())
    shoot(page, "office_problem_form")
    page.click("#problem-form button[type=submit]")
    page.wait_for_url(f"**/rounds/{created.pk}/")
    page.wait_for_selector("text=健全支部工作制度")
    shoot(page, "office_round_with_measures")
    measures = Measure.objects.filter(problem__round=created).order_by("seq")
    assert [(m.text, m.lead_unit_id, m.deadline) for m in measures] == [
        ("健全支部工作制度", unit_a.pk, days(30)),
        ("开展党员轮训", unit_b.pk, days(60)),
    ]


def test_the_leaders_dashboard_matches_the_api_and_draws_its_charts(
    open_page, live_server, tasks, measure_b, leader, liaison_b, office2
):
    put_in_state(measure_b, S.CLOSED, submitted_by=liaison_b, closed_by=office2)
    page = open_page()
    sign_in(page, live_server, leader.username, "/dashboard/")
    page.wait_for_function(
        "() => document.querySelectorAll('[data-chart][data-rendered]').length === 5"
    )
    api = page.request.get(f"{live_server.url}/api/v1/dashboard/summary/").json()
    for key in ("rounds", "problems", "total", "closed", "in_progress", "overdue", "due_soon"):
        assert page.locator(f"[data-kpi={key}] b").inner_text() == str(api[key])
    assert page.locator("[data-kpi=completion_rate] b").inner_text() == (
        f"{api['completion_rate'] * 100:.1f}%"
    )
    drawn = page.evaluate(
        """() => Array.from(document.querySelectorAll('[data-chart][data-rendered="1"]'))
             .filter((el) => { const c = el.querySelector('canvas, svg');
                               return c && c.clientWidth > 0 && c.clientHeight > 0; }).length"""
    )
    assert drawn >= 4
    shoot(page, "leader_dashboard")


def test_at_phone_width_the_task_list_and_a_measure_page_do_not_scroll_sideways(
    open_page, live_server, tasks, liaison_a
):
    page = open_page(width=390, height=844)
    sign_in(page, live_server, liaison_a.username, "/tasks/")
    assert no_sideways_scroll(page)
    shoot(page, "phone_liaison_tasks")
    page.goto(f"{live_server.url}/measures/{tasks.pk}/")
    page.wait_for_selector("#measure-status")
    assert no_sideways_scroll(page)
    shoot(page, "phone_measure_page")


def test_the_language_switch_turns_the_page_into_english_and_back(
    open_page, live_server, tasks, liaison_a
):
    page = open_page()
    sign_in(page, live_server, liaison_a.username, "/tasks/")
    assert page.get_attribute("html", "lang") == "zh-hans"
    page.click(".lang button[value=en]")
    page.wait_for_selector("html[lang=en]")
    assert page.locator("h1").inner_text() == "My rectification tasks"
    shoot(page, "language_english")
    page.click(".lang button[value=zh-hans]")
    page.wait_for_selector("html[lang=zh-hans]")
    shoot(page, "language_chinese")


def test_a_stale_page_is_refused_with_a_clear_message_and_nothing_changes(
    open_page, live_server, measure_a, liaison_a
):
    page = open_page()
    sign_in(page, live_server, liaison_a.username, "/tasks/")
    page.goto(f"{live_server.url}/measures/{measure_a.pk}/")
    page.wait_for_selector("#start-form button")
    # Someone else saves the measure while the page is open: its form now holds an old version.
    Measure.objects.filter(pk=measure_a.pk).update(version=5)

    page.click("#start-form button")

    flash = page.wait_for_selector(".flash")
    assert (
        flash.inner_text()
        == "您打开页面后，他人修改了这条整改措施。页面已显示最新记录，请核对后重试。"
    )
    shoot(page, "stale_measure_page")
    measure_a.refresh_from_db()
    assert measure_a.status == S.NOT_STARTED and measure_a.version == 5
