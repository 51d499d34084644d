"""A round's rectification reports (报告报账) through the API: recorded, validated, scoped."""

from __future__ import annotations

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from inspections import services
from inspections.models import RoundReport
from inspections.selectors import overdue_round_reports
from tests.conftest import SHANGHAI_TODAY
from tests.rectification.helpers import stream_bytes

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("shanghai_clock")]

LIST = "api:round-report-list"


def detail(report: RoundReport) -> str:
    return reverse("api:round-report-detail", args=[report.pk])


def test_a_report_is_due_when_the_round_says_unless_told_otherwise(
    client_for, office, inspection_round
):
    response = client_for(office).post(reverse(LIST), {"round": inspection_round.pk})

    assert response.status_code == 201, response.json()
    report = RoundReport.objects.get()
    assert report.due == inspection_round.report_due_date
    assert report.recorded_by == office
    assert response.json()["is_overdue"] is True  # due 2026-08-20, unsent on 2026-11-20


def test_office_records_the_sending_with_the_file_and_anyone_who_sees_it_downloads_it(
    client_for, office, leader, inspection_round
):
    report = RoundReport.objects.create(round=inspection_round, due=datetime.date(2026, 8, 20))
    upload = SimpleUploadedFile("整改情况报告.docx", b"PK\x03\x04 report", "application/zip")

    response = client_for(office).patch(
        detail(report), {"sent_on": "2026-08-18", "file": upload}, format="multipart"
    )

    assert response.status_code == 200, response.json()
    assert response.json()["is_overdue"] is False
    assert response.json()["original_name"] == "整改情况报告.docx"
    download = client_for(leader).get(reverse("api:round-report-download", args=[report.pk]))
    assert download.status_code == 200
    assert stream_bytes(download) == b"PK\x03\x04 report"


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"acknowledged_on": "2026-08-25"}, "acknowledged_on"),
        ({"sent_on": "2026-08-25", "acknowledged_on": "2026-08-20"}, "acknowledged_on"),
        ({"sent_on": "2026-12-25"}, "sent_on"),
        ({"due": "not a date"}, "due"),
    ],
    ids=["acknowledged-unsent", "acknowledged-before-sent", "sent-in-future", "bad-date"],
)
def test_impossible_dates_answer_400_and_save_nothing(
    client_for, office, inspection_round, data, field
):
    response = client_for(office).post(reverse(LIST), {"round": inspection_round.pk, **data})

    assert response.status_code == 400
    assert field in response.json()
    assert not RoundReport.objects.exists()


def test_a_file_that_is_not_a_report_is_refused(client_for, office, inspection_round):
    upload = SimpleUploadedFile("report.exe", b"MZ", "application/octet-stream")
    response = client_for(office).post(
        reverse(LIST), {"round": inspection_round.pk, "file": upload}, format="multipart"
    )
    assert response.status_code == 400
    assert "file" in response.json()
    assert not RoundReport.objects.exists()


def test_a_leader_reads_but_may_not_record(client_for, leader, inspection_round):
    RoundReport.objects.create(round=inspection_round, due=datetime.date(2026, 8, 20))
    client = client_for(leader)
    assert client.get(reverse(LIST)).json()["count"] == 1
    assert client.post(reverse(LIST), {"round": inspection_round.pk}).status_code == 403


def test_a_liaison_sees_no_report(client_for, liaison_a, measure_a, inspection_round):
    report = RoundReport.objects.create(round=inspection_round, due=datetime.date(2026, 8, 20))
    client = client_for(liaison_a)
    assert client.get(reverse(LIST)).json()["count"] == 0
    assert client.get(detail(report)).status_code == 404


def test_overdue_reports_are_the_unsent_ones_past_due(inspection_round):
    late = RoundReport.objects.create(round=inspection_round, due=SHANGHAI_TODAY.replace(day=1))
    RoundReport.objects.create(
        round=inspection_round, due=datetime.date(2026, 8, 20), sent_on=datetime.date(2026, 8, 1)
    )
    RoundReport.objects.create(round=inspection_round, due=SHANGHAI_TODAY)

    assert list(overdue_round_reports(SHANGHAI_TODAY)) == [late]
    assert [r.is_overdue(SHANGHAI_TODAY) for r in RoundReport.objects.order_by("id")] == [
        True,
        False,
        False,
    ]


def test_the_list_reads_one_query_whatever_its_length(
    client_for, office, inspection_round, django_assert_num_queries
):
    for month in range(1, 6):
        RoundReport.objects.create(round=inspection_round, due=datetime.date(2026, month, 1))
    client = client_for(office)
    # count 1, page of reports with their rounds joined 1
    with django_assert_num_queries(2):
        assert client.get(reverse(LIST)).status_code == 200


# --- The round's reports page ------------------------------------------------------------------


