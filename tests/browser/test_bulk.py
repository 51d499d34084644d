"""A bulk action in a real Chromium: after a feedback import the office ticks the 20 measures
with no lead unit on its workbench, sets their unit and deadline in one step (preview, then
confirm), at desktop and at phone width."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from rectification.models import Measure, StatusChange
from tests.factories import MeasureFactory

from .conftest import shoot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize(("width", "height"), [(1280, 900), (390, 844)])
def test_office_sets_the_unit_and_deadline_of_20_imported_measures_in_one_step(
    open_page, live_server, office, problem, unit_a, width, height
):
    # As the feedback import leaves them: no lead unit yet, 25 of them (the workbench shows 20).
    imported = [
        MeasureFactory(problem=problem, seq=i + 1, lead_unit=None, text=f"导入的整改措施{i + 1}")
        for i in range(25)
    ]
    deadline = timezone.localdate() + datetime.timedelta(days=90)
    page = open_page(width=width, height=height)
    sign_in(page, live_server, office.username, "/workbench/")

    page.check("[data-select-page=bulk-unassigned]")
    assert page.inner_text("[data-selected-count=bulk-unassigned]") == "已选 20 项"
    page.click("#bulk-unassigned button")
    page.wait_for_selector("#bulk-form")
    assert "已选择 20 项措施" in page.inner_text("#bulk-count")
    page.select_option("#bulk-form select[name=action]", "update")
    page.select_option("#bulk-form select[name=lead_unit]", str(unit_a.pk))
    page.fill("#bulk-form input[name=deadline]", deadline.isoformat())
    # The fields of the other actions are out of the way.
    assert not page.is_visible("#bulk-form input[name=days]")
    page.click("#bulk-form button[value=preview]")
    page.wait_for_selector("#bulk-preview")
    assert "将修改 20 项措施" in page.inner_text("#bulk-preview")
    assert not Measure.objects.filter(lead_unit=unit_a).exists()
    if width < 400:
        assert page.evaluate("document.documentElement.scrollWidth") <= width
    shoot(page, f"bulk_preview_{width}")

    page.click("#bulk-apply")  # the confirmation dialog is accepted by open_page
    page.wait_for_url("**/workbench/")
    assert "已完成：修改了 20 项措施" in page.inner_text("main")
    shoot(page, f"bulk_done_{width}")

    done = Measure.objects.filter(pk__in=[m.pk for m in imported], lead_unit=unit_a)
    assert done.count() == 20
    assert set(done.values_list("deadline", flat=True)) == {deadline}
    assert Measure.objects.filter(pk__in=[m.pk for m in imported], lead_unit=None).count() == 5
    assert StatusChange.objects.filter(measure__in=done, field="lead_unit").count() == 20
