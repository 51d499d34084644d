"""The warning colour and the overdue rule: the Python answers and the database filters agree.

Every boundary day of the ladder (the day after, the deadline, the yellow and green edges and
one day either side of each) is tried for every colour, for open, closed and long-term
measures alike.
"""

from __future__ import annotations

import datetime

import pytest
from django.conf import settings
from django.db import models
from django.utils import timezone

from rectification.models import Measure, colour_filter, overdue_filter
from tests.factories import MeasureFactory

AS_OF = datetime.date(2026, 11, 20)
Colour = Measure.Colour
Status = Measure.Status


def boundary_offsets() -> list[int]:
    edges = {0, settings.REMINDER_YELLOW_DAYS, settings.REMINDER_GREEN_DAYS}
    return sorted({edge + step for edge in edges for step in (-1, 0, 1)} | {-30, 60})


@pytest.fixture
def ladder(problem, unit_a) -> list[Measure]:
    """One measure per (boundary day, status, long-term) and one with no deadline."""
    measures = []
    seq = 0
    for offset in boundary_offsets():
        for status in (Status.NOT_STARTED, Status.SUBMITTED, Status.CLOSED):
            for long_term in (False, True):
                seq += 1
                measures.append(
                    MeasureFactory(
                        problem=problem,
                        seq=seq,
                        lead_unit=unit_a,
                        deadline=AS_OF + datetime.timedelta(days=offset),
                        is_long_term=long_term,
                        status=status,
                        closed_at=timezone.now() if status == Status.CLOSED else None,
                    )
                )
    measures.append(
        MeasureFactory(
            problem=problem, seq=seq + 1, lead_unit=unit_a, deadline=None, is_long_term=True
        )
    )
    return measures


@pytest.mark.parametrize("colour", Colour.values)
def test_the_colour_filter_finds_exactly_the_measures_of_that_colour(ladder, colour):
    expected = {m.pk for m in ladder if m.warning_colour(AS_OF) == colour}
    found = set(Measure.objects.filter(colour_filter(colour, AS_OF)).values_list("pk", flat=True))
    assert found == expected


def test_every_colour_occurs_on_the_ladder(ladder):
    # Without this the comparison above could pass on a ladder that misses a colour.
    assert {m.warning_colour(AS_OF) for m in ladder} == set(Colour.values)


def test_the_colours_split_the_measures_without_overlap(ladder):
    counts = [Measure.objects.filter(colour_filter(c, AS_OF)).count() for c in Colour.values]
    assert sum(counts) == len(ladder)


def test_the_overdue_filter_finds_exactly_the_overdue_measures(ladder):
    expected = {m.pk for m in ladder if m.is_overdue(AS_OF)}
    found = set(Measure.objects.filter(overdue_filter(AS_OF)).values_list("pk", flat=True))
    assert found == expected
    assert expected  # some measure is overdue on the ladder


@pytest.mark.parametrize(
    ("offset", "colour"),
    [
        (-1, Colour.RED),
        (0, Colour.YELLOW),  # due today is not late yet
        (settings.REMINDER_YELLOW_DAYS, Colour.YELLOW),
        (settings.REMINDER_YELLOW_DAYS + 1, Colour.GREEN),
        (settings.REMINDER_GREEN_DAYS, Colour.GREEN),
        (settings.REMINDER_GREEN_DAYS + 1, Colour.NONE),
    ],
)
def test_an_open_measure_takes_the_colour_of_its_rung(offset, colour):
    measure = Measure(deadline=AS_OF + datetime.timedelta(days=offset), status=Status.IN_PROGRESS)
    assert measure.warning_colour(AS_OF) == colour


def test_a_long_term_or_closed_measure_is_never_overdue_nor_coloured():
    late = AS_OF - datetime.timedelta(days=3)
    long_term = Measure(deadline=late, is_long_term=True, status=Status.IN_PROGRESS)
    closed = Measure(deadline=late, status=Status.CLOSED)
    for measure in (long_term, closed):
        assert measure.is_overdue(AS_OF) is False
        assert measure.warning_colour(AS_OF) == Colour.NONE
    assert Measure(deadline=late, status=Status.IN_PROGRESS).is_overdue(AS_OF) is True


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_a_status_reads_as_django_s_own_display_of_the_choice(language):
    from django.utils import translation

    field = Measure._meta.get_field("status")
    with translation.override(language):
        for status in [*Measure.Status.values, "unknown"]:
            measure = Measure(status=status)
            django_s = models.Model._get_FIELD_display(measure, field)
            assert measure.get_status_display() == django_s
            assert type(measure.get_status_display()) is str
