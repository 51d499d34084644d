"""Rectification reports (报告报账) in the reminder ladder: the office hears once when a
report falls due and weekly while it is overdue, and nothing once it is sent."""

from __future__ import annotations

import datetime
import zoneinfo

import pytest
from django.core import mail
from django.db import IntegrityError, transaction

from inspections.models import RoundReport
from reminders import services as reminders
from reminders.models import Notification, ReminderLog
from reminders.services import Kind
from tests.factories import RoundFactory

pytestmark = pytest.mark.django_db

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
TUESDAY = datetime.date(2026, 11, 10)


def days(n: int) -> datetime.timedelta:
    return datetime.timedelta(days=n)


def at(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(9), tzinfo=SHANGHAI)


@pytest.fixture
def clock(time_machine):
    time_machine.move_to(at(TUESDAY), tick=False)
    return time_machine


def sweep() -> reminders.SweepResult:
    return reminders.sweep(dispatch=lambda delivery_id: None)


def received() -> set[tuple[str, str, int, str]]:
    """Every report reminder so far, as (round name, kind, step, recipient username)."""
    return {
        (log.round_report.round.name, log.kind, log.step, log.recipient.username)
        for log in ReminderLog.objects.filter(round_report__isnull=False).select_related(
            "round_report__round", "recipient"
        )
    }


@pytest.fixture
def report(clock, inspection_round, office, office2, leader, liaison_a) -> RoundReport:
    """The round's report, due in ten days (the yellow window) and not sent."""
    return RoundReport.objects.create(round=inspection_round, due=TUESDAY + days(10))


def test_the_office_hears_once_when_the_report_falls_due(report, clock):
    name = report.round.name
    sweep()
    sweep()
    clock.move_to(at(TUESDAY + days(3)), tick=False)
    sweep()

    # Office staff only: not the leader, not the liaison.
    assert received() == {(name, Kind.REPORT_DUE, 0, "clerk"), (name, Kind.REPORT_DUE, 0, "clerk2")}


def test_a_report_further_off_than_the_yellow_window_is_not_reminded_yet(report):
    RoundReport.objects.filter(pk=report.pk).update(due=TUESDAY + days(11))

    result = sweep()

    assert received() == set()
    assert result.reminders[Kind.REPORT_DUE] == 0


def test_an_overdue_report_is_reminded_the_day_after_and_then_weekly(report, clock):
    RoundReport.objects.filter(pk=report.pk).update(due=TUESDAY - days(1))
    name = report.round.name
    sweep()
    assert received() == {
        (name, Kind.REPORT_OVERDUE, 1, "clerk"),
        (name, Kind.REPORT_OVERDUE, 1, "clerk2"),
    }

    for n in range(1, 7):  # no other day of the week
        clock.move_to(at(TUESDAY + days(n)), tick=False)
        sweep()
    assert ReminderLog.objects.filter(kind=Kind.REPORT_OVERDUE).count() == 2

    clock.move_to(at(TUESDAY + days(7)), tick=False)
    sweep()
    assert (name, Kind.REPORT_OVERDUE, 2, "clerk") in received()
    assert ReminderLog.objects.filter(kind=Kind.REPORT_OVERDUE).count() == 4


def test_a_sent_report_is_reminded_of_no_more(report, clock):
    RoundReport.objects.filter(pk=report.pk).update(due=TUESDAY - days(1), sent_on=TUESDAY)

    sweep()
    clock.move_to(at(TUESDAY + days(7)), tick=False)
    sweep()

    assert received() == set()


def test_a_new_due_date_starts_the_reminders_afresh(report, clock):
    sweep()
    RoundReport.objects.filter(pk=report.pk).update(due=TUESDAY + days(5))
    sweep()

    keys = set(ReminderLog.objects.filter(recipient__username="clerk").values_list("key_date"))
    assert keys == {(TUESDAY + days(10),), (TUESDAY + days(5),)}


def test_the_notification_and_the_email_say_which_report_and_where_to_record_it(
    report, django_capture_on_commit_callbacks
):
    RoundReport.objects.filter(pk=report.pk).update(due=TUESDAY - days(3))
    with django_capture_on_commit_callbacks(execute=True):
        reminders.sweep(dispatch=reminders.deliver_now)

    note = Notification.objects.get(recipient__username="clerk", kind=Kind.REPORT_OVERDUE)
    assert report.round.name in note.title
    assert "已逾期 3 天" in note.body  # the site speaks Chinese
    assert f"/rounds/{report.round_id}/reports/" in note.body
    email = next(m for m in mail.outbox if "clerk@" in m.to[0])
    assert "【整改报告逾期未报】" in email.body
    assert report.round.name in email.body and "已逾期3天" in email.body


def test_a_dry_run_counts_the_report_reminders_and_writes_nothing(report):
    result = reminders.sweep(dry_run=True)

    assert result.reminders[Kind.REPORT_DUE] == 2
    assert not ReminderLog.objects.exists()


def test_each_report_of_several_rounds_is_reminded_on_its_own(report, clock):
    other = RoundFactory(name="2026年第二轮巡察", target_unit=report.round.target_unit)
    RoundReport.objects.create(round=other, due=TUESDAY + days(10))

    sweep()

    assert (
        ReminderLog.objects.filter(kind=Kind.REPORT_DUE, recipient__username="clerk").count() == 2
    )


def test_the_log_refuses_a_second_row_for_the_same_report_reminder(report, office):
    row = {
        "kind": Kind.REPORT_DUE,
        "round_report": report,
        "key_date": report.due,
        "recipient": office,
    }
    ReminderLog.objects.create(**row)
    with pytest.raises(IntegrityError), transaction.atomic():
        ReminderLog.objects.create(**row)
