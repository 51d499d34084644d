"""The round timeline's chart (挂图作战) starts on the day the measures were entered, in China."""

from __future__ import annotations

import datetime

import pytest

from rectification.models import Measure
from rectification.timeline import LABEL_WIDTH, timeline_chart
from tests.factories import MeasureFactory, ProblemFactory, RoundFactory

pytestmark = pytest.mark.django_db


def test_a_round_without_feedback_date_starts_on_the_local_day_its_measures_were_entered(
    unit_top, unit_a
):
    inspection_round = RoundFactory(target_unit=unit_top, feedback_date=None)
    measure = MeasureFactory(
        problem=ProblemFactory(round=inspection_round, seq=1),
        lead_unit=unit_a,
        deadline=datetime.date(2027, 3, 1),
    )
    # 00:30 on 1 December in Beijing is still 30 November in UTC.
    entered = datetime.datetime(2026, 11, 30, 16, 30, tzinfo=datetime.UTC)
    Measure.objects.filter(pk=measure.pk).update(created_at=entered)

    chart = timeline_chart(
        inspection_round, list(Measure.objects.filter(pk=measure.pk)), datetime.date(2026, 12, 1)
    )

    # The chart begins on 1 December: its first month tick stands at the left edge.
    assert chart["ticks"][0] == {"x": LABEL_WIDTH, "label": "2026-12"}
