"""The reminder sweep: the three-colour ladder, who hears what, and that nothing goes twice."""

from __future__ import annotations

import datetime
import zoneinfo

import pytest
from django.utils import timezone

from accounts.models import User
from rectification import services
from rectification.models import Measure, ProgressReport, first_rung_on
from reminders import services as reminders
from reminders.models import Escalation, EscalationDigest, Notification, ReminderLog
from reminders.services import Kind
from tests.factories import MeasureFactory, UserFactory

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
TUESDAY = datetime.date(2026, 11, 10)  # an ordinary working day, far from the 1st and 16th


def at(day: datetime.date, hour: int = 9) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour), tzinfo=SHANGHAI)


def days(n: int) -> datetime.timedelta:
    return datetime.timedelta(days=n)


def set_deadline(measure: Measure, deadline: datetime.date) -> None:
    """A new deadline written past the services, with the sweep's schedule that a save keeps."""
    Measure.objects.filter(pk=measure.pk).update(
        deadline=deadline, next_rung_on=first_rung_on(deadline, measure.status, False)
    )


def sweep() -> reminders.SweepResult:
    """The sweep as the beat runs it (today by the fixed clock), without sending messages."""
    return reminders.sweep(dispatch=lambda delivery_id: None)


def received() -> set[tuple[str, str, int, str]]:
    """Every reminder recorded so far, as (measure text, kind, step, recipient username);
    a digest is named "digest"."""
    return {
        (
            log.measure.text if log.measure else log.unit.name if log.unit else "digest",
            log.kind,
            log.step,
            log.recipient.username,
        )
        for log in ReminderLog.objects.select_related("measure", "unit", "recipient")
    }


def escalated() -> set[tuple[str, str, int, int | None]]:
    """Every escalation item so far, as (measure text, kind, step, digest id)."""
    return {
        (e.measure.text, e.kind, e.step, e.digest_id)
        for e in Escalation.objects.select_related("measure")
    }


@pytest.fixture
def clock(time_machine):
    time_machine.move_to(at(TUESDAY), tick=False)
    return time_machine


@pytest.fixture
def head(inspection_round) -> User:
    """The principal leader of the inspected organisation, who hears of red warnings."""
    user = UserFactory(username="head", role=User.Role.LEADER)
    target = inspection_round.target_unit
    target.head = user
    target.save(update_fields=["head"])
    return user


@pytest.fixture
def official(db) -> User:
    """The lead official (牵头领导) with an account of his own."""
    return UserFactory(username="official", role=User.Role.LEADER)


@pytest.fixture
def ladder(clock, problem, unit_a, liaison_a, office, office2, head, official, leader):
    """Five measures of unit A, one on each rung of the ladder."""
    today = TUESDAY
    return {
        "due in 20": MeasureFactory(
            problem=problem, text="due in 20", lead_unit=unit_a, deadline=today + days(20)
        ),
        "due in 10": MeasureFactory(
            problem=problem,
            text="due in 10",
            lead_unit=unit_a,
            deadline=today + days(10),
            lead_official_user=official,
        ),
        "due in 1": MeasureFactory(
            problem=problem,
            text="due in 1",
            lead_unit=unit_a,
            deadline=today + days(1),
            lead_official_user=official,
        ),
        "1 overdue": MeasureFactory(
            problem=problem, text="1 overdue", lead_unit=unit_a, deadline=today - days(1)
        ),
        "8 overdue": MeasureFactory(
            problem=problem, text="8 overdue", lead_unit=unit_a, deadline=today - days(8)
        ),
    }


