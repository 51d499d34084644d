"""The notification centre's API: everyone sees and marks only their own notifications."""

from __future__ import annotations

import pytest
from django.utils import timezone

from reminders.models import Notification

LIST = "/api/v1/notifications/"


def notify(user, n: int = 1, **fields) -> list[Notification]:
    return [
        Notification.objects.create(
            recipient=user, kind="green", title=f"绿色提醒：第{i}条", **fields
        )
        for i in range(n)
    ]


def test_a_user_lists_only_their_own_notifications(client_for, liaison_a, liaison_b, measure_a):
    mine = notify(liaison_a, 2, measure=measure_a)
    notify(liaison_b, 3)

    response = client_for(liaison_a).get(LIST)

    assert response.status_code == 200
    assert response.json()["count"] == 2
    assert {row["id"] for row in response.json()["results"]} == {n.pk for n in mine}
    row = response.json()["results"][0]
    assert row["measure"] == measure_a.pk
    assert row["kind_label"]
    assert row["is_read"] is False


def test_the_office_too_sees_only_its_own(client_for, office, liaison_a):
    notify(liaison_a, 2)

    response = client_for(office).get(LIST)

    assert response.json()["count"] == 0


def test_the_unread_filter_leaves_out_what_was_read(client_for, liaison_a):
    read, unread = notify(liaison_a, 2)
    Notification.objects.filter(pk=read.pk).update(read_at=timezone.now())

    only_unread = client_for(liaison_a).get(LIST, {"unread": "true"}).json()
    only_read = client_for(liaison_a).get(LIST, {"unread": "false"}).json()

    assert [row["id"] for row in only_unread["results"]] == [unread.pk]
    assert [row["id"] for row in only_read["results"]] == [read.pk]


def test_marking_a_notification_read_lowers_the_unread_count(client_for, liaison_a):
    first, _second = notify(liaison_a, 2)
    client = client_for(liaison_a)
    assert client.get("/api/v1/me/").json()["unread_notifications"] == 2

    response = client.post(f"{LIST}{first.pk}/read/")

    assert response.status_code == 200
    assert response.json()["is_read"] is True
    assert client.get("/api/v1/me/").json()["unread_notifications"] == 1


def test_reading_twice_keeps_the_first_reading_time(client_for, liaison_a):
    (notification,) = notify(liaison_a)
    client = client_for(liaison_a)
    first = client.post(f"{LIST}{notification.pk}/read/").json()["read_at"]

    again = client.post(f"{LIST}{notification.pk}/read/").json()["read_at"]

    assert again == first


def test_marking_someone_elses_notification_read_answers_404(client_for, liaison_a, liaison_b):
    (theirs,) = notify(liaison_b)

    response = client_for(liaison_a).post(f"{LIST}{theirs.pk}/read/")

    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None
    assert client_for(liaison_a).get(f"{LIST}{theirs.pk}/").status_code == 404


def test_read_all_marks_only_the_users_own(client_for, liaison_a, liaison_b):
    notify(liaison_a, 3)
    notify(liaison_b, 2)

    response = client_for(liaison_a).post(f"{LIST}read-all/")

    assert response.json() == {"marked": 3}
    assert not Notification.objects.filter(recipient=liaison_a, read_at__isnull=True).exists()
    assert Notification.objects.filter(recipient=liaison_b, read_at__isnull=True).count() == 2


def test_notifications_cannot_be_written_through_the_api(client_for, liaison_a):
    (notification,) = notify(liaison_a)
    client = client_for(liaison_a)

    assert client.post(LIST, {"title": "x", "kind": "green"}).status_code == 405
    assert client.delete(f"{LIST}{notification.pk}/").status_code == 405
    assert client.patch(f"{LIST}{notification.pk}/", {"title": "x"}).status_code == 405


def test_an_anonymous_visitor_sees_no_notifications(client_for, liaison_a):
    notify(liaison_a)

    # Session authentication comes first and sends no challenge, so DRF answers 403.
    assert client_for(None).get(LIST).status_code == 403


@pytest.mark.parametrize("rows", [5, 50])
def test_the_list_costs_the_same_queries_for_5_and_50_rows(
    rows, client_for, liaison_a, measure_a, django_assert_max_num_queries
):
    notify(liaison_a, rows, measure=measure_a)
    client = client_for(liaison_a)

    # One COUNT for the page, one SELECT for the rows with their email status (a
    # subquery); nothing per row.
    with django_assert_max_num_queries(2):
        response = client.get(LIST, {"page_size": 100})

    assert len(response.json()["results"]) == rows
