"""The urge cycle in a real Chromium: office issues, the sweep reminds once, the liaison
replies from the top of their tasks, office presses again at a higher level, the liaison
replies again and office accepts; the measure's history shows every step."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from reminders import services as reminders
from reminders.models import Notification
from supervision.models import UrgeNotice

from .conftest import shoot, sign_in, sign_out

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_whole_urge_cycle_in_the_browser(open_page, live_server, measure_a, office, liaison_a):
    page = open_page()
    sign_in(page, live_server, office.username, "/workbench/")
    page.goto(f"{live_server.url}/measures/{measure_a.pk}/")
    page.click("#urge-measure")
    page.select_option("#urge-form select[name=level]", "urge")
    page.fill("#urge-form textarea[name=reason]", "整改进度滞后，请说明原因")
    page.click("#urge-form button")
    page.wait_for_selector("#urge-status[data-status=open]")
    shoot(page, "urge_issued")
    first = UrgeNotice.objects.get()

    # The sweep tells the liaison once, however often it runs.
    for _ in range(2):
        reminders.sweep(dispatch=lambda delivery_id: None)
    assert Notification.objects.filter(recipient=liaison_a, kind="urge_issued").count() == 1
    sign_out(page)

    sign_in(page, live_server, liaison_a.username, "/tasks/")
    card = page.locator(f"#my-urges [data-urge='{first.pk}']")
    card.locator("a.title-link").click()
    page.fill("#reply-form textarea[name=text]", "已制定整改计划，月底前完成")
    page.click("#reply-form button")
    page.wait_for_selector("#urge-status[data-status=replied]")
    shoot(page, "urge_replied")
    sign_out(page)

    sign_in(page, live_server, office.username, "/workbench/")
    page.click(f"#urges [data-urge='{first.pk}'] a.title-link")
    page.click("#decide details summary")
    page.select_option("#escalate-form select[name=level]", "interview")
    page.fill("#escalate-form textarea[name=reason]", "回复空泛，约谈主要负责人")
    due = timezone.localdate() + datetime.timedelta(days=5)
    page.fill("#escalate-form input[name=reply_due]", due.isoformat())
    page.click("#escalate-form button")
    page.wait_for_selector("#urge-status[data-status=open]")
    second = UrgeNotice.objects.get(replaces=first)
    assert second.level == "interview"
    sign_out(page)

    sign_in(page, live_server, liaison_a.username, "/tasks/")
    page.locator(f"#my-urges [data-urge='{second.pk}'] a.title-link").click()
    page.fill("#reply-form textarea[name=text]", "主要负责人已接受约谈，整改到位")
    page.click("#reply-form button")
    page.wait_for_selector("#urge-status[data-status=replied]")
    sign_out(page)

    sign_in(page, live_server, office.username, "/workbench/")
    page.goto(f"{live_server.url}/urges/{second.pk}/")
    page.click("#accept-form button")
    page.wait_for_selector("#urge-status[data-status=accepted]")
    page.goto(f"{live_server.url}/measures/{measure_a.pk}/")
    kinds = page.eval_on_selector_all("#timeline li", "els => els.map(e => e.dataset.kind)")
    assert kinds == ["urge", "urge_reply", "urge_escalate", "urge_reply", "urge_accept"]
    shoot(page, "urge_history")