def test_each_rung_of_the_ladder_reaches_the_right_people(ladder):
    sweep()

    # Red goes to the liaisons measure by measure, and to the office staff and the head
    # of the inspected organisation as items of one digest each.
    digest = EscalationDigest.objects.get()
    assert received() == {
        ("due in 20", Kind.GREEN, 0, "liaison_a"),
        ("due in 10", Kind.YELLOW, 0, "liaison_a"),
        ("due in 10", Kind.YELLOW, 0, "official"),
        ("due in 1", Kind.FINAL, 0, "liaison_a"),
        ("due in 1", Kind.FINAL, 0, "official"),
        ("1 overdue", Kind.RED, 1, "liaison_a"),
        ("8 overdue", Kind.RED, 2, "liaison_a"),
        *(("digest", Kind.DIGEST, 0, who) for who in ["clerk", "clerk2", "head"]),
    }
    assert escalated() == {
        ("1 overdue", Kind.RED, 1, digest.pk),
        ("8 overdue", Kind.RED, 2, digest.pk),
    }


def test_every_reminder_is_an_in_app_notification_of_its_recipient(ladder):
    sweep()

    logs = ReminderLog.objects.select_related("notification")
    assert logs.count() == Notification.objects.count() == 10
    for log in logs:
        assert log.notification.recipient_id == log.recipient_id
        assert log.notification.kind == log.kind
        assert log.notification.measure_id == log.measure_id


def test_the_kind_of_reminder_follows_the_colour_the_lists_show(ladder):
    sweep()

    colour_of_kind = {
        Kind.GREEN: Measure.Colour.GREEN,
        Kind.YELLOW: Measure.Colour.YELLOW,
        Kind.FINAL: Measure.Colour.YELLOW,
        Kind.RED: Measure.Colour.RED,
    }
    for log in ReminderLog.objects.exclude(kind=Kind.DIGEST).select_related("measure"):
        assert colour_of_kind[log.kind] == log.measure.warning_colour(TUESDAY)


def test_running_the_sweep_twice_sends_nothing_more(ladder):
    first = sweep()
    notifications = Notification.objects.count()

    second = sweep()

    # Seven reminders to people, two escalation items (in one digest); then nothing.
    assert first.total == 9
    assert first.digests == 1
    assert second.total == 0
    assert second.digests == 0
    assert Notification.objects.count() == notifications


def test_a_dry_run_counts_what_is_due_and_writes_nothing(ladder):
    result = reminders.sweep(dry_run=True)

    assert result.total == 9
    assert result.reminders[Kind.RED] == 2
    assert result.escalations[Kind.RED] == 2
    assert result.digests == 1
    assert not ReminderLog.objects.exists()
    assert not Escalation.objects.exists()
    assert not Notification.objects.exists()


def test_red_warnings_repeat_weekly_and_no_other_day(ladder, clock):
    sweep()
    overdue = ladder["1 overdue"]
    red_steps = []
    for offset in range(1, 15):
        clock.move_to(at(TUESDAY + days(offset)), tick=False)
        sweep()
        red_steps.append(
            sorted(
                ReminderLog.objects.filter(
                    measure=overdue, kind=Kind.RED, recipient__username="liaison_a"
                ).values_list("step", flat=True)
            )
        )

    # Overdue 1 day on TUESDAY: step 2 the day it is 8 days overdue, step 3 at 15 days.
    assert red_steps[6] == [1, 2]
    assert red_steps[5] == [1]
    assert red_steps[13] == [1, 2, 3]
    assert red_steps[12] == [1, 2]


def test_a_missed_sweep_catches_up_with_the_current_rung_only(clock, measure_a, liaison_a):
    set_deadline(measure_a, TUESDAY + days(5))

    sweep()

    # The green warning's day passed with no sweep: the yellow one supersedes it.
    assert received() == {(measure_a.text, Kind.YELLOW, 0, "liaison_a")}


