"""A round's rectification reports (报告报账) through the API: recorded, validated, scoped."""

from __future__ import annotations

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

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