def page_client(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(user)
    return client


def page(inspection_round) -> str:
    return reverse("round-reports", args=[inspection_round.pk])


def test_office_records_the_sending_with_its_file_and_the_acknowledgement_on_the_page(
    office, leader, inspection_round
):
    report = RoundReport.objects.create(round=inspection_round, due=datetime.date(2026, 8, 20))
    client = page_client(office)
    html = client.get(page(inspection_round)).content.decode()
    assert f'data-report="{report.pk}" data-overdue="1"' in html and "逾期" in html

    upload = SimpleUploadedFile("整改情况报告.pdf", b"%PDF-1.4 report", "application/pdf")
    response = client.post(
        page(inspection_round),
        {
            "report": report.pk,
            "due": "2026-08-20",
            "sent_on": "2026-08-19",
            "acknowledged_on": "2026-08-25",
            "file": upload,
        },
    )

    assert response.status_code == 302
    report.refresh_from_db()
    assert (report.sent_on, report.acknowledged_on) == (
        datetime.date(2026, 8, 19),
        datetime.date(2026, 8, 25),
    )
    assert report.original_name == "整改情况报告.pdf"
    html = page_client(leader).get(page(inspection_round)).content.decode()
    assert 'data-overdue="0"' in html and "整改情况报告.pdf" in html
    assert "report-form" not in html  # leaders read


def test_an_impossible_date_on_the_page_answers_400_and_changes_nothing(office, inspection_round):
    report = RoundReport.objects.create(round=inspection_round, due=datetime.date(2026, 8, 20))
    response = page_client(office).post(
        page(inspection_round),
        {"report": report.pk, "due": "2026-08-20", "acknowledged_on": "2026-08-25"},
    )

    assert response.status_code == 400
    assert 'data-field="acknowledged_on"' in response.content.decode()
    report.refresh_from_db()
    assert report.acknowledged_on is None


def test_a_sending_recorded_by_mistake_is_cleared_by_emptying_its_date(office, inspection_round):
    report = RoundReport.objects.create(
        round=inspection_round, due=datetime.date(2026, 8, 20), sent_on=datetime.date(2026, 8, 1)
    )
    page_client(office).post(page(inspection_round), {"report": report.pk, "due": "2026-08-20"})

    report.refresh_from_db()
    assert report.sent_on is None


def test_office_adds_a_further_report_and_a_nameless_one_is_refused(office, inspection_round):
    client = page_client(office)
    assert client.post(page(inspection_round), {"due": "2026-12-31"}).status_code == 400
    assert not RoundReport.objects.exists()

    response = client.post(page(inspection_round), {"title": "补充报告", "due": "2026-12-31"})

    assert response.status_code == 302
    added = RoundReport.objects.get()
    assert (added.title, added.due, added.recorded_by) == (
        "补充报告",
        datetime.date(2026, 12, 31),
        office,
    )


def test_liaisons_have_no_reports_page_and_leaders_record_nothing(
    liaison_a, leader, measure_a, inspection_round
):
    assert page_client(liaison_a).get(page(inspection_round)).status_code == 403
    response = page_client(leader).post(page(inspection_round), {"title": "x", "due": "2026-12-31"})
    assert response.status_code == 403
    assert not RoundReport.objects.exists()


def test_the_page_costs_the_same_for_2_or_8_reports(office, inspection_round):
    counts = []
    for n in (2, 6):
        for month in range(1, n + 1):
            RoundReport.objects.create(round=inspection_round, due=datetime.date(2026, month, 1))
        client = page_client(office)
        with CaptureQueriesContext(connection) as captured:
            assert client.get(page(inspection_round)).status_code == 200
        counts.append(len(captured))
    # session, user, the bell, the round, its reports.
    assert counts[0] == counts[1] <= 5, counts


# --- The round makes its first report --------------------------------------------------------


def test_a_round_with_a_report_due_date_owes_its_report_from_the_start(office, unit_top):
    made = services.round_save(
        actor=office,
        fields={
            "name": "2026年第三轮巡察",
            "inspecting_body": "区委第三巡察组",
            "target_unit": unit_top,
            "feedback_date": datetime.date(2026, 11, 1),
        },
    )

    report = RoundReport.objects.get(round=made)
    assert (report.due, report.sent_on, report.recorded_by) == (
        datetime.date(2027, 1, 1),
        None,
        office,
    )

    services.round_save(
        actor=office,
        fields={"report_due_date": datetime.date(2027, 1, 15)},
        inspection_round=made,
    )
    report.refresh_from_db()
    assert report.due == datetime.date(2027, 1, 15)
    assert RoundReport.objects.filter(round=made).count() == 1


def test_a_new_due_date_leaves_a_report_already_sent_as_it_was(office, inspection_round):
    sent = RoundReport.objects.create(
        round=inspection_round,
        due=inspection_round.report_due_date,
        sent_on=datetime.date(2026, 8, 18),
    )
    services.round_save(
        actor=office,
        fields={"report_due_date": datetime.date(2026, 9, 30)},
        inspection_round=inspection_round,
    )
    sent.refresh_from_db()
    assert sent.due == datetime.date(2026, 8, 20)


def test_a_round_made_through_the_api_owes_its_report_too(client_for, office, unit_top):
    response = client_for(office).post(
        reverse("api:round-list"),
        {
            "name": "2026年第四轮巡察",
            "inspecting_body": "区委第四巡察组",
            "target_unit": unit_top.pk,
            "feedback_date": "2026-11-01",
        },
    )

    assert response.status_code == 201, response.json()
    assert RoundReport.objects.get(round_id=response.json()["id"]).due == datetime.date(2027, 1, 1)


def test_a_report_goes_to_both_lines_unless_told_otherwise(client_for, office, inspection_round):
    # 双报告: the inspecting body's office and the organisation department.
    api = client_for(office)
    both = api.post(reverse(LIST), {"round": inspection_round.pk})
    one = api.post(
        reverse(LIST), {"round": inspection_round.pk, "addressees": "organisation_department"}
    )
    wrong = api.post(reverse(LIST), {"round": inspection_round.pk, "addressees": "everyone"})

    assert both.json()["addressees"] == RoundReport.Addressees.BOTH
    assert both.json()["addressees_label"] == "巡视巡察机构办公室和组织部门（双报告）"
    assert one.json()["addressees"] == "organisation_department"
    assert wrong.status_code == 400 and "addressees" in str(wrong.json())
    assert RoundReport.objects.count() == 2
    page = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    page.force_login(office)
    html = page.get(reverse("round-reports", args=[inspection_round.pk])).content.decode()
    assert html.count("巡视巡察机构办公室和组织部门（双报告）") >= 2  # the row, the choices
    assert "组织部门" in html
