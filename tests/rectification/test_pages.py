"""The work pages: each role's start page, the liaison's tasks, the office's workbench, the
notifications, the steps taken from the pages, the error pages, and their query counts."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client
from django.utils import timezone

from rectification.models import Extension, Measure, StatusChange
from reminders.models import Notification

from ..factories import ClueFactory, MeasureFactory, PetitionFactory, ProblemFactory
from .helpers import add_evidence, pdf_upload, put_in_state

S = Measure.Status
TODAY = timezone.localdate()


def signed_in(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(user)
    return client


def days(n: int) -> datetime.date:
    return TODAY + datetime.timedelta(days=n)


@pytest.mark.parametrize(
    ("role", "start"),
    [("liaison_a", "/tasks/"), ("office", "/workbench/"), ("leader", "/dashboard/")],
)
def test_each_role_lands_on_its_own_start_page(role, start, people):
    response = signed_in(people[role]).get("/")
    assert response.status_code == 302 and response["Location"] == start
    assert signed_in(people[role]).get(start).status_code == 200


def test_the_header_shows_name_unit_role_bell_and_both_languages(liaison_a):
    Notification.objects.create(recipient=liaison_a, kind="red", title="逾期")
    page = signed_in(liaison_a).get("/tasks/").content.decode()
    assert '<span class="count" id="unread">1</span>' in page
    assert "<svg" in page and "/notifications/" in page
    assert "简体中文" in page and "English" in page
    assert liaison_a.unit.short_name in page
    assert "onchange=" not in page and "style=" not in page and "<script>" not in page


def test_the_liaisons_list_puts_red_then_yellow_then_by_deadline_and_keeps_closed_apart(
    problem, unit_a, unit_b, liaison_a, office2
):
    long_term = MeasureFactory(
        problem=problem, seq=1, lead_unit=unit_a, deadline=None, is_long_term=True
    )
    later = MeasureFactory(problem=problem, seq=2, lead_unit=unit_a, deadline=days(60))
    yellow = MeasureFactory(problem=problem, seq=3, lead_unit=unit_a, deadline=days(5))
    red = MeasureFactory(problem=problem, seq=4, lead_unit=unit_a, deadline=days(-3))
    coop = MeasureFactory(problem=problem, seq=5, lead_unit=unit_b, deadline=days(30))
    coop.cooperating_units.add(unit_a)
    closed = MeasureFactory(problem=problem, seq=6, lead_unit=unit_a, deadline=days(-30))
    put_in_state(closed, S.CLOSED, submitted_by=liaison_a, closed_by=office2)

    page = signed_in(liaison_a).get("/tasks/")
    order = [m.pk for m in page.context["page"]]
    assert order == [red.pk, yellow.pk, coop.pk, later.pk, long_term.pk]
    html = page.content.decode()
    assert 'data-colour="red"' in html and "role-coop" in html
    closed_page = signed_in(liaison_a).get("/tasks/?tab=closed")
    assert [m.pk for m in closed_page.context["page"]] == [closed.pk]


@pytest.mark.parametrize("rows", [5, 50])
def test_the_task_list_costs_the_same_queries_for_5_or_50_measures(
    rows, inspection_round, unit_a, liaison_a, django_assert_max_num_queries
):
    for n in range(rows):
        MeasureFactory(
            problem=ProblemFactory(round=inspection_round, seq=n + 1), seq=1, lead_unit=unit_a
        )
    client = signed_in(liaison_a)
    # session, user, the bell, the counts, the page count, the page's keys (with more than
    # one page), the page of measures (with latest progress and urgency annotated), their
    # cooperating units; the unit's live urge notices; what waits for the user's endorsement.
    with django_assert_max_num_queries(11):
        assert client.get("/tasks/").status_code == 200


def test_a_liaison_may_not_open_the_workbench_and_is_told_why(liaison_a):
    response = signed_in(liaison_a).get("/workbench/")
    assert response.status_code == 403
    html = response.content.decode()
    assert 'id="error-403"' in html and 'href="/"' in html


def test_the_404_page_is_in_the_frame_with_a_way_back(liaison_a, measure_b):
    response = signed_in(liaison_a).get(f"/measures/{measure_b.pk}/")
    assert response.status_code == 404
    assert 'id="error-404"' in response.content.decode()


def _workbench_fill(inspection_round, unit_a, liaison_a, office2, n: int) -> None:
    for i in range(n):
        problem = ProblemFactory(round=inspection_round, seq=i + 1)
        submitted = MeasureFactory(problem=problem, seq=1, lead_unit=unit_a)
        put_in_state(submitted, S.SUBMITTED, submitted_by=liaison_a, closed_by=office2)
        add_evidence(submitted, liaison_a)
        MeasureFactory(problem=problem, seq=2, lead_unit=unit_a, deadline=days(-2))
        MeasureFactory(problem=problem, seq=3, lead_unit=None, deadline=days(3))
        extended = MeasureFactory(problem=problem, seq=4, lead_unit=unit_a, deadline=days(9))
        Extension.objects.create(
            measure=extended,
            requested_by=liaison_a,
            old_deadline=days(9),
            new_deadline=days(40),
            reason="汛期",
        )
        # Handed over four months ago: their feedback is late.
        ClueFactory(round=inspection_round, transferred_on=days(-120))
        PetitionFactory(round=inspection_round, received_on=days(-120))


def test_the_workbench_lists_each_queue(inspection_round, unit_a, liaison_a, office, office2):
    _workbench_fill(inspection_round, unit_a, liaison_a, office2, 2)
    response = signed_in(office).get("/workbench/")
    counts = response.context["counts"]
    assert (counts["submitted"], counts["overdue"], counts["unassigned"], counts["extensions"]) == (
        2,
        2,
        2,
        2,
    )
    assert counts["due_soon"] == 2
    html = response.content.decode()
    assert "整改报告.pdf" in html or ".pdf" in html
    assert html.count('class="approve"') == 2 and html.count('class="return"') == 2


@pytest.mark.parametrize("rows", [5, 50])
def test_the_workbench_costs_the_same_queries_for_5_or_50_rows(
    rows, inspection_round, unit_a, liaison_a, office, office2, django_assert_max_num_queries
):
    _workbench_fill(inspection_round, unit_a, liaison_a, office2, rows)
    client = signed_in(office)
    # session, user, the bell, the measure counts, the extension count; then each of the five
    # lists (review with its evidence prefetched, extensions, overdue, due soon, unassigned)
    # with their cooperating units: at most 3 queries each; then the late clues and petitions:
    # a count and a list of each.
    with django_assert_max_num_queries(21):
        assert client.get("/workbench/").status_code == 200


def test_office_returns_from_the_workbench_and_the_reason_reaches_the_history(
    measure_a, liaison_a, office, office2
):
    put_in_state(measure_a, S.SUBMITTED, submitted_by=liaison_a, closed_by=office2)
    client = signed_in(office)
    missing = client.post(
        f"/measures/{measure_a.pk}/return/", {"reason": "", "version": measure_a.version}
    )
    measure_a.refresh_from_db()
    assert missing.status_code == 302 and measure_a.status == S.SUBMITTED
    client.post(
        f"/measures/{measure_a.pk}/return/",
        {"reason": "缺少印发文件", "version": measure_a.version, "next": "/workbench/"},
    )
    measure_a.refresh_from_db()
    assert measure_a.status == S.IN_PROGRESS
    assert measure_a.history.get(action="return").comment == "缺少印发文件"
    page = signed_in(liaison_a).get(f"/measures/{measure_a.pk}/").content.decode()
    assert "缺少印发文件" in page


def test_a_stale_page_is_refused_with_a_clear_message(measure_a, liaison_a):
    response = signed_in(liaison_a).post(
        f"/measures/{measure_a.pk}/start/", {"version": measure_a.version + 3}, follow=True
    )
    measure_a.refresh_from_db()
    assert measure_a.status == S.NOT_STARTED
    assert any(m.level_tag == "error" for m in response.context["messages"])


def test_a_liaison_reports_uploads_several_files_and_submits_from_the_page(
    measure_a, liaison_a, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    client = signed_in(liaison_a)
    client.post(f"/measures/{measure_a.pk}/start/", {"version": 1})
    client.post(f"/measures/{measure_a.pk}/progress/", {"text": "已完成制度起草", "percent": 40})
    client.post(
        f"/measures/{measure_a.pk}/evidence/",
        {"file": [pdf_upload("一.pdf"), pdf_upload("二.pdf")], "description": "印发文件"},
    )
    client.post(f"/measures/{measure_a.pk}/submit/", {"result_summary": "制度已印发", "version": 2})
    measure_a.refresh_from_db()
    assert measure_a.status == S.SUBMITTED and measure_a.evidence.count() == 2
    assert measure_a.progress.get().text == "已完成制度起草"
    kinds = [
        e["kind"]
        for e in signed_in(liaison_a).get(f"/measures/{measure_a.pk}/").context["timeline"]
    ]
    assert kinds.count("evidence") == 2 and "progress" in kinds and "submit" in kinds


def test_one_bad_file_saves_none_of_the_files(measure_a, liaison_a, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    signed_in(liaison_a).post(
        f"/measures/{measure_a.pk}/evidence/",
        {"file": [pdf_upload("好.pdf"), pdf_upload("坏.pdf", b"MZ not a pdf")]},
    )
    assert measure_a.evidence.count() == 0


def test_the_extension_is_decided_from_the_page(measure_a, liaison_a, office):
    new = days(90)
    signed_in(liaison_a).post(
        f"/measures/{measure_a.pk}/extension/", {"new_deadline": new.isoformat(), "reason": "汛期"}
    )
    extension = Extension.objects.get(measure=measure_a)
    signed_in(office).post(f"/extensions/{extension.pk}/approve/", {"comment": "同意"})
    measure_a.refresh_from_db()
    assert measure_a.deadline == new


def test_reopening_from_the_page_takes_the_new_deadline(measure_a, liaison_a, office, office2):
    put_in_state(measure_a, S.CLOSED, submitted_by=liaison_a, closed_by=office2)
    signed_in(office).post(
        f"/measures/{measure_a.pk}/reopen/",
        {
            "reason": "回头看发现反弹",
            "deadline": days(45).isoformat(),
            "version": measure_a.version,
        },
    )
    measure_a.refresh_from_db()
    assert measure_a.status == S.IN_PROGRESS and measure_a.deadline == days(45)
    assert not measure_a.is_overdue()


def test_the_history_names_fields_in_the_users_language(measure_a, office):
    StatusChange.objects.create(
        measure=measure_a,
        from_status="not_started",
        to_status="not_started",
        action="edit",
        actor=office,
        field="deadline",
        old_value="2026-01-01",
        new_value="2026-02-01",
    )
    timeline = signed_in(office).get(f"/measures/{measure_a.pk}/").context["timeline"]
    assert timeline[0]["field"] != "deadline"


def test_notifications_page_newest_first_and_mark_read(liaison_a, liaison_b, measure_a):
    old = Notification.objects.create(
        recipient=liaison_a, kind="green", title="旧", measure=measure_a
    )
    new = Notification.objects.create(recipient=liaison_a, kind="red", title="新")
    Notification.objects.create(recipient=liaison_b, kind="red", title="别人的")
    client = signed_in(liaison_a)
    page = client.get("/notifications/")
    assert [n.pk for n in page.context["page"]] == [new.pk, old.pk]
    opened = client.post(f"/notifications/{old.pk}/read/", {"go": "1"})
    assert opened["Location"] == f"/measures/{measure_a.pk}/"
    old.refresh_from_db()
    assert old.read_at is not None
    client.post("/notifications/read-all/")
    assert not Notification.objects.filter(recipient=liaison_a, read_at__isnull=True).exists()
    other = Notification.objects.get(title="别人的")
    assert client.post(f"/notifications/{other.pk}/read/").status_code == 404


@pytest.mark.parametrize("rows", [5, 50])
def test_the_notifications_page_costs_the_same_for_5_or_50(
    rows, liaison_a, measure_a, django_assert_max_num_queries
):
    Notification.objects.bulk_create(
        Notification(recipient=liaison_a, kind="red", title=f"提醒{i}", measure=measure_a)
        for i in range(rows)
    )
    client = signed_in(liaison_a)
    # session, user, the user's unit in the header, the bell, the page count, the page's
    # keys (with more than one page), the page (measures joined).
    with django_assert_max_num_queries(7):
        assert client.get("/notifications/").status_code == 200


def test_the_clue_pages_are_for_the_office_only(people):
    assert signed_in(people["office"]).get("/clues/").status_code == 200
    assert signed_in(people["leader"]).get("/clues/").status_code == 403
    assert signed_in(people["liaison_a"]).get("/petitions/").status_code == 403
