"""Reminder messages: one email per person per sweep, chat robots, retries, visible failures."""

from __future__ import annotations

import datetime
import http.server
import json
import threading
import zoneinfo

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend
from django.db import IntegrityError, transaction

from reminders import services as reminders
from reminders.models import Notification, ReminderDelivery, ReminderLog
from reminders.services import Kind
from reminders.tasks import deliver_reminder, queue_delivery
from tests.factories import MeasureFactory, UserFactory

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
TUESDAY = datetime.date(2026, 11, 10)
Status = ReminderDelivery.Status


class FlakyBackend(LocmemBackend):
    """An SMTP server that is down at the first attempt, then fine (counts in mail.outbox)."""

    attempts = 0

    def send_messages(self, messages):
        type(self).attempts += 1
        if type(self).attempts == 1:
            raise ConnectionRefusedError("smtp.example.gov.cn:25 refused the connection")
        return super().send_messages(messages)


class DeadBackend(LocmemBackend):
    def send_messages(self, messages):
        raise ConnectionRefusedError("smtp.example.gov.cn:25 refused the connection")


def days(n: int) -> datetime.timedelta:
    return datetime.timedelta(days=n)


@pytest.fixture
def clock(time_machine):
    time_machine.move_to(
        datetime.datetime.combine(TUESDAY, datetime.time(9), tzinfo=SHANGHAI), tick=False
    )
    return time_machine


