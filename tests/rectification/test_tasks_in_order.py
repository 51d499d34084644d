"""A liaison's 我的整改任务 is counted and cut into pages from the unit's membership rows
(rectification.selectors.TasksInOrder, liaison_task_counts): every tab's count and every page
hold what the measures themselves say, in the same order of urgency, for any page size."""

from __future__ import annotations

import datetime
import re

import pytest
from django.db.models import Count
from django.utils import timezone

from config.api import DeferredJoinPaginator
from rectification import selectors
from rectification.models import Measure, overdue_filter, today
from rectification.selectors import (
    TASK_TABS,
    TasksInOrder,
    liaison_task_counts,
    liaison_tasks,
    liaison_tasks_in_order,
    measures_visible_to,
)

from ..factories import MeasureFactory, ProblemFactory, RoundFactory, UnitFactory

pytestmark = pytest.mark.django_db

S = Measure.Status


@pytest.fixture
def tasks(unit_a, unit_b):
    """Unit A's measures of every tab, on every rung of urgency (red, yellow, green, none,
    long-term with and without a deadline), with ties of deadline and of sign-off time,
    cooperated on, and both led and cooperated on; unit B's and another unit's beside them."""
    other = UnitFactory(name="其他单位")
    day = today()
    signed = timezone.now().replace(microsecond=0)
    offsets = [-30, -1, 0, 2, 2, 6, 12, 25, 60, 400]
    statuses = [S.NOT_STARTED, S.IN_PROGRESS, S.SUBMITTED, S.ENDORSING, S.CLOSED]
    problems = [ProblemFactory(round=RoundFactory(), seq=n) for n in (2, 1, 3)]
    for i, offset in enumerate(offsets * 6):
        status = statuses[(i * 7) % len(statuses)]
        long_term = i % 6 == 5
        fields = {
            "status": status,
            "deadline": None if long_term and i % 4 == 1 else day + datetime.timedelta(offset),
            "is_long_term": long_term,
            "closed_at": signed - datetime.timedelta(hours=i % 3) if status == S.CLOSED else None,
        }
        lead = (unit_a, unit_b, other)[i % 3] if i % 5 else unit_a
        measure = MeasureFactory(problem=problems[i % 3], seq=i + 1, lead_unit=lead, **fields)
        if lead != unit_a and i % 2:
            measure.cooperating_units.add(unit_a)
        if lead == unit_a and i % 4 == 0:
            measure.cooperating_units.add(unit_a, unit_b)  # A twice: once in the list
    return day


def expected(user, tab: str, day) -> list[int]:
    return list(liaison_tasks(user, tab=tab, as_of=day).values_list("pk", flat=True))


@pytest.fixture
def used(monkeypatch) -> list[tuple[int, int]]:
    """The pages TasksInOrder was asked for (so that a test knows it was used)."""
    asked: list[tuple[int, int]] = []
    keys = TasksInOrder.keys

    def spy(self, bottom, top):
        asked.append((bottom, top))
        return keys(self, bottom, top)

    monkeypatch.setattr(TasksInOrder, "keys", spy)
    return asked


def test_the_tabs_count_what_the_measures_count(tasks, liaison_a):
    day = tasks
    filters = {**TASK_TABS, "overdue": overdue_filter(day)}
    truth = measures_visible_to(liaison_a).aggregate(
        **{name: Count("id", filter=q) for name, q in filters.items()}
    )
    assert min(truth.values()) > 0
    assert liaison_task_counts(liaison_a, day) == truth


@pytest.mark.parametrize("tab", sorted(TASK_TABS))
@pytest.mark.parametrize("size", [1, 2, 3, 5, 50])
def test_every_page_holds_what_the_sorted_tab_holds(tasks, liaison_a, used, tab, size):
    day = tasks
    want = expected(liaison_a, tab, day)
    assert len(want) > 5 and len(want) == len(set(want))
    in_order = liaison_tasks_in_order(liaison_a, tab=tab, as_of=day)
    assert in_order is not None and in_order.count == len(want)
    paginator = DeferredJoinPaginator(
        liaison_tasks(liaison_a, tab=tab, as_of=day), size, count=len(want), in_order=in_order
    )
    seen: list[int] = []
    for number in paginator.page_range:
        seen += [m.pk for m in paginator.page(number).object_list]
    assert seen == want
    if size < len(want):
        assert len(used) == paginator.num_pages  # each page's keys came from the rows


def test_the_page_shows_the_tab_in_order(tasks, liaison_a, client, monkeypatch):
    monkeypatch.setattr("rectification.views.PAGE_SIZE", 3)
    day = tasks
    client.force_login(liaison_a)
    want = expected(liaison_a, "todo", day)
    shown: list[int] = []
    for number in range(1, -(-len(want) // 3) + 1):
        html = client.get(f"/tasks/?tab=todo&page={number}").content.decode()
        shown += [
            int(pk) for pk in re.findall(r'<article class="mcard c-\w+" data-measure="(\d+)"', html)
        ]
    assert shown == want


def test_only_a_liaison_s_tasks_are_read_from_the_rows(tasks, office, liaison_a):
    assert liaison_tasks_in_order(office) is None
    assert isinstance(liaison_tasks_in_order(liaison_a), selectors.TasksInOrder)
