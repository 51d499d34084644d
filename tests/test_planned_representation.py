"""PlannedRepresentation (config/api.py) answers exactly what DRF's own
Serializer.to_representation answers, field for field, on every kind of row."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone, translation
from rest_framework import serializers
from rest_framework.test import APIRequestFactory

from config import api
from rectification.api import MeasureSerializer
from rectification.models import Measure, today
from rectification.selectors import measures_visible_to
from tests.factories import MeasureFactory, ProblemFactory, UnitFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def rows(inspection_round, unit_a, unit_b, office, liaison_a):
    """Measures with and without a lead unit, official, deadline, cooperating units,
    submission and sign-off, in every status."""
    other = UnitFactory(name="第三单位")
    day = today()
    now = timezone.now().replace(microsecond=0)
    problem = ProblemFactory(round=inspection_round, seq=1)
    made = []
    for i, status in enumerate(Measure.Status.values * 2):
        long_term = i % 5 == 4
        made.append(
            MeasureFactory(
                problem=problem,
                seq=i + 1,
                lead_unit=None if i % 6 == 5 else (unit_a, unit_b)[i % 2],
                lead_official="张三" if i % 3 else "",
                lead_official_user=liaison_a if i % 4 == 1 else None,
                deadline=None if long_term and i % 2 else day + datetime.timedelta(days=i - 5),
                is_long_term=long_term,
                status=status,
                submitted_at=now if status in ("submitted", "closed") else None,
                submitted_by=liaison_a if status in ("submitted", "closed") else None,
                closed_at=now - datetime.timedelta(hours=i) if status == "closed" else None,
                closed_by=office if status == "closed" else None,
                result_summary="已完成" if status == "closed" else "",
            )
        )
        if i % 3 == 0:
            made[-1].cooperating_units.set([other, unit_b])
    return made


def drf_s_own(serializer, instance) -> dict:
    return serializers.Serializer.to_representation(serializer, instance)


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_each_row_reads_as_drf_reads_it(rows, office, language):
    request = APIRequestFactory().get("/api/v1/measures/")
    request.user = office
    measures = list(measures_visible_to(office).order_by("id"))
    assert len(measures) == len(rows)
    with translation.override(language):
        many = MeasureSerializer(measures, many=True, context={"request": request})
        planned = many.data
        child = many.child
        assert [dict(row) for row in planned] == [drf_s_own(child, m) for m in measures]
        one = MeasureSerializer(measures[0], context={"request": request})
        assert one.data == drf_s_own(one, measures[0])


def test_most_fields_skip_drf_s_steps(rows, office):
    request = APIRequestFactory().get("/api/v1/measures/")
    request.user = office
    serializer = MeasureSerializer(rows[0], context={"request": request})
    serializer.data  # noqa: B018 - plans the fields
    plan = serializer.__dict__["_plan"]
    drf_steps = api._drf_steps(serializer.fields["round"]).__code__
    slow = [name for name, read in plan if read.__code__ is drf_steps]
    # Every field has its reader: a column, a key, a key list, a column through a key, a
    # method; DRF's own steps are left for the rows whose key is empty (lead_unit_name).
    assert slow == []
    assert len(plan) == len(serializer.fields)