def test_an_approved_extension_starts_a_fresh_ladder(clock, measure_a, liaison_a, office):
    set_deadline(measure_a, TUESDAY + days(10))
    sweep()
    extension = services.extension_request(
        measure_id=measure_a.pk,
        actor=liaison_a,
        new_deadline=TUESDAY + days(50),
        reason="需协调市级部门审批",
    )
    services.extension_approve(extension_id=extension.pk, actor=office)

    for offset in range(1, 31):
        clock.move_to(at(TUESDAY + days(offset)), tick=False)
        sweep()

    ladder_of_a = list(
        ReminderLog.objects.filter(measure=measure_a)
        .order_by("created_at", "id")
        .values_list("kind", "key_date", "created_at__date")
    )
    # The old deadline's yellow warning, then nothing of the old ladder (no last reminder,
    # no red), and the new deadline's own green warning 20 days before it.
    assert ladder_of_a == [
        (Kind.YELLOW, TUESDAY + days(10), TUESDAY),
        (Kind.GREEN, TUESDAY + days(50), TUESDAY + days(30)),
    ]


def test_long_term_and_signed_off_measures_get_no_deadline_reminders(
    clock, problem, unit_a, liaison_a, office
):
    MeasureFactory(problem=problem, lead_unit=unit_a, deadline=None, is_long_term=True)
    MeasureFactory(
        problem=problem,
        lead_unit=unit_a,
        deadline=TUESDAY - days(3),
        status=Measure.Status.CLOSED,
        closed_at=timezone.now(),
    )

    result = sweep()

    assert result.total == 0
    assert not Notification.objects.exists()


def test_a_unit_without_liaison_is_reported_to_the_office_instead(
    clock, problem, unit_b, office, office2, leader
):
    # unit_b has no liaison: the liaison_b fixture is not used here.
    MeasureFactory(problem=problem, text="B due", lead_unit=unit_b, deadline=TUESDAY + days(10))
    MeasureFactory(problem=problem, text="B later", lead_unit=unit_b, deadline=TUESDAY + days(3))

    sweep()

    assert received() == {
        (unit_b.name, Kind.UNIT_WITHOUT_LIAISON, 0, "clerk"),
        (unit_b.name, Kind.UNIT_WITHOUT_LIAISON, 0, "clerk2"),
    }
    assert Notification.objects.filter(recipient=leader).count() == 0


def test_an_inactive_liaison_counts_as_no_liaison(clock, measure_a, liaison_a, office):
    set_deadline(measure_a, TUESDAY + days(10))
    User.objects.filter(pk=liaison_a.pk).update(is_active=False)

    sweep()

    assert received() == {(measure_a.lead_unit.name, Kind.UNIT_WITHOUT_LIAISON, 0, "clerk")}


def test_the_office_hears_of_a_unit_without_liaison_once_a_day(clock, problem, unit_b, office):
    MeasureFactory(problem=problem, lead_unit=unit_b, deadline=TUESDAY + days(10))

    sweep()
    sweep()
    clock.move_to(at(TUESDAY + days(1)), tick=False)
    sweep()

    notices = Notification.objects.filter(kind=Kind.UNIT_WITHOUT_LIAISON, recipient=office)
    assert notices.count() == 2


def test_a_measure_without_lead_unit_is_reported_to_the_office(clock, problem, office, liaison_a):
    orphan = MeasureFactory(
        problem=problem, text="no unit", lead_unit=None, deadline=TUESDAY + days(2)
    )

    result = sweep()

    assert received() == {("no unit", Kind.MEASURE_WITHOUT_LEAD_UNIT, 0, "clerk")}
    assert result.reminders[Kind.MEASURE_WITHOUT_LEAD_UNIT] == 1
    assert Notification.objects.get().measure == orphan


def test_progress_reports_are_asked_for_on_the_16th_from_units_that_have_none(
    clock, problem, unit_a, unit_b, liaison_a, liaison_b
):
    first_half = datetime.date(2026, 11, 3)
    clock.move_to(at(first_half), tick=False)
    silent = MeasureFactory(problem=problem, lead_unit=unit_a, deadline=first_half + days(90))
    diligent = MeasureFactory(problem=problem, lead_unit=unit_b, deadline=first_half + days(90))
    ProgressReport.objects.create(
        measure=diligent, author=liaison_b, period="2026-11-H1", text="已完成调研"
    )

    clock.move_to(at(datetime.date(2026, 11, 16)), tick=False)
    sweep()

    assert received() == {(unit_a.name, Kind.PROGRESS_DUE, 0, "liaison_a")}
    notice = Notification.objects.get()
    assert notice.measure is None
    assert silent.lead_unit.name in notice.body