@pytest.fixture
def eager(settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    return settings


@pytest.fixture
def three_due(clock, problem, unit_a, liaison_a):
    """Three measures of unit A on the green, yellow and last rungs."""
    return [
        MeasureFactory(problem=problem, lead_unit=unit_a, deadline=TUESDAY + days(n))
        for n in (20, 10, 1)
    ]


def sweep_and_send(django_capture_on_commit_callbacks, **kwargs) -> reminders.SweepResult:
    """The sweep with its after-commit deliveries run, as a worker would run them."""
    with django_capture_on_commit_callbacks(execute=True):
        return reminders.sweep(**kwargs)


def test_a_person_gets_one_email_listing_all_their_reminders(
    three_due, liaison_a, django_capture_on_commit_callbacks
):
    sweep_and_send(django_capture_on_commit_callbacks, dispatch=reminders.deliver_now)

    assert Notification.objects.filter(recipient=liaison_a).count() == 3
    assert len(mail.outbox) == 1
    email = mail.outbox[0]
    assert email.to == [liaison_a.email]
    assert "3项" in email.subject
    for measure in three_due:
        assert measure.text in email.body
    # The most urgent first.
    body = email.body
    assert body.index("黄色预警·到期提醒") < body.index("【黄色预警】") < body.index("绿色提醒")


def test_a_later_sweep_mails_only_what_is_new(
    three_due, problem, unit_a, liaison_a, clock, django_capture_on_commit_callbacks
):
    sweep_and_send(django_capture_on_commit_callbacks, dispatch=reminders.deliver_now)
    # The next day a fourth measure of the same unit reaches its green rung.
    clock.move_to(datetime.datetime.combine(TUESDAY + days(1), datetime.time(9), tzinfo=SHANGHAI))
    fourth = MeasureFactory(problem=problem, lead_unit=unit_a, deadline=TUESDAY + days(21))

    result = sweep_and_send(django_capture_on_commit_callbacks, dispatch=reminders.deliver_now)

    assert result.emails == 1
    assert len(mail.outbox) == 2
    first, second = ReminderDelivery.objects.filter(recipient=liaison_a).order_by("id")
    assert (first.items, second.items) == (3, 1)
    assert fourth.text in mail.outbox[1].body
    assert all(m.text not in mail.outbox[1].body for m in three_due)
    assert ReminderLog.objects.filter(email_delivery=first).count() == 3


def test_the_reminder_log_refuses_a_second_row_for_the_same_reminder(three_due, liaison_a):
    reminders.sweep(dispatch=lambda delivery_id: None)
    log = ReminderLog.objects.filter(recipient=liaison_a).first()
    duplicate = ReminderLog(
        measure_id=log.measure_id,
        kind=log.kind,
        key_date=log.key_date,
        step=log.step,
        recipient=log.recipient,
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        duplicate.save()


def test_a_second_sweep_sends_no_second_email(three_due, django_capture_on_commit_callbacks):
    sweep_and_send(django_capture_on_commit_callbacks, dispatch=reminders.deliver_now)
    result = sweep_and_send(django_capture_on_commit_callbacks, dispatch=reminders.deliver_now)

    assert result.emails == 0
    assert len(mail.outbox) == 1


def test_a_long_list_is_cut_in_the_email_and_says_how_many_more(
    clock, problem, unit_a, liaison_a, settings, django_capture_on_commit_callbacks
):
    settings.REMINDER_EMAIL_MAX_ITEMS = 2
    for _n in range(5):
        MeasureFactory(problem=problem, lead_unit=unit_a, deadline=TUESDAY + days(15))

    sweep_and_send(django_capture_on_commit_callbacks, dispatch=reminders.deliver_now)

    (email,) = mail.outbox
    assert email.body.count("【绿色提醒】") == 2
    assert "另有3项" in email.body


def test_a_delivery_that_fails_once_is_retried_and_sent_once(
    three_due, eager, django_capture_on_commit_callbacks
):
    FlakyBackend.attempts = 0
    eager.EMAIL_BACKEND = f"{__name__}.FlakyBackend"

    # The beat's way: the sweep queues a Celery task per message after commit.
    sweep_and_send(django_capture_on_commit_callbacks, dispatch=queue_delivery)

    delivery = ReminderDelivery.objects.get(channel=ReminderDelivery.Channel.EMAIL)
    assert FlakyBackend.attempts == 2
    assert len(mail.outbox) == 1
    assert (delivery.status, delivery.attempts, delivery.last_error) == (Status.SENT, 2, "")
    assert Notification.objects.count() == 3


def test_the_delivery_task_applied_eagerly_retries_until_it_sends(three_due, settings):
    settings.EMAIL_BACKEND = f"{__name__}.DeadBackend"
    reminders.sweep(dispatch=lambda delivery_id: None)
    delivery = ReminderDelivery.objects.get()
    FlakyBackend.attempts = 0
    settings.EMAIL_BACKEND = f"{__name__}.FlakyBackend"

    result = deliver_reminder.apply(args=[delivery.pk])

    delivery.refresh_from_db()
    assert result.get() == Status.SENT
    assert len(mail.outbox) == 1
    assert delivery.status == Status.SENT


def test_a_failed_delivery_stays_visible_and_never_duplicates_the_notification(
    three_due, eager, liaison_a, client_for, django_capture_on_commit_callbacks
):
    eager.EMAIL_BACKEND = f"{__name__}.DeadBackend"
    eager.REMINDER_DELIVERY_RETRIES = 2

    sweep_and_send(django_capture_on_commit_callbacks, dispatch=queue_delivery)
    sweep_and_send(django_capture_on_commit_callbacks, dispatch=queue_delivery)

    delivery = ReminderDelivery.objects.get()
    assert delivery.status == Status.FAILED
    assert delivery.attempts == 3  # the first try and two retries
    assert "refused" in delivery.last_error
    assert len(mail.outbox) == 0
    assert Notification.objects.filter(recipient=liaison_a).count() == 3
    listed = client_for(liaison_a).get("/api/v1/notifications/").json()["results"]
    assert {row["email_status"] for row in listed} == {Status.FAILED}


def test_a_later_sweep_queues_an_unsent_delivery_again(
    three_due, settings, clock, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = f"{__name__}.DeadBackend"
    sweep_and_send(django_capture_on_commit_callbacks, dispatch=reminders.deliver_now)
    delivery = ReminderDelivery.objects.get()
    assert delivery.status == Status.FAILED

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    clock.shift(datetime.timedelta(minutes=settings.REMINDER_REQUEUE_MINUTES + 1))
    result = sweep_and_send(django_capture_on_commit_callbacks, dispatch=reminders.deliver_now)

    delivery.refresh_from_db()
    assert result.requeued == 1
    assert delivery.status == Status.SENT
    assert len(mail.outbox) == 1


def test_a_sent_delivery_is_not_sent_again(three_due, settings):
    reminders.sweep(dispatch=lambda delivery_id: None)
    delivery = ReminderDelivery.objects.get()

    reminders.deliver(delivery.pk)
    reminders.deliver(delivery.pk)

    assert len(mail.outbox) == 1


def test_someone_without_an_email_address_gets_the_notification_and_a_skipped_email(
    clock, problem, unit_a, django_capture_on_commit_callbacks
):
    liaison = UserFactory(role="liaison", unit=unit_a, email="")
    MeasureFactory(problem=problem, lead_unit=unit_a, deadline=TUESDAY + days(5))

    sweep_and_send(django_capture_on_commit_callbacks, dispatch=reminders.deliver_now)

    assert Notification.objects.filter(recipient=liaison).count() == 1
    assert ReminderDelivery.objects.get().status == Status.SKIPPED
    assert len(mail.outbox) == 0


class Robot(http.server.BaseHTTPRequestHandler):
    """A chat robot on localhost that records what it is sent."""

    received: list[dict] = []
    answer = {"errcode": 0, "errmsg": "ok"}

    def do_POST(self):
        length = int(self.headers["Content-Length"])
        type(self).received.append(json.loads(self.rfile.read(length)))
        body = json.dumps(type(self).answer).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def robot():
    Robot.received = []
    Robot.answer = {"errcode": 0, "errmsg": "ok"}
    server = http.server.HTTPServer(("127.0.0.1", 0), Robot)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/cgi-bin/webhook/send?key=test"
    server.shutdown()
    server.server_close()


def test_a_unit_chat_robot_hears_one_short_text_per_sweep(
    three_due, unit_a, liaison_a, robot, django_capture_on_commit_callbacks
):
    UserFactory(username="liaison_a2", role="liaison", unit=unit_a)
    unit_a.webhook_url = robot
    unit_a.save(update_fields=["webhook_url"])

    sweep_and_send(django_capture_on_commit_callbacks, dispatch=reminders.deliver_now)
    sweep_and_send(django_capture_on_commit_callbacks, dispatch=reminders.deliver_now)

    (message,) = Robot.received
    assert message["msgtype"] == "text"
    content = message["text"]["content"]
    assert unit_a.name in content
    assert "3项" in content  # three measures, though two liaisons each got all three
    assert len(mail.outbox) == 2
    webhook = ReminderDelivery.objects.get(channel=ReminderDelivery.Channel.WEBHOOK)
    assert webhook.status == Status.SENT


def test_a_chat_robot_that_refuses_the_message_marks_it_failed(
    three_due, unit_a, robot, django_capture_on_commit_callbacks
):
    Robot.answer = {"errcode": 45009, "errmsg": "api freq out of limit"}
    unit_a.webhook_url = robot
    unit_a.save(update_fields=["webhook_url"])

    sweep_and_send(django_capture_on_commit_callbacks, dispatch=reminders.deliver_now)

    webhook = ReminderDelivery.objects.get(channel=ReminderDelivery.Channel.WEBHOOK)
    assert webhook.status == Status.FAILED
    assert "45009" in webhook.last_error


def test_office_matters_do_not_go_to_the_units_chat_robot(
    clock, problem, unit_b, office, robot, django_capture_on_commit_callbacks
):
    unit_b.webhook_url = robot
    unit_b.save(update_fields=["webhook_url"])
    MeasureFactory(problem=problem, lead_unit=unit_b, deadline=TUESDAY + days(5))

    sweep_and_send(django_capture_on_commit_callbacks, dispatch=reminders.deliver_now)

    assert ReminderLog.objects.get().kind == Kind.UNIT_WITHOUT_LIAISON
    assert Robot.received == []


def test_messages_are_handed_over_only_after_commit(three_due, django_capture_on_commit_callbacks):
    handed_over = []

    with django_capture_on_commit_callbacks(execute=False) as after_commit:
        reminders.sweep(dispatch=handed_over.append)

    assert handed_over == []  # a rollback now would leave nothing sent
    for callback in after_commit:
        callback()
    assert handed_over == [ReminderDelivery.objects.get().pk]
