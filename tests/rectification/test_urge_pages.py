"""The urge pages: the liaison's notices above their tasks, the office's queue on the
workbench, issuing and deciding from the pages, and what each page costs in queries."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client
from django.utils import timezone

from rectification.models import Measure, StatusChange
from supervision import urges
from supervision.models import UrgeNotice

from ..factories import MeasureFactory, ProblemFactory
from .helpers import pdf_upload

pytestmark = pytest.mark.django_db


def signed_in(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(user)
    return client


def days(n: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=n)


def notice_on(measure: Measure, actor, level: str = "remind", due: int = 7) -> UrgeNotice:
    return urges.urge_issue(
        actor=actor, measure=measure, level=level, reason="进度滞后", reply_due=days(due)
    )


def test_the_liaison_sees_the_notice_above_the_tasks_and_replies_with_a_file(
    measure_a, liaison_a, office, tmp_path, settings
):
    settings.MEDIA_ROOT = tmp_path
    notice = notice_on(measure_a, office)
    html = signed_in(liaison_a).get("/tasks/").content.decode()
    assert 'id="my-urges"' in html and f'data-urge="{notice.pk}"' in html
    assert html.index('id="my-urges"') < html.index('id="tasks"')

    response = signed_in(liaison_a).post(
        f"/urges/{notice.pk}/reply/", {"text": "已整改到位", "file": pdf_upload()}
    )
    assert response.status_code == 302
    notice.refresh_from_db()
    assert notice.status == "replied"
    reply = notice.replies.get()
    assert reply.evidence.get().measure == measure_a
    assert measure_a.history.filter(action="urge_reply").exists()


def test_the_office_decides_from_the_workbench_and_the_notice_page(
    measure_a, measure_b, liaison_a, office
):
    replied = notice_on(measure_a, office)
    urges.urge_reply(notice_id=replied.pk, actor=liaison_a, text="已完成")
    late = notice_on(measure_b, office, due=0)
    time_later = timezone.now() + datetime.timedelta(days=3)
    UrgeNotice.objects.filter(pk=late.pk).update(reply_due=days(-2))

    html = signed_in(office).get("/workbench/").content.decode()
    assert f'data-urge="{replied.pk}"' in html and f'data-urge="{late.pk}"' in html

    page = signed_in(office).get(f"/urges/{replied.pk}/").content.decode()
    assert 'id="accept-form"' in page
    signed_in(office).post(f"/urges/{replied.pk}/accept/", {"comment": "同意"})
    assert UrgeNotice.objects.get(pk=replied.pk).status == "accepted"

    response = signed_in(office).post(
        f"/urges/{late.pk}/escalate/",
        {"level": "interview", "reason": "逾期未复", "reply_due": days(3).isoformat()},
    )
    successor = UrgeNotice.objects.get(replaces=late)
    assert response["Location"] == f"/urges/{successor.pk}/"
    assert successor.level == "interview"
    assert time_later > timezone.now()


def test_office_issues_on_a_measure_and_on_a_unit_from_the_pages(
    measure_a, problem, unit_a, office
):
    response = signed_in(office).post(
        "/urges/new/",
        {
            "measure": measure_a.pk,
            "level": "urge",
            "reason": "请加快进度",
            "reply_due": days(5).isoformat(),
        },
    )
    assert response.status_code == 302
    assert UrgeNotice.objects.get().measure == measure_a

    second = MeasureFactory(problem=problem, lead_unit=unit_a)
    third = MeasureFactory(problem=problem, lead_unit=unit_a)
    form = signed_in(office).get(f"/urges/new/?unit={unit_a.pk}").content.decode()
    assert f'value="{second.pk}"' in form and f'value="{third.pk}"' in form
    signed_in(office).post(
        "/urges/new/",
        {
            "unit": unit_a.pk,
            "measures": [second.pk, third.pk],
            "level": "remind",
            "reason": "两项措施均未启动",
            "reply_due": days(5).isoformat(),
        },
    )
    unit_notice = UrgeNotice.objects.get(measure__isnull=True)
    assert set(unit_notice.measures.all()) == {second, third}


def test_a_refused_issue_shows_why_and_saves_nothing(measure_a, office):
    notice_on(measure_a, office)
    response = signed_in(office).post(
        "/urges/new/",
        {
            "measure": measure_a.pk,
            "level": "urge",
            "reason": "再次",
            "reply_due": days(5).isoformat(),
        },
        follow=True,
    )
    assert "督办" in response.content.decode() or "urge" in response.content.decode()
    assert UrgeNotice.objects.count() == 1
    assert StatusChange.objects.filter(action="urge").count() == 1


def test_the_measure_page_shows_its_notices_and_their_history(measure_a, liaison_a, office):
    notice = notice_on(measure_a, office)
    html = signed_in(liaison_a).get(f"/measures/{measure_a.pk}/").content.decode()
    assert f'data-urge="{notice.pk}"' in html
    assert 'data-kind="urge"' in html
    assert 'id="urge-measure"' not in html  # a liaison does not issue
    assert (
        'id="urge-measure"' in signed_in(office).get(f"/measures/{measure_a.pk}/").content.decode()
    )


def test_pages_refuse_who_may_not(measure_a, measure_b, liaison_a, leader, office):
    notice_b = notice_on(measure_b, office)
    assert signed_in(liaison_a).get(f"/urges/{notice_b.pk}/").status_code == 404
    assert signed_in(liaison_a).get("/urges/new/").status_code == 403
    assert signed_in(leader).get("/urges/new/").status_code == 403
    page = signed_in(leader).get(f"/urges/{notice_b.pk}/").content.decode()
    assert 'id="reply-form"' not in page and 'id="decide"' not in page
    signed_in(leader).post(f"/urges/{notice_b.pk}/reply/", {"text": "x"})
    assert UrgeNotice.objects.get(pk=notice_b.pk).status == "open"


def _many_notices(rows: int, inspection_round, unit, office, liaison) -> None:
    for n in range(rows):
        measure = MeasureFactory(
            problem=ProblemFactory(round=inspection_round, seq=n + 1), seq=1, lead_unit=unit
        )
        notice = notice_on(measure, office)
        if n % 2:
            urges.urge_reply(notice_id=notice.pk, actor=liaison, text="已整改")


@pytest.mark.parametrize("rows", [5, 50])
def test_the_urge_pages_cost_the_same_for_5_or_50_notices(
    rows, inspection_round, unit_a, office, liaison_a, client_for, django_assert_max_num_queries
):
    _many_notices(rows, inspection_round, unit_a, office, liaison_a)
    first = UrgeNotice.objects.order_by("id").first()
    assert first is not None
    as_office, as_liaison = signed_in(office), signed_in(liaison_a)
    # session, user, the bell, the group check, the page count, the page, then prefetches of
    # replies, their evidence and the measures.
    with django_assert_max_num_queries(9):
        assert as_office.get("/urges/?tab=all").status_code == 200
    # The tasks page (10 without notices, the endorsement queue among them) and the notices'
    # three prefetches.
    with django_assert_max_num_queries(13):
        assert as_liaison.get("/tasks/").status_code == 200
    # The workbench (19), the urge counts, the urge queue and its three prefetches.
    with django_assert_max_num_queries(24):
        assert as_office.get("/workbench/").status_code == 200
    # count + page + replies + their evidence + measures.
    with django_assert_max_num_queries(5):
        response = client_for(office).get("/api/v1/urges/", {"page_size": 500})
    assert response.json()["count"] == rows
    # totals, then the by-unit grouping.
    with django_assert_max_num_queries(2):
        assert client_for(office).get("/api/v1/dashboard/urges/").status_code == 200
    # session, user, the bell, the notice with its prefetches (4), the chain, the decide check.
    with django_assert_max_num_queries(10):
        assert as_office.get(f"/urges/{first.pk}/").status_code == 200