def test_no_progress_reminder_on_other_days_or_for_closed_or_new_measures(
    clock, problem, unit_a, liaison_a
):
    clock.move_to(at(datetime.date(2026, 10, 20)), tick=False)
    MeasureFactory(
        problem=problem,
        lead_unit=unit_a,
        deadline=datetime.date(2027, 3, 1),
        status=Measure.Status.CLOSED,
        closed_at=timezone.now(),
    )
    clock.move_to(at(datetime.date(2026, 11, 16)), tick=False)
    MeasureFactory(problem=problem, lead_unit=unit_a, deadline=datetime.date(2027, 3, 1))

    sweep()  # the only open measure was created after the period ended
    clock.move_to(at(datetime.date(2026, 11, 25)), tick=False)
    sweep()  # not a reporting day

    assert not ReminderLog.objects.exists()


def test_a_submission_waits_three_working_days_by_chinas_calendar(
    clock, measure_a, liaison_a, office, office2
):
    # Submitted on the eve of the National Day holiday (1–7 October 2026); Saturday
    # 10 October is an adjusted workday (调休), the third working day after.
    submitted = at(datetime.date(2026, 9, 30), 16)
    Measure.objects.filter(pk=measure_a.pk).update(
        status=Measure.Status.SUBMITTED,
        submitted_at=submitted,
        submitted_by=liaison_a,
        deadline=datetime.date(2026, 12, 31),
    )

    for day in (datetime.date(2026, 10, 7), datetime.date(2026, 10, 9)):
        clock.move_to(at(day), tick=False)
        sweep()
    assert not ReminderLog.objects.exists()

    clock.move_to(at(datetime.date(2026, 10, 10)), tick=False)
    sweep()
    # The office hears of it in its digest, each clerk once.
    assert received() == {
        ("digest", Kind.DIGEST, 0, "clerk"),
        ("digest", Kind.DIGEST, 0, "clerk2"),
    }
    assert {(e.measure_id, e.kind) for e in Escalation.objects.all()} == {
        (measure_a.pk, Kind.REVIEW_WAITING)
    }


def test_a_crash_half_way_then_a_rerun_sends_each_reminder_once(ladder, settings, monkeypatch):
    settings.REMINDER_SWEEP_CHUNK = 2
    real_record = reminders._record
    calls = []

    def record_then_crash(chunk, day):
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("worker killed")
        return real_record(chunk, day)

    monkeypatch.setattr(reminders, "_record", record_then_crash)
    with pytest.raises(RuntimeError):
        sweep()
    assert 0 < ReminderLog.objects.count() < 10
    assert not EscalationDigest.objects.exists()
    monkeypatch.setattr(reminders, "_record", real_record)

    sweep()

    assert ReminderLog.objects.count() == Notification.objects.count() == 10
    assert len(received()) == 10
    assert EscalationDigest.objects.get().items == 2
    # Every reminder is in exactly one email, the ones of the crashed sweep included.
    assert not ReminderLog.objects.filter(email_delivery__isnull=True).exists()


def test_the_sweep_reads_only_the_measures_that_can_be_due_in_chunks(
    ladder, problem, unit_a, settings, monkeypatch
):
    MeasureFactory(problem=problem, lead_unit=unit_a, deadline=TUESDAY + days(60))
    MeasureFactory(
        problem=problem,
        lead_unit=unit_a,
        deadline=TUESDAY - days(3),
        status=Measure.Status.CLOSED,
        closed_at=timezone.now(),
    )
    settings.REMINDER_SWEEP_CHUNK = 2
    pages = []
    real_chunks = reminders._keyset_chunks

    def spy(qs, *order):
        for rows in real_chunks(qs, *order):
            pages.append([row.text for row in rows])
            yield rows

    monkeypatch.setattr(reminders, "_keyset_chunks", spy)

    result = reminders.sweep(dry_run=True)

    # The five coloured measures, by deadline, two at a time; the far and the closed
    # one are never read.
    assert pages == [["8 overdue", "1 overdue"], ["due in 1", "due in 10"], ["due in 20"]]
    assert result.total == 9


