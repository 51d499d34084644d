"""The five ledgers (五账) of a round as one xlsx: rows, scope, formula safety, printing."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.urls import reverse
from openpyxl import load_workbook

from accounts.models import User
from demo.management.commands.load_demo import ROUND_NAME
from documents.five_ledgers import SHEETS, five_ledger_queries
from findings.models import ProblemClue
from inspections.models import InspectionRound, RoundReport
from tests.budgets import SECURITY_LOG_ROW
from tests.conftest import SHANGHAI_TODAY
from tests.rectification.helpers import stream_bytes

from .printing import assert_prints_on_a4

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("shanghai_clock")]


@pytest.fixture
def demo_round(db) -> InspectionRound:
    call_command("load_demo", stdout=io.StringIO())
    inspection_round = InspectionRound.objects.get(name=ROUND_NAME)
    # The demo's report was sent and acknowledged, its further one is due in a week; one
    # more, overdue since the 1st.
    RoundReport.objects.create(
        round=inspection_round, title="整改情况补充报告", due=SHANGHAI_TODAY.replace(day=1)
    )
    return inspection_round


def download(user: User, inspection_round: InspectionRound, client_for):
    response = client_for(user).get(
        reverse("api:five-ledgers-export"), {"round": inspection_round.pk}
    )
    assert response.status_code == 200, response.content
    return load_workbook(io.BytesIO(stream_bytes(response)))


def data_rows(sheet) -> list[tuple]:
    return [row for row in sheet.iter_rows(min_row=2, values_only=True) if any(row)]


def test_each_sheet_of_the_demo_round_has_the_rows_of_its_query(demo_round, client_for):
    office = User.objects.get(username="office")
    workbook = download(office, demo_round, client_for)
    queries = five_ledger_queries(demo_round, office)

    assert workbook.sheetnames == list(SHEETS)
    problems_without_measures = queries.problems.filter(measures__isnull=True).count()
    expected = {
        "报告报账": queries.reports.count(),
        "反馈交账": queries.measures.count() + problems_without_measures,
        "移交转账": queries.clues.count() + queries.petitions.count(),
        "督办对账": 0,
        "整改销账": queries.signed_off.count(),
    }
    assert {name: len(data_rows(workbook[name])) for name in SHEETS} == expected
    # The demo has something in every sheet but the urge notices, which do not exist yet.
    assert all(expected[name] > 0 for name in SHEETS if name != "督办对账")


def test_the_report_ledger_says_which_report_is_overdue(demo_round, client_for):
    workbook = download(User.objects.get(username="office"), demo_round, client_for)

    states = [row[5] for row in data_rows(workbook["报告报账"])]
    assert states == ["已签收", "逾期未报送", "待报送"]  # by due date


def test_the_sign_off_ledger_names_who_signed_off_when_and_the_evidence(demo_round, client_for):
    office = User.objects.get(username="office")
    workbook = download(office, demo_round, client_for)
    closed = five_ledger_queries(demo_round, office).signed_off.select_related("closed_by")

    rows = data_rows(workbook["整改销账"])
    assert {row[5] for row in rows} == {str(m.closed_by) for m in closed}
    assert all(row[6] is not None for row in rows)
    assert all(isinstance(row[7], int) for row in rows)


def test_a_leaders_copy_has_counts_but_no_clue_or_petition_content(demo_round, client_for):
    leader = User.objects.get(username="leader")
    workbook = download(leader, demo_round, client_for)

    sheet = workbook["移交转账"]
    everything = " ".join(str(v) for row in sheet.iter_rows(values_only=True) for v in row if v)
    for clue in ProblemClue.objects.filter(round=demo_round):
        assert clue.summary not in everything
        assert not clue.subject or clue.subject not in everything
    for petition in demo_round.petitions.all():
        assert petition.summary not in everything
    rows = data_rows(sheet)
    assert [row[:2] for row in rows] == [
        ("问题线索", ProblemClue.objects.filter(round=demo_round).count()),
        ("信访件", demo_round.petitions.count()),
    ]


def test_a_liaison_may_not_download_the_five_ledgers(demo_round, client_for):
    liaison = User.objects.filter(role=User.Role.LIAISON).first()
    response = client_for(liaison).get(reverse("api:five-ledgers-export"), {"round": demo_round.pk})
    assert response.status_code in (403, 404)


def test_text_that_looks_like_a_formula_is_written_as_text(demo_round, client_for):
    clue = ProblemClue.objects.filter(round=demo_round).first()
    clue.summary = '=HYPERLINK("http://evil.example","点击")'
    clue.save()
    workbook = download(User.objects.get(username="office"), demo_round, client_for)

    summaries = [row[2] for row in data_rows(workbook["移交转账"])]
    assert "'" + clue.summary in summaries
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate)


def test_every_sheet_prints_on_a4_with_its_title(demo_round, client_for):
    workbook = download(User.objects.get(username="office"), demo_round, client_for)

    for sheet in workbook.worksheets:
        assert_prints_on_a4(sheet, title=sheet.title, as_of="2026年11月20日")


def test_the_export_reads_a_fixed_number_of_queries(
    demo_round, client_for, django_assert_max_num_queries
):
    client = client_for(User.objects.get(username="office"))
    # round, reports, problems, measures, clues, petitions, signed-off measures (with their
    # evidence counts in the same query), and the viewer's unit for the watermark: 8, whatever
    # the size of the round.
    with django_assert_max_num_queries(8 + SECURITY_LOG_ROW):  # the download, logged
        response = client.get(reverse("api:five-ledgers-export"), {"round": demo_round.pk})
        stream_bytes(response)
    assert response.status_code == 200
