"""The database itself refuses rows that break the data model's rules (DESIGN.md section 4).

Each bad row is written past the services and serializers, straight through the ORM, so
that only the constraint stands between it and the table.
"""

from __future__ import annotations

import datetime

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import Unit, User
from findings.models import Aspect, Petition, Problem
from inspections.models import InspectionRound
from rectification.models import Extension, Measure, ProgressReport

from .factories import AspectFactory, MeasureFactory, PetitionFactory, ProblemFactory

DEADLINE = datetime.date(2026, 12, 31)


def assert_refused(write) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        write()


def test_it_refuses_a_measure_with_no_deadline_that_is_not_long_term(problem, unit_a):
    assert_refused(
        lambda: Measure.objects.create(
            problem=problem, seq=1, text="无期限措施", lead_unit=unit_a, deadline=None
        )
    )
    assert Measure.objects.count() == 0


def test_it_accepts_a_long_term_measure_without_a_deadline(problem, unit_a):
    measure = Measure.objects.create(
        problem=problem, seq=1, text="长期坚持", lead_unit=unit_a, deadline=None, is_long_term=True
    )

    assert measure.pk is not None


def test_it_refuses_a_second_aspect_with_the_same_number_in_a_round(inspection_round):
    AspectFactory(round=inspection_round, seq=1)

    assert_refused(lambda: Aspect.objects.create(round=inspection_round, seq=1, title="重复"))
    assert Aspect.objects.filter(round=inspection_round).count() == 1


def test_it_refuses_a_second_problem_with_the_same_number_in_a_round(problem):
    assert_refused(lambda: Problem.objects.create(round=problem.round, seq=problem.seq, title="重"))
    assert Problem.objects.filter(round=problem.round).count() == 1


def test_it_allows_the_same_problem_number_in_another_round(problem):
    other = ProblemFactory(seq=problem.seq)

    assert other.seq == problem.seq
    assert other.round_id != problem.round_id


def test_it_refuses_a_second_measure_with_the_same_number_in_a_problem(measure_a, unit_b):
    assert_refused(
        lambda: Measure.objects.create(
            problem=measure_a.problem,
            seq=measure_a.seq,
            text="重复编号",
            lead_unit=unit_b,
            deadline=DEADLINE,
        )
    )
    assert Measure.objects.filter(problem=measure_a.problem).count() == 1


def test_it_refuses_a_measure_numbered_zero(problem, unit_a):
    assert_refused(
        lambda: Measure.objects.create(
            problem=problem, seq=0, text="零号", lead_unit=unit_a, deadline=DEADLINE
        )
    )


@pytest.mark.parametrize("percent", [-1, 101, 150])
def test_it_refuses_a_progress_percent_outside_0_to_100(measure_a, liaison_a, percent):
    assert_refused(
        lambda: ProgressReport.objects.create(
            measure=measure_a, author=liaison_a, period="2026-11-H1", text="进展", percent=percent
        )
    )
    assert ProgressReport.objects.count() == 0


@pytest.mark.parametrize("percent", [0, 100, None])
def test_it_accepts_a_progress_percent_at_the_edges(measure_a, liaison_a, percent):
    report = ProgressReport.objects.create(
        measure=measure_a, author=liaison_a, period="2026-11-H1", text="进展", percent=percent
    )

    report.refresh_from_db()
    assert report.percent == percent


def test_it_refuses_a_liaison_without_a_unit(db):
    assert_refused(lambda: User.objects.create(username="orphan", role=User.Role.LIAISON))
    assert not User.objects.filter(username="orphan").exists()


def test_it_refuses_to_take_the_unit_away_from_a_liaison(liaison_a):
    def write() -> None:
        User.objects.filter(pk=liaison_a.pk).update(unit=None)

    assert_refused(write)
    liaison_a.refresh_from_db()
    assert liaison_a.unit_id is not None


def test_it_accepts_an_office_clerk_without_a_unit(db):
    user = User.objects.create(username="clerk3", role=User.Role.OFFICE)

    assert user.unit_id is None


def test_it_refuses_a_closed_measure_without_its_closing_time(measure_a):
    def write() -> None:
        Measure.objects.filter(pk=measure_a.pk).update(status=Measure.Status.CLOSED)

    assert_refused(write)
    measure_a.refresh_from_db()
    assert measure_a.status == Measure.Status.NOT_STARTED


def test_it_accepts_a_closed_measure_with_its_closing_time(measure_a):
    Measure.objects.filter(pk=measure_a.pk).update(
        status=Measure.Status.CLOSED, closed_at=timezone.now()
    )

    measure_a.refresh_from_db()
    assert measure_a.status == Measure.Status.CLOSED


def pending_extension(measure: Measure, user: User) -> Extension:
    return Extension.objects.create(
        measure=measure,
        requested_by=user,
        old_deadline=measure.deadline,
        new_deadline=measure.deadline + datetime.timedelta(days=30),
        reason="汛期施工受阻",
    )


def test_it_refuses_two_pending_extensions_for_one_measure(measure_a, liaison_a):
    pending_extension(measure_a, liaison_a)

    assert_refused(lambda: pending_extension(measure_a, liaison_a))
    assert Extension.objects.filter(measure=measure_a).count() == 1


def test_it_allows_a_new_request_once_the_previous_one_is_decided(measure_a, liaison_a):
    first = pending_extension(measure_a, liaison_a)
    first.status = Extension.Status.REJECTED
    first.save()

    second = pending_extension(measure_a, liaison_a)

    assert second.status == Extension.Status.PENDING
    assert Extension.objects.filter(measure=measure_a).count() == 2


def test_it_refuses_a_concluded_petition_without_its_date(inspection_round):
    assert_refused(
        lambda: PetitionFactory(round=inspection_round, status=Petition.Status.CONCLUDED)
    )
    assert Petition.objects.count() == 0


def test_it_refuses_a_unit_that_is_its_own_parent(unit_a):
    def write() -> None:
        Unit.objects.filter(pk=unit_a.pk).update(parent=unit_a.pk)

    assert_refused(write)
    unit_a.refresh_from_db()
    assert unit_a.parent_id != unit_a.pk


def test_it_refuses_a_round_whose_visit_ends_before_it_starts(inspection_round):
    def write() -> None:
        InspectionRound.objects.filter(pk=inspection_round.pk).update(
            onsite_start=datetime.date(2026, 5, 10), onsite_end=datetime.date(2026, 5, 1)
        )

    assert_refused(write)


def test_it_builds_factory_measures_that_pass_every_constraint(problem, unit_a):
    # Guards the fixtures themselves: a factory-made measure is a valid row.
    measure = MeasureFactory(problem=problem, seq=5, lead_unit=unit_a)

    assert measure.deadline is not None