def test_the_office_hears_of_any_number_of_red_measures_in_one_digest(
    clock, problem, unit_a, liaison_a, office, office2
):
    for n in range(30):
        MeasureFactory(problem=problem, lead_unit=unit_a, deadline=TUESDAY - days(1 + n % 5))

    sweep()

    for clerk in (office, office2):
        note = Notification.objects.get(recipient=clerk)
        assert note.kind == Kind.DIGEST
        assert "30" in note.title
        link = f"/measures/?round={problem.round_id}&lead_unit={unit_a.pk}&colour=red"
        assert link in note.body
    assert Notification.objects.filter(recipient=liaison_a, kind=Kind.RED).count() == 30


def test_each_item_is_in_exactly_one_digest_and_a_new_rung_makes_a_new_digest(
    clock, problem, unit_a, liaison_a, office
):
    overdue = MeasureFactory(problem=problem, lead_unit=unit_a, deadline=TUESDAY - days(1))
    sweep()
    sweep()
    clock.move_to(at(TUESDAY + days(7)), tick=False)
    sweep()

    first, second = EscalationDigest.objects.order_by("id")
    assert escalated() == {
        (overdue.text, Kind.RED, 1, first.pk),
        (overdue.text, Kind.RED, 2, second.pk),
    }
    assert Notification.objects.filter(recipient=office, kind=Kind.DIGEST).count() == 2


def test_a_head_hears_only_of_the_red_items_of_their_own_organisation(
    clock, problem, unit_a, liaison_a, office, head
):
    from tests.factories import ProblemFactory, RoundFactory

    MeasureFactory(problem=problem, lead_unit=unit_a, deadline=TUESDAY - days(2))
    elsewhere = ProblemFactory(round=RoundFactory())
    MeasureFactory(problem=elsewhere, lead_unit=unit_a, deadline=TUESDAY - days(2))

    sweep()

    note = Notification.objects.get(recipient=head)
    assert f"round={problem.round_id}&" in note.body
    assert f"round={elsewhere.round_id}&" not in note.body
    assert str(Notification.objects.get(recipient=office).body).count("colour=red") == 2


def test_the_bell_counts_a_digest_as_one_unread_notification(
    clock, problem, unit_a, liaison_a, office
):
    from rest_framework.test import APIClient

    for n in range(12):
        MeasureFactory(problem=problem, lead_unit=unit_a, deadline=TUESDAY - days(1 + n))
    sweep()
    client = APIClient()
    client.force_login(office)

    assert client.get("/api/v1/me/").json()["unread_notifications"] == 1


@pytest.mark.parametrize("after, counted", [(1, True), (10**9, False)])
def test_a_sweep_that_writes_many_rows_has_their_tables_counted(
    ladder, monkeypatch, after, counted
):
    """A planner that takes the reminder logs for an empty table checks each measure against
    all of them; once a sweep has written STATISTICS_AFTER rows, it counts its tables."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    if connection.vendor != "postgresql":
        pytest.skip("ANALYZE is PostgreSQL's")
    monkeypatch.setattr(reminders, "STATISTICS_AFTER", after)
    with CaptureQueriesContext(connection) as queries:
        assert sweep().reminders
    analyzed = [q["sql"] for q in queries if q["sql"].startswith("ANALYZE")]
    assert bool(analyzed) is counted
    assert all(ReminderLog._meta.db_table in sql for sql in analyzed)
