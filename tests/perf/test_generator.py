"""`generate_demo_data`: the same seed gives the same rows, and the rows keep every rule."""

from __future__ import annotations

import datetime
import io
from collections import Counter

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from django.db.models import Count, Q

from accounts.models import Unit, User
from findings.models import Aspect, Petition, Problem, ProblemClue
from inspections.models import InspectionRound
from rectification import rollups
from rectification.models import Extension, Measure, ProgressReport, StatusChange

AS_OF = datetime.date(2026, 6, 15)
GENERATED = [
    Unit,
    User,
    InspectionRound,
    Aspect,
    Problem,
    ProblemClue,
    Petition,
    Measure,
    Measure.cooperating_units.through,
    Extension,
    ProgressReport,
    StatusChange,
]


def generate(*, measures: int, seed: int) -> str:
    out = io.StringIO()
    call_command(
        "generate_demo_data",
        measures=measures,
        seed=seed,
        as_of=AS_OF,
        stdout=out,
        stderr=io.StringIO(),
    )
    return out.getvalue()


def snapshot() -> dict[str, list[tuple]]:
    """Every generated row, primary keys included, in primary-key order."""
    return {
        model._meta.label: list(
            model.objects.order_by("pk").values_list(
                *(f.attname for f in model._meta.concrete_fields)
            )
        )
        for model in GENERATED
    }


def generated_then_rolled_back(*, measures: int, seed: int) -> dict[str, list[tuple]]:
    with transaction.atomic():
        generate(measures=measures, seed=seed)
        rows = snapshot()
        transaction.set_rollback(True)
    return rows


@pytest.mark.django_db
def test_the_same_seed_gives_the_same_rows_and_another_seed_other_rows():
    first = generated_then_rolled_back(measures=300, seed=7)
    again = generated_then_rolled_back(measures=300, seed=7)
    other = generated_then_rolled_back(measures=300, seed=8)

    assert len(first["rectification.Measure"]) == 300
    assert first == again
    assert first["rectification.Measure"] != other["rectification.Measure"]


@pytest.fixture
def generated(db) -> str:
    return generate(measures=1500, seed=3)


def test_the_generated_rows_pass_full_clean(generated):
    # The database already enforced its constraints while loading; full_clean also runs
    # the field validators (percent 0..100, choices, lengths) on a sample of each table.
    for model in GENERATED:
        if model is Measure.cooperating_units.through:
            continue
        sample = list(model.objects.order_by("pk")[:40])
        assert sample, model
        for row in sample:
            row.full_clean()


@pytest.mark.django_db
def test_the_generated_rows_leave_the_rollups_exact(generated):
    # COPY on PostgreSQL, bulk_create on SQLite: the triggers count both as they load.
    assert rollups.differences() == []


def test_the_generated_measures_cover_every_status_and_deadline_kind(generated):
    today = AS_OF
    measures = Measure.objects.aggregate(
        overdue=Count("id", filter=Q(deadline__lt=today, is_long_term=False) & ~Q(status="closed")),
        long_term=Count("id", filter=Q(is_long_term=True, deadline=None)),
        immediate=Count("id", filter=Q(is_immediate=True)),
        cooperating=Count("id", filter=Q(cooperating_units__isnull=False), distinct=True),
    )

    assert Measure.objects.count() == 1500
    assert set(Measure.objects.values_list("status", flat=True)) == set(Measure.Status.values)
    assert measures["overdue"] and measures["long_term"] and measures["immediate"]
    assert measures["cooperating"]
    assert set(Extension.objects.values_list("status", flat=True)) == set(Extension.Status.values)
    assert not Measure.objects.filter(status="closed", closed_at=None).exists()
    assert not User.objects.filter(role=User.Role.LIAISON, unit=None).exists()
    assert ProgressReport.objects.count() > Measure.objects.count()
    assert StatusChange.objects.filter(action=StatusChange.Action.APPROVE).count() == (
        Measure.objects.filter(status="closed").count()
    )


def test_it_refuses_a_database_that_already_holds_units(generated):
    with pytest.raises(CommandError, match="empty"):
        generate(measures=10, seed=3)


def test_it_spreads_a_province_over_cities_and_counties(db):
    from accounts.models import Jurisdiction
    from accounts.selectors import jurisdictions_below
    from rectification.selectors import measures_visible_to

    call_command(
        "generate_demo_data", measures=4000, seed=5, as_of=AS_OF, jurisdictions=30,
        stdout=io.StringIO(), stderr=io.StringIO(),
    )  # fmt: skip

    levels = Counter(Jurisdiction.objects.values_list("level", flat=True))
    assert levels == {"province": 1, "city": 16, "county": 13}
    counties = list(Jurisdiction.objects.filter(level="county"))
    offices = {u.username: u for u in User.objects.filter(username__startswith="office_j")}
    assert set(offices) == {f"office_j{c.pk}" for c in counties}
    # Every measure is led within its round's jurisdiction or below it (a joint round's
    # county unit), and a county's office reads exactly those of its scope.
    for round_j, lead_j in (
        Measure.objects.exclude(lead_unit=None)
        .values_list("problem__round__jurisdiction", "lead_unit__jurisdiction")
        .distinct()
    ):
        assert lead_j in jurisdictions_below(round_j)
    for county in counties[:3]:
        seen = measures_visible_to(offices[f"office_j{county.pk}"])
        own = Measure.objects.filter(
            Q(problem__round__jurisdiction=county) | Q(lead_unit__jurisdiction=county)
        )
        assert set(seen.values_list("pk", flat=True)) == set(own.values_list("pk", flat=True))
