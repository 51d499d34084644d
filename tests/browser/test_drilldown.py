"""A leader drills down from the dashboard: the overdue card and a unit's bar each open the
measure list holding exactly those measures, within the dashboard's round, at desktop and at
phone width."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from rectification.models import Measure

from ..factories import MeasureFactory, ProblemFactory, RoundFactory
from .conftest import no_sideways_scroll, shoot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def days(n: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=n)


@pytest.fixture
def overdue_spread(inspection_round, unit_a, unit_b, unit_top):
    """In the round: unit A two overdue and one not, unit B one overdue; in another round,
    one more of unit A's overdue, which the round's dashboard must not open."""
    problem = ProblemFactory(round=inspection_round, seq=1)
    made = {
        "a_late": [
            MeasureFactory(problem=problem, seq=1, lead_unit=unit_a, deadline=days(-9)),
            MeasureFactory(problem=problem, seq=2, lead_unit=unit_a, deadline=days(-2)),
        ],
        "b_late": [MeasureFactory(problem=problem, seq=3, lead_unit=unit_b, deadline=days(-5))],
    }
    MeasureFactory(problem=problem, seq=4, lead_unit=unit_a, deadline=days(20))
    other = ProblemFactory(round=RoundFactory(target_unit=unit_top), seq=1)
    MeasureFactory(problem=other, seq=1, lead_unit=unit_a, deadline=days(-3))
    return made


def listed(page) -> set[int]:
    page.wait_for_selector("#measure-count")
    return {
        int(pk)
        for pk in page.eval_on_selector_all(
            "tr[data-measure]", "(rows) => rows.map((r) => r.dataset.measure)"
        )
    }


def click_bar(page, chart: str, label: str) -> None:
    """Click the middle of the bar of `label` in a horizontal bar chart, as a hand would."""
    el = page.locator(f"[data-chart={chart}]")
    el.scroll_into_view_if_needed()
    x, y = page.evaluate(
        """([chart, label]) => {
             const el = document.querySelector(`[data-chart=${chart}]`);
             const c = window.echarts.getInstanceByDom(el);
             const option = c.getOption();
             const index = option.yAxis[0].data.indexOf(label);
             const value = option.series[0].data[index];
             return c.convertToPixel({ seriesIndex: 0 }, [value / 2, index]);
           }""",
        [chart, label],
    )
    box = el.bounding_box()
    page.mouse.click(box["x"] + x, box["y"] + y)


@pytest.mark.parametrize(("width", "height"), [(1400, 900), (390, 844)])
def test_the_overdue_card_and_a_units_bar_open_exactly_those_measures(
    open_page, live_server, leader, inspection_round, unit_a, overdue_spread, width, height
):
    page = open_page(width=width, height=height)
    sign_in(page, live_server, leader.username, "/dashboard/")
    dashboard = f"{live_server.url}/dashboard/?round={inspection_round.pk}"
    page.goto(dashboard)
    page.wait_for_selector("[data-chart=worst][data-rendered='1']")
    assert page.locator("[data-kpi=overdue] b").inner_text() == "3"

    page.click("[data-kpi=overdue]")
    page.wait_for_url("**/measures/**")
    late = {m.pk for m in overdue_spread["a_late"] + overdue_spread["b_late"]}
    assert listed(page) == late
    assert no_sideways_scroll(page)
    shoot(page, f"drilldown_overdue_{width}")

    page.goto(dashboard)
    page.wait_for_selector("[data-chart=worst][data-rendered='1']")
    click_bar(page, "worst", unit_a.short_name)
    page.wait_for_url(f"**/measures/?*lead_unit={unit_a.pk}*")
    assert listed(page) == {m.pk for m in overdue_spread["a_late"]}
    assert not Measure.objects.filter(pk__in=listed(page)).exclude(problem__round=inspection_round)
    shoot(page, f"drilldown_unit_bar_{width}")


def test_the_dashboard_keeps_numbers_whole_axes_integer_and_the_last_month_in_view(
    open_page, live_server, leader, inspection_round, overdue_spread
):
    page = open_page(width=390, height=844)
    sign_in(page, live_server, leader.username, "/dashboard/")
    page.goto(f"{live_server.url}/dashboard/?round={inspection_round.pk}")
    page.wait_for_function(
        "() => document.querySelectorAll('[data-chart][data-rendered]').length === 5"
    )
    # "1.2" stays on one line in the tables of measures.
    cells = page.locator("#overdue td[data-label='#']")
    assert cells.count() == 3
    for i in range(cells.count()):
        assert cells.nth(i).evaluate("(td) => getComputedStyle(td).whiteSpace") == "nowrap"
    axes = page.evaluate(
        """() => Object.fromEntries(['trend', 'category', 'worst'].map((name) => {
             const o = window.echarts.getInstanceByDom(
               document.querySelector(`[data-chart=${name}]`)).getOption();
             const counts = name === 'worst' ? o.xAxis[0] : o.yAxis[0];
             return [name, counts.minInterval];
           }))"""
    )
    assert axes == {"trend": 1, "category": 1, "worst": 1}
    # The burn-up's last month (this one) sits inside the chart, not on its right edge.
    inside = page.evaluate(
        """() => {
             const el = document.querySelector('[data-chart=trend]');
             const c = window.echarts.getInstanceByDom(el);
             const months = c.getOption().xAxis[0].data;
             const x = c.convertToPixel({ xAxisIndex: 0 }, months[months.length - 1]);
             return [months[months.length - 1], x, el.clientWidth];
           }"""
    )
    month, x, width = inside
    assert month == timezone.localdate().strftime("%Y-%m")
    assert x < width - 24
