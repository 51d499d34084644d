"""Supervision groups in a real Chromium: office forms a group, its member lands on the
supervision page, records a visit at one of the group's units and urges the unit in the same
step (the form shows only the chosen follow-up), and the unit's liaison finds the notice at the
top of the task list. No page reports a CSP violation; screenshots at desktop and phone width."""

from __future__ import annotations

import pytest

from accounts.models import User
from supervision.models import SupervisionGroup, SupervisionVisit, UrgeNotice
from tests.factories import UserFactory

from .conftest import shoot, sign_in, sign_out

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_group_is_formed_visits_and_urges_in_the_browser(
    open_page, live_server, office, liaison_a, measure_a, measure_b, unit_a
):
    member = UserFactory(username="inspector", role=User.Role.SUPERVISOR, display_name="王刚")
    page = open_page()
    violations: list[str] = []
    page.on(
        "console",
        lambda message: violations.append(message.text)
        if "Content Security Policy" in message.text or "Refused to" in message.text
        else None,
    )

    sign_in(page, live_server, office.username, "/workbench/")
    page.click("nav.mainnav a[href='/supervision/']")
    page.click("#form-group")
    page.fill("#group-form input[name=name]", "第一整改督查组")
    page.check(f"#group-form input[name=members][value='{member.pk}']")
    page.check(f"#group-form input[name=rounds][value='{measure_a.problem.round_id}']")
    page.check(f"#group-form input[name=units][value='{unit_a.pk}']")
    page.click("#group-form button")
    page.wait_for_selector(f"#units tr[data-unit='{unit_a.pk}']")
    group = SupervisionGroup.objects.get()
    assert list(group.members.all()) == [member]
    sign_out(page)

    sign_in(page, live_server, member.username, "/supervision/")
    shoot(page, "supervision_home_member")
    page.click(f"[data-group='{group.pk}'] h2 a")
    page.click(f"#units tr[data-unit='{unit_a.pk}'] a.button:not(.secondary)")
    # Only the chosen follow-up's fields show, once the page's script has run.
    page.wait_for_selector("#urge-fields", state="hidden")
    assert page.is_hidden("#urge-fields") and page.is_hidden("#problem-fields")
    page.check("#follow-up input[value=urge]")
    assert page.is_visible("#urge-fields") and page.is_hidden("#problem-fields")
    page.select_option("#visit-form select[name=method]", "site")
    page.fill("#visit-form textarea[name=findings]", "现场查看整改推进情况，学习计划尚未印发")
    page.select_option("#visit-form select[name=rating]", "2")
    page.select_option("#visit-form select[name=urge_level]", "urge")
    page.fill("#visit-form textarea[name=urge_reason]", "请于一周内印发学习计划并书面报告")
    page.check(f"#urge-fields input[name=measures][value='{measure_a.pk}']")
    shoot(page, "supervision_visit_form")
    page.click("#visit-form button")
    page.wait_for_selector("#visits tr[data-visit]")
    visit = SupervisionVisit.objects.get()
    notice = UrgeNotice.objects.get()
    assert (notice.visit, notice.group, notice.level) == (visit, group, "urge")
    assert "学习计划尚未印发" in page.inner_text("#visits")
    shoot(page, "supervision_group_after_visit")
    # The member's measures are the group's: unit B's measure is not among them.
    page.goto(f"{live_server.url}/measures/")
    listed = page.inner_text("main")
    assert measure_a.text in listed and measure_b.text not in listed

    phone = open_page(width=390, height=844)
    sign_in(phone, live_server, member.username, "/supervision/")
    phone.goto(f"{live_server.url}/supervision/groups/{group.pk}/")
    scroll = phone.evaluate("document.documentElement.scrollWidth")
    assert scroll <= 390
    shoot(phone, "phone_supervision_group")
    sign_out(page)

    sign_in(page, live_server, liaison_a.username, "/tasks/")
    page.wait_for_selector(f"#my-urges [data-urge='{notice.pk}']")
    shoot(page, "liaison_tasks_with_group_notice")
    assert not violations, "\n".join(violations)
