"""Comment threads with mentions, on a measure and on an urge notice: who reads and writes,
who a mention tells (once), the ten-minute edit with its earlier text, the history and the
audit chain, bad input, and the queries of the thread's page and API."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from audit.models import AuditEntry
from rectification.models import MeasureComment, MeasureCommentEdit, StatusChange
from reminders.models import Notification, ReminderLog
from reminders.services import Kind, _batch_emails
from supervision import urges
from supervision.models import UrgeComment
from tests.factories import UserFactory
from tests.test_hostile_bodies import write_operations

pytestmark = pytest.mark.django_db

SHANGHAI = datetime.timezone(datetime.timedelta(hours=8))
NOON = datetime.datetime(2026, 11, 20, 12, 0, tzinfo=SHANGHAI)


@pytest.fixture
def clock(time_machine):
    time_machine.move_to(NOON, tick=False)
    return time_machine


def thread(measure) -> str:
    return f"/api/v1/measures/{measure.pk}/comments/"


def mentions_of(user) -> int:
    return Notification.objects.filter(recipient=user, kind=Kind.MENTION).count()


def post(client, measure, text: str):
    return client.post(thread(measure), {"text": text}, format="json")


# --- Mentions -------------------------------------------------------------------------------


def test_a_mention_notifies_exactly_the_person_named_once(
    clock, client_for, office, office2, leader, liaison_a, liaison_b, measure_a
):
    response = post(client_for(office), measure_a, "@liaison_a 请补充会议记录")

    assert response.status_code == 201, response.content
    assert response.json()["notified"] == [liaison_a.pk]
    assert mentions_of(liaison_a) == 1
    assert [mentions_of(u) for u in (office, office2, leader, liaison_b)] == [0, 0, 0, 0]
    note = Notification.objects.get(recipient=liaison_a)
    assert note.measure == measure_a and "请补充会议记录" in note.body


def test_an_edit_that_still_names_the_person_tells_nobody_again_and_a_new_name_once(
    clock, client_for, office, office2, liaison_a, measure_a
):
    client = client_for(office)
    comment_id = post(client, measure_a, "@liaison_a 请补充").json()["id"]
    url = f"{thread(measure_a)}{comment_id}/"

    same = client.patch(url, {"text": "@liaison_a 请补充会议记录"}, format="json")
    more = client.patch(url, {"text": "@liaison_a 请补充，@巡察办刘洋请复核"}, format="json")
    again = client.patch(url, {"text": "@liaison_a @巡察办刘洋 请复核"}, format="json")

    assert same.status_code == more.status_code == again.status_code == 200
    assert same.json()["notified"] == [] and again.json()["notified"] == []
    assert more.json()["notified"] == [office2.pk]
    assert mentions_of(liaison_a) == 1
    assert mentions_of(office2) == 1
    assert ReminderLog.objects.filter(kind=Kind.MENTION).count() == 2


def test_a_shown_name_followed_by_chinese_text_names_its_person(
    clock, client_for, office, office2, measure_a
):
    response = post(client_for(office), measure_a, "请@巡察办刘洋复核一下")

    assert response.json()["notified"] == [office2.pk]


def test_a_mention_of_someone_who_cannot_see_the_measure_notifies_nobody_and_says_so(
    clock, client_for, office, liaison_b, measure_a
):
    response = post(client_for(office), measure_a, "@liaison_b 请配合")

    assert response.status_code == 201
    assert response.json()["notified"] == []
    assert any("liaison_b" in line for line in response.json()["notices"])
    assert Notification.objects.filter(kind=Kind.MENTION).count() == 0


def test_a_name_two_people_share_names_nobody(clock, client_for, office, measure_a):
    UserFactory(username="wang1", display_name="王芳")
    UserFactory(username="wang2", display_name="王芳")

    response = post(client_for(office), measure_a, "@王芳 请看")

    assert response.json()["notified"] == []
    assert any("王芳" in line for line in response.json()["notices"])
    assert Notification.objects.filter(kind=Kind.MENTION).count() == 0


def test_an_e_mail_address_is_not_a_mention(clock, client_for, office, liaison_a, measure_a):
    liaison_a.username = "example.gov.cn"
    liaison_a.save()

    response = post(client_for(office), measure_a, "发到 someone@example.gov.cn 即可")

    assert response.json()["notified"] == []
    assert response.json()["notices"] == []


def test_a_mention_goes_into_the_next_message_of_the_sweep(
    clock, client_for, office, liaison_a, measure_a
):
    post(client_for(office), measure_a, "@liaison_a 请补充会议记录")

    made = _batch_emails(datetime.date(2026, 11, 20), lambda pk: None)

    log = ReminderLog.objects.get(kind=Kind.MENTION, recipient=liaison_a)
    assert made == 1 and log.email_delivery is not None
    assert "【留言提及】" in log.email_delivery.body
    assert "请补充会议记录" in log.email_delivery.body


# --- Who reads and writes -------------------------------------------------------------------


def test_a_liaison_of_another_unit_can_neither_read_nor_write_the_thread(
    clock, client_for, office, liaison_b, measure_a
):
    comment_id = post(client_for(office), measure_a, "请尽快整改").json()["id"]
    client = client_for(liaison_b)

    read = client.get(thread(measure_a))
    write = post(client, measure_a, "我来看看")
    edit = client.patch(f"{thread(measure_a)}{comment_id}/", {"text": "改"}, format="json")
    page = Client()
    page.force_login(liaison_b)
    page_write = page.post(reverse("measure-comment", args=[measure_a.pk]), {"text": "我来"})

    assert (read.status_code, write.status_code, edit.status_code) == (404, 404, 404)
    assert page_write.status_code == 404
    assert list(MeasureComment.objects.values_list("text", flat=True)) == ["请尽快整改"]


def test_the_lead_and_cooperating_liaisons_and_the_unit_head_write_and_a_leader_reads(
    clock, client_for, liaison_a, liaison_b, leader, unit_a, unit_b, measure_a
):
    measure_a.cooperating_units.add(unit_b)
    head = UserFactory(username="head_a", role="leader")
    unit_a.head = head
    unit_a.save()

    answers = [post(client_for(u), measure_a, "收到").status_code for u in (liaison_a, liaison_b)]
    by_head = post(client_for(head), measure_a, "请抓紧").status_code
    by_leader = post(client_for(leader), measure_a, "看看")
    read_by_leader = client_for(leader).get(thread(measure_a))

    assert answers == [201, 201] and by_head == 201
    assert by_leader.status_code == 403
    assert len(read_by_leader.json()) == 3


# --- Edits ----------------------------------------------------------------------------------


def test_the_author_edits_within_ten_minutes_and_the_earlier_text_is_kept(
    clock, client_for, office, measure_a
):
    client = client_for(office)
    comment_id = post(client, measure_a, "第一稿").json()["id"]
    clock.shift(datetime.timedelta(minutes=9, seconds=59))

    response = client.patch(f"{thread(measure_a)}{comment_id}/", {"text": "第二稿"}, format="json")

    assert response.status_code == 200
    comment = MeasureComment.objects.get()
    assert comment.text == "第二稿" and comment.edited_at is not None
    assert list(comment.edits.values_list("old_text", flat=True)) == ["第一稿"]
    listed = client.get(thread(measure_a)).json()
    assert listed[0]["text"] == "第二稿"
    assert [e["old_text"] for e in listed[0]["edits"]] == ["第一稿"]


def test_an_edit_after_ten_minutes_is_refused_and_changes_nothing(
    clock, client_for, office, liaison_a, measure_a
):
    client = client_for(office)
    comment_id = post(client, measure_a, "第一稿").json()["id"]
    clock.shift(datetime.timedelta(minutes=10, seconds=1))

    response = client.patch(
        f"{thread(measure_a)}{comment_id}/", {"text": "@liaison_a 第二稿"}, format="json"
    )

    assert response.status_code == 403
    assert MeasureComment.objects.get().text == "第一稿"
    assert MeasureCommentEdit.objects.count() == 0
    assert mentions_of(liaison_a) == 0


def test_only_its_author_edits_a_comment(clock, client_for, office, office2, measure_a):
    comment_id = post(client_for(office), measure_a, "第一稿").json()["id"]

    response = client_for(office2).patch(
        f"{thread(measure_a)}{comment_id}/", {"text": "别人改的"}, format="json"
    )

    assert response.status_code == 403
    assert MeasureComment.objects.get().text == "第一稿"


def test_a_comment_cannot_be_deleted(clock, client_for, office, measure_a):
    comment_id = post(client_for(office), measure_a, "留着").json()["id"]

    response = client_for(office).delete(f"{thread(measure_a)}{comment_id}/")

    assert response.status_code == 405
    assert MeasureComment.objects.filter(pk=comment_id).exists()


# --- History and audit ----------------------------------------------------------------------


def test_comments_and_edits_are_in_the_history_and_the_audit_chain(
    clock, client_for, office, measure_a
):
    client = client_for(office)
    comment_id = post(client, measure_a, "第一稿").json()["id"]
    client.patch(f"{thread(measure_a)}{comment_id}/", {"text": "第二稿"}, format="json")

    history = client.get(f"/api/v1/measures/{measure_a.pk}/history/").json()
    audited = {
        (e.model, e.action)
        for e in AuditEntry.objects.filter(
            model__in=["rectification.measurecomment", "rectification.measurecommentedit"]
        )
    }

    assert [(h["action"], h["comment"]) for h in history] == [
        ("comment", "第一稿"),
        ("comment_edit", ""),
    ]
    assert (history[1]["old"], history[1]["new"]) == ("第一稿", "第二稿")
    assert audited == {
        ("rectification.measurecomment", "create"),
        ("rectification.measurecomment", "update"),
        ("rectification.measurecommentedit", "create"),
    }
    assert measure_a.history.count() == 2


# --- Bad input ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [{}, {"text": ""}, {"text": "   "}, {"text": "长" * 4001}, {"text": ["a"]}, {"text": None}],
    ids=["missing", "empty", "blank", "too-long", "a-list", "null"],
)
def test_a_bad_comment_is_refused_with_400_and_nothing_saved(
    clock, client_for, office, measure_a, body
):
    client = client_for(office)
    comment_id = post(client, measure_a, "原文").json()["id"]

    created = client.post(thread(measure_a), body, format="json")
    edited = client.patch(f"{thread(measure_a)}{comment_id}/", body, format="json")

    assert (created.status_code, edited.status_code) == (400, 400)
    assert list(MeasureComment.objects.values_list("text", flat=True)) == ["原文"]
    assert MeasureCommentEdit.objects.count() == 0


def test_the_schema_lists_the_threads_write_endpoints():
    from drf_spectacular.generators import SchemaGenerator

    writes = {
        (method, path)
        for method, path, _ in write_operations(SchemaGenerator().get_schema(public=True))
    }

    assert {
        ("POST", "/api/v1/measures/1/comments/"),
        ("PATCH", "/api/v1/measures/1/comments/1/"),
        ("POST", "/api/v1/urges/1/comments/"),
        ("PATCH", "/api/v1/urges/1/comments/1/"),
    } <= writes
    assert ("PATCH", "/api/v1/urges/1/") not in writes


# --- The urge notice's thread ---------------------------------------------------------------


@pytest.fixture
def notice(office, measure_a):
    return urges.urge_issue(
        actor=office,
        level="remind",
        reason="进展滞后",
        reply_due=datetime.date(2026, 11, 30),
        measure=measure_a,
    )


def test_the_urge_notice_thread_tells_the_person_named_and_hides_from_other_units(
    clock, client_for, office, liaison_a, liaison_b, notice, measure_a
):
    url = f"/api/v1/urges/{notice.pk}/comments/"

    posted = client_for(office).post(url, {"text": "@liaison_a 请按期回复"}, format="json")
    by_liaison = client_for(liaison_a).post(url, {"text": "收到"}, format="json")
    outsider_read = client_for(liaison_b).get(url)
    outsider_write = client_for(liaison_b).post(url, {"text": "我也看看"}, format="json")

    assert posted.status_code == 201 and posted.json()["notified"] == [liaison_a.pk]
    assert by_liaison.status_code == 201
    assert (outsider_read.status_code, outsider_write.status_code) == (404, 404)
    assert UrgeComment.objects.count() == 2
    assert mentions_of(liaison_a) == 1
    assert measure_a.history.filter(action=StatusChange.Action.URGE_COMMENT).count() == 2


def test_the_urge_notice_page_shows_its_thread_and_takes_a_comment(
    clock, office, liaison_a, notice
):
    page = Client()
    page.force_login(office)

    posted = page.post(reverse("urge-comment", args=[notice.pk]), {"text": "@liaison_a 请回复"})
    shown = page.get(reverse("urge-detail", args=[notice.pk]))

    assert posted.status_code == 302
    assert 'id="comment-form"' in shown.content.decode()
    assert "请回复" in shown.content.decode()
    assert mentions_of(liaison_a) == 1


# --- The measure page -----------------------------------------------------------------------


def test_the_measure_page_takes_a_comment_and_tells_the_writer_about_the_mentions(
    clock, office, liaison_a, liaison_b, measure_a
):
    page = Client()
    page.force_login(office)

    page.post(
        reverse("measure-comment", args=[measure_a.pk]), {"text": "@liaison_a @liaison_b 请看"}
    )
    shown = page.get(reverse("measure-detail", args=[measure_a.pk])).content.decode()

    assert 'id="comment-form"' in shown and "请看" in shown
    assert str(liaison_a) in shown  # "已通知：…"
    assert mentions_of(liaison_a) == 1 and mentions_of(liaison_b) == 0


def test_an_empty_comment_from_the_page_is_refused_and_nothing_saved(clock, office, measure_a):
    page = Client()
    page.force_login(office)

    response = page.post(reverse("measure-comment", args=[measure_a.pk]), {"text": ""})

    assert response.status_code == 302
    assert MeasureComment.objects.count() == 0


# --- Queries --------------------------------------------------------------------------------


def fill_thread(measure, author, n: int) -> None:
    comments = MeasureComment.objects.bulk_create(
        MeasureComment(measure=measure, author=author, text=f"第{i}条") for i in range(n)
    )
    MeasureCommentEdit.objects.bulk_create(
        MeasureCommentEdit(comment=c, old_text="旧") for c in comments
    )


@pytest.mark.parametrize("n", [5, 50])
def test_the_thread_api_costs_a_fixed_number_of_queries(
    clock, client_for, django_assert_max_num_queries, office, liaison_a, measure_a, n
):
    fill_thread(measure_a, office, n)

    # the measure (get_object, in the liaison's scope) + its cooperating units (prefetch)
    # + the comments with their authors + their edits (prefetch).
    with django_assert_max_num_queries(4):
        response = client_for(liaison_a).get(thread(measure_a))

    assert len(response.json()) == n


def test_the_measure_page_costs_the_same_for_5_or_50_comments(clock, office, problem, unit_a):
    from tests.factories import MeasureFactory

    counts = []
    for n in (5, 50):
        measure = MeasureFactory(problem=problem, lead_unit=unit_a)
        fill_thread(measure, office, n)
        page = Client()
        page.force_login(office)
        with CaptureQueriesContext(connection) as captured:
            response = page.get(reverse("measure-detail", args=[measure.pk]))
        assert response.status_code == 200
        counts.append(len(captured))

    assert counts[0] == counts[1], counts
    # The twelve the page cost before it had a thread (session, user, the bell, the measure,
    # its record, the sections of the layers above…), plus two: the comments with their
    # authors, and their earlier texts.
    assert counts[1] <= 14, counts
