"""Periodic reports of a round (半月报, 季度报): the periods, each unit's figures for a half
month and a quarter, the docx and the xlsx, who may read them, and their cost in queries."""

from __future__ import annotations

import datetime
import io
import re
import zoneinfo

import docx
import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from accounts.models import User
from config.errors import InvalidInput
from documents.periodic import (
    HALF_MONTH,
    QUARTER,
    Period,
    PeriodicReport,
    periodic_report,
    resolve_period,
)
from rectification import services
from rectification.models import Measure, ProgressReport, StatusChange
from supervision import groups as supervision
from supervision import urges
from supervision.models import UrgeNotice, UrgeReply
from tests.budgets import SECURITY_LOG_ROW
from tests.factories import MeasureFactory, ProblemFactory, RoundFactory, UnitFactory, UserFactory
from tests.rectification.helpers import add_evidence, stream_bytes

from .printing import assert_prints_on_a4

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
H1 = Period.parse("2026-11-H1")


def moment(month: int, day: int, hour: int = 10, minute: int = 0) -> datetime.datetime:
    return datetime.datetime(2026, month, day, hour, minute, tzinfo=SHANGHAI)


# --- The periods -------------------------------------------------------------------------------


def test_a_half_month_runs_from_the_1st_to_the_15th_and_from_the_16th_to_the_end():
    first, second = Period.parse("2026-11-H1"), Period.parse("2026-11-H2")
    assert (first.first_day, first.last_day) == (
        datetime.date(2026, 11, 1),
        datetime.date(2026, 11, 15),
    )
    assert (second.first_day, second.last_day) == (
        datetime.date(2026, 11, 16),
        datetime.date(2026, 11, 30),
    )
    assert Period.parse("2028-02-H2").last_day == datetime.date(2028, 2, 29)
    assert Period.parse("2026-12-H2").last_day == datetime.date(2026, 12, 31)


def test_every_day_falls_in_the_half_month_that_progress_reports_name():
    day = datetime.date(2027, 12, 1)
    while day < datetime.date(2029, 1, 1):
        period = Period.containing(day)
        assert period.key == services.period_key(day), day
        assert period.first_day <= day <= period.last_day
        assert Period.parse(period.key) == period
        day += datetime.timedelta(days=1)


def test_a_quarter_holds_its_three_months_and_six_half_months():
    q4 = Period.parse("2026-q4")
    assert (q4.key, q4.first_day, q4.last_day) == (
        "2026-Q4",
        datetime.date(2026, 10, 1),
        datetime.date(2026, 12, 31),
    )
    assert q4.half_month_keys == [
        "2026-10-H1",
        "2026-10-H2",
        "2026-11-H1",
        "2026-11-H2",
        "2026-12-H1",
        "2026-12-H2",
    ]
    assert Period.containing(datetime.date(2026, 4, 1), QUARTER).key == "2026-Q2"
    assert q4.label == "2026年第四季度"
    assert Period.parse("2026-11-H1").label == "2026年11月上半月"


def test_previous_and_next_cross_the_year():
    assert Period.parse("2026-01-H1").previous().key == "2025-12-H2"
    assert Period.parse("2026-12-H2").next().key == "2027-01-H1"
    assert Period.parse("2026-11-H1").next().key == "2026-11-H2"
    assert Period.parse("2026-Q1").previous().key == "2025-Q4"
    assert Period.parse("2026-Q4").next().key == "2027-Q1"
    assert Period.parse("2000-Q1").neighbour(-1) is None


def test_the_default_is_the_last_half_month_that_has_ended():
    assert Period.default(as_of=datetime.date(2026, 11, 20)).key == "2026-11-H1"
    assert Period.default(as_of=datetime.date(2026, 11, 16)).key == "2026-11-H1"
    assert Period.default(as_of=datetime.date(2026, 11, 15)).key == "2026-10-H2"
    assert Period.default(as_of=datetime.date(2026, 1, 3)).key == "2025-12-H2"
    assert Period.default(QUARTER, as_of=datetime.date(2026, 11, 20)).key == "2026-Q3"


def test_the_default_reads_todays_date_in_shanghai(shanghai_clock):
    # 07:30 on the 16th in Shanghai is still the 15th in UTC.
    shanghai_clock.move_to(moment(11, 16, 7, 30), tick=False)
    assert resolve_period("").key == "2026-11-H1"


def test_switching_the_kind_keeps_the_period_that_holds_the_last_day():
    assert resolve_period("2026-11-H1", QUARTER).key == "2026-Q4"
    assert resolve_period("2026-Q4", HALF_MONTH).key == "2026-12-H2"
    assert resolve_period("2026-Q4", QUARTER).key == "2026-Q4"


@pytest.mark.parametrize(
    "text",
    ["2026-11", "2026-13-H1", "2026-00-H2", "2026-11-H3", "2026-Q5", "26-11-H1", "२०२६-11-H1"],
)
def test_a_malformed_period_is_refused_with_the_shape_it_should_have(text):
    with pytest.raises(InvalidInput) as refused:
        Period.parse(text)
    assert "2026-11-H1" in refused.value.message
    assert refused.value.field == "period"


def test_a_period_outside_the_calendar_it_knows_is_refused():
    with pytest.raises(InvalidInput, match="2000"):
        Period.parse("1999-Q4")


# --- A round of two units, built through the services at the moments they happened ------------


@pytest.fixture
def two_units(time_machine, people, inspection_round, unit_a, unit_b):
    """Unit A and unit B, each with three measures, through November 2026.

    A: one overdue since Nov 10 with two reports for H1 and an urge notice replied on Nov 14;
       one signed off at 23:30 on Nov 15 (H1), reported on in Oct H2 and in H1, reopened on
       Nov 19; one signed off at 00:10 on Nov 16 (H2).
    B: one due on Nov 15 itself (not overdue on the 15th, overdue after), reported on in H1
       and in H2; one long-term, reported on for H1 late, on Nov 17; one overdue since Oct 31
       with a reminder notice issued Nov 5 and replied only on Nov 17.
    """
    office, liaison_a, liaison_b = people["office"], people["liaison_a"], people["liaison_b"]
    problem = ProblemFactory(round=inspection_round, seq=1, title="学习领会不够深刻")

    def measure(seq, unit, deadline, **fields):
        return MeasureFactory(problem=problem, seq=seq, lead_unit=unit, deadline=deadline, **fields)

    def clock(month, day, hour=10, minute=0):
        time_machine.move_to(moment(month, day, hour, minute), tick=False)

    clock(10, 20)
    a_overdue = measure(1, unit_a, datetime.date(2026, 11, 10))
    a_closed_15th = measure(2, unit_a, datetime.date(2026, 12, 31))
    a_closed_16th = measure(3, unit_a, datetime.date(2026, 12, 31))
    b_due_15th = measure(4, unit_b, datetime.date(2026, 11, 15))
    b_long_term = measure(5, unit_b, None, is_long_term=True)
    b_overdue = measure(6, unit_b, datetime.date(2026, 10, 31))
    for m, liaison in (
        (a_overdue, liaison_a),
        (a_closed_15th, liaison_a),
        (a_closed_16th, liaison_a),
        (b_due_15th, liaison_b),
        (b_long_term, liaison_b),
        (b_overdue, liaison_b),
    ):
        services.measure_start(measure_id=m.pk, actor=liaison)

    def report(m, liaison, period=None):
        services.progress_report_create(
            measure_id=m.pk, actor=liaison, text="按计划推进", period=period
        )

    report(a_closed_15th, liaison_a)  # 2026-10-H2
    clock(11, 3)
    report(a_overdue, liaison_a)
    report(a_overdue, liaison_a)
    report(a_closed_15th, liaison_a)
    report(b_due_15th, liaison_b)
    clock(11, 5)
    to_b = urges.urge_issue(
        actor=office,
        measure=b_overdue,
        level=UrgeNotice.Level.REMIND,
        reason="请加快整改",
        reply_due=datetime.date(2026, 11, 12),
    )
    clock(11, 12)
    to_a = urges.urge_issue(
        actor=office,
        measure=a_overdue,
        level=UrgeNotice.Level.URGE,
        reason="已逾期，请说明",
        reply_due=datetime.date(2026, 11, 19),
    )
    clock(11, 14)
    urges.urge_reply(notice_id=to_a.pk, actor=liaison_a, text="正在整改")
    clock(11, 15, 22)
    for m in (a_closed_15th, a_closed_16th):
        add_evidence(m, liaison_a)
        services.measure_submit(measure_id=m.pk, actor=liaison_a, result_summary="已完成")
    clock(11, 15, 23, 30)
    services.measure_approve(measure_id=a_closed_15th.pk, actor=office)
    clock(11, 16, 0, 10)
    services.measure_approve(measure_id=a_closed_16th.pk, actor=office)
    clock(11, 17)
    urges.urge_reply(notice_id=to_b.pk, actor=liaison_b, text="已部署")
    report(b_long_term, liaison_b, period="2026-11-H1")  # late, for H1
    clock(11, 18)
    report(b_due_15th, liaison_b)  # 2026-11-H2
    clock(11, 19)
    services.measure_reopen(
        measure_id=a_closed_15th.pk,
        actor=office,
        reason="回头看发现反弹",
        deadline=datetime.date(2026, 12, 31),
    )
    clock(11, 20, 7, 30)
    return {"round": inspection_round, "a": unit_a, "b": unit_b, "people": people}


def figures(report: PeriodicReport) -> dict[str, dict[str, object]]:
    return {
        entry.unit_name: {
            "measures": entry.measures,
            "progress_reports": entry.progress_reports,
            "measures_reported": entry.measures_reported,
            "signed_off": entry.signed_off,
            "overdue": entry.overdue,
            "urges": entry.urges,
            "urges_replied": entry.urges_replied,
            "levels": {k: v for k, v in entry.urges_by_level.items() if v},
        }
        for entry in [*report.units, report.totals]
    }


def report_of(world, key: str, user: User | None = None) -> PeriodicReport:
    return periodic_report(
        inspection_round=world["round"],
        period=Period.parse(key),
        user=user or world["people"]["office"],
    )


def test_the_first_half_of_november_counts_what_each_unit_did_in_it(two_units):
    assert figures(report_of(two_units, "2026-11-H1")) == {
        "局办公室": {
            "measures": 3,
            "progress_reports": 3,  # two on the overdue measure, one on the one signed off
            "measures_reported": 2,
            "signed_off": 1,  # at 23:30 on the 15th; the one at 00:10 on the 16th is H2's
            "overdue": 1,
            "urges": 1,
            "urges_replied": 1,
            "levels": {"urge": 1},
        },
        "建筑市场监管科": {
            "measures": 3,
            "progress_reports": 2,  # one on time, one for H1 filed on the 17th
            "measures_reported": 2,
            "signed_off": 0,
            "overdue": 1,  # since Oct 31; the one due on the 15th is not overdue on the 15th
            "urges": 1,
            "urges_replied": 0,  # replied on the 17th, after the period
            "levels": {"remind": 1},
        },
        "合计": {
            "measures": 6,
            "progress_reports": 5,
            "measures_reported": 4,
            "signed_off": 1,
            "overdue": 2,
            "urges": 2,
            "urges_replied": 1,
            "levels": {"remind": 1, "urge": 1},
        },
    }


def test_the_second_half_of_november_has_the_sign_off_after_midnight(two_units):
    numbers = figures(report_of(two_units, "2026-11-H2"))
    assert numbers["局办公室"]["signed_off"] == 1
    assert numbers["局办公室"]["progress_reports"] == 0
    assert numbers["建筑市场监管科"]["progress_reports"] == 1
    # On Nov 30 the measure due on the 15th is overdue too.
    assert numbers["建筑市场监管科"]["overdue"] == 2
    assert numbers["合计"]["urges"] == 0


def test_a_sign_off_reopened_later_still_counts_in_its_period(two_units):
    reopened = Measure.objects.get(seq=2, problem__round=two_units["round"])
    assert reopened.status == Measure.Status.IN_PROGRESS

    assert figures(report_of(two_units, "2026-11-H1"))["局办公室"]["signed_off"] == 1


def test_a_quarter_adds_up_its_six_half_months(two_units):
    quarter = figures(report_of(two_units, "2026-Q4"))
    halves = [figures(report_of(two_units, key)) for key in Period.parse("2026-Q4").half_month_keys]

    for unit in ("局办公室", "建筑市场监管科", "合计"):
        for name in ("progress_reports", "signed_off", "urges"):
            assert quarter[unit][name] == sum(h.get(unit, {}).get(name, 0) for h in halves), (
                unit,
                name,
            )
    assert quarter["局办公室"]["progress_reports"] == 4  # the October report too
    assert quarter["局办公室"]["signed_off"] == 2
    assert quarter["建筑市场监管科"]["urges_replied"] == 1  # replied within the quarter
    assert quarter["合计"]["overdue"] == 3  # on Dec 31


@pytest.fixture
def member(two_units) -> User:
    """A supervision group's member whose group follows unit A in the round."""
    member = UserFactory(username="inspector", role=User.Role.SUPERVISOR)
    supervision.group_create(
        actor=two_units["people"]["office"],
        fields=supervision.GroupFields(
            name="第一督查组",
            leader=None,
            members=[member],
            rounds=[two_units["round"]],
            units=[two_units["a"]],
        ),
    )
    return member


def test_a_supervision_group_sees_only_its_units(two_units, member):
    numbers = figures(report_of(two_units, "2026-11-H1", member))
    assert set(numbers) == {"局办公室", "合计"}
    assert numbers["合计"]["urges"] == 1


# --- The files ---------------------------------------------------------------------------------


def download(client, name: str, inspection_round, **query):
    response = client.get(reverse(name, args=[inspection_round.pk]), query)
    assert response.status_code == 200, response.content
    return stream_bytes(response)


def test_the_docx_is_titled_for_the_period_and_says_the_numbers(two_units, client_for):
    content = download(
        client_for(two_units["people"]["leader"]),
        "api:round-periodic-docx",
        two_units["round"],
        period="2026-11-H1",
    )
    document = docx.Document(io.BytesIO(content))
    text = "\n".join(p.text for p in document.paragraphs)

    assert document.paragraphs[0].text == (
        "关于2026年第一轮巡察整改工作情况的半月报（2026年11月上半月）"
    )
    assert "现将2026年11月上半月（2026年11月1日至2026年11月15日）2026年第一轮巡察" in text
    assert "本期各单位共报送整改进展5条（涉及整改措施4条），销号整改措施1条" in text
    assert "逾期未完成整改措施2条" in text
    assert "发出督办单2份（其中提醒1份、督办1份），已回复1份" in text
    assert "建筑市场监管科本期收到的督办单截至期末尚未全部回复" in text
    rows = [[cell.text for cell in row.cells] for row in document.tables[0].rows]
    assert rows == [
        ["序号", "单位", "报送进展", "销号措施", "期末逾期", "收到督办单", "已回复"],
        ["1", "局办公室", "3", "1", "1", "1", "1"],
        ["2", "建筑市场监管科", "2", "0", "1", "1", "0"],
        ["", "合计", "5", "1", "2", "2", "1"],
    ]


def test_the_quarterly_docx_is_titled_for_the_quarter(two_units, client_for):
    content = download(
        client_for(two_units["people"]["office"]),
        "api:round-periodic-docx",
        two_units["round"],
        period="2026-Q4",
    )
    title = docx.Document(io.BytesIO(content)).paragraphs[0].text
    assert title == "关于2026年第一轮巡察整改工作情况的季度报（2026年第四季度）"


def test_the_xlsx_has_the_units_the_sign_offs_and_the_overdue_and_prints_on_a4(
    two_units, client_for
):
    content = download(
        client_for(two_units["people"]["office"]),
        "api:round-periodic-xlsx",
        two_units["round"],
        period="2026-11-H1",
    )
    workbook = load_workbook(io.BytesIO(content))

    assert workbook.sheetnames == ["各单位情况", "本期销号措施", "期末逾期措施"]
    for sheet in workbook.worksheets:
        assert_prints_on_a4(
            sheet,
            title=f"2026年第一轮巡察2026年11月上半月{sheet.title}",
            as_of="2026年11月15日",
            rows="2:2",
        )
        assert sheet.column_dimensions["B"].width >= 20
    units = list(workbook["各单位情况"].iter_rows(min_row=3, values_only=True))
    assert units == [
        (1, "局办公室", 3, 3, 2, 1, 1, 1, 0, 1, 0, 0, 1),
        (2, "建筑市场监管科", 3, 2, 2, 0, 1, 1, 1, 0, 0, 0, 0),
        (None, "合计", 6, 5, 4, 1, 2, 2, 1, 1, 0, 0, 1),
    ]
    signed = list(workbook["本期销号措施"].iter_rows(min_row=3, values_only=True))
    assert [(row[1], row[5]) for row in signed] == [("局办公室", datetime.datetime(2026, 11, 15))]
    overdue = list(workbook["期末逾期措施"].iter_rows(min_row=3, values_only=True))
    assert [(row[1], row[4], row[5]) for row in overdue] == [
        ("局办公室", datetime.datetime(2026, 11, 10), 5),
        ("建筑市场监管科", datetime.datetime(2026, 10, 31), 15),
    ]


def test_the_xlsx_writes_unit_and_measure_text_that_looks_like_a_formula_as_text(
    two_units, client_for
):
    unit = two_units["a"]
    unit.name = '=HYPERLINK("http://evil.example","点击")'
    unit.save()
    Measure.objects.filter(problem__round=two_units["round"], seq=1).update(text="=1+2")
    content = download(
        client_for(two_units["people"]["office"]),
        "api:round-periodic-xlsx",
        two_units["round"],
        period="2026-11-H1",
    )
    workbook = load_workbook(io.BytesIO(content))

    names = [row[1] for row in workbook["各单位情况"].iter_rows(min_row=3, values_only=True)]
    assert "'" + unit.name in names
    overdue = [row[3] for row in workbook["期末逾期措施"].iter_rows(min_row=3, values_only=True)]
    assert "'=1+2" in overdue
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate)


def test_without_a_period_the_files_are_of_the_last_half_month_ended(two_units, client_for):
    content = download(
        client_for(two_units["people"]["office"]), "api:round-periodic-docx", two_units["round"]
    )
    assert "2026年11月上半月" in docx.Document(io.BytesIO(content)).paragraphs[0].text


@pytest.mark.parametrize(
    "query", [{"period": "2026-11-H3"}, {"period": "next week"}, {"kind": "month"}]
)
@pytest.mark.parametrize("name", ["api:round-periodic-docx", "api:round-periodic-xlsx"])
def test_a_bad_period_is_a_400_that_says_why(two_units, client_for, name, query):
    response = client_for(two_units["people"]["office"]).get(
        reverse(name, args=[two_units["round"].pk]), query
    )
    assert response.status_code == 400
    body = response.json()
    assert set(body) & {"period", "kind"}, body


@pytest.mark.parametrize("role", ["liaison_a", "liaison_b"])
def test_a_liaison_may_not_read_the_periodic_report(two_units, client_for, role):
    user = two_units["people"][role]
    for name in ("api:round-periodic-docx", "api:round-periodic-xlsx"):
        response = client_for(user).get(reverse(name, args=[two_units["round"].pk]))
        assert response.status_code == 403
    client = Client()
    client.force_login(user)
    assert client.get(reverse("round-periodic", args=[two_units["round"].pk])).status_code == 403


def test_a_supervisor_outside_the_rounds_groups_finds_no_round(two_units, client_for):
    stranger = UserFactory(username="stranger", role=User.Role.SUPERVISOR)
    response = client_for(stranger).get(
        reverse("api:round-periodic-docx", args=[two_units["round"].pk])
    )
    assert response.status_code == 404


# --- The page ----------------------------------------------------------------------------------


def page(user: User, inspection_round, **query):
    client = Client()
    client.force_login(user)
    return client.get(reverse("round-periodic", args=[inspection_round.pk]), query)


def test_the_page_shows_each_unit_and_links_the_files_of_the_period(two_units):
    response = page(two_units["people"]["office"], two_units["round"], period="2026-11-H1")
    html = response.content.decode()

    assert response.status_code == 200
    assert response.context["period"].key == "2026-11-H1"
    rows = re.findall(r'<tr data-unit="(\d+)">(.*?)</tr>', html, re.S)
    assert [unit for unit, _row in rows] == [str(two_units["a"].pk), str(two_units["b"].pk)]
    docx_url = reverse("api:round-periodic-docx", args=[two_units["round"].pk])
    assert f'href="{docx_url}?period=2026-11-H1"' in html
    xlsx_url = reverse("api:round-periodic-xlsx", args=[two_units["round"].pk])
    assert f'href="{xlsx_url}?period=2026-11-H1"' in html
    assert "?kind=half-month&amp;period=2026-10-H2" in html
    assert "?kind=half-month&amp;period=2026-11-H2" in html


def test_the_page_keeps_the_kind_chosen_in_the_address(two_units):
    response = page(two_units["people"]["leader"], two_units["round"], kind="quarter")
    html = response.content.decode()

    assert response.context["period"].key == "2026-Q3"
    assert "?kind=quarter&amp;period=2026-Q2" in html
    assert "?kind=quarter&amp;period=2026-Q4" in html
    assert '<option value="quarter" selected>' in html


def test_a_bad_period_on_the_page_is_a_form_error_not_a_failure(two_units):
    response = page(two_units["people"]["office"], two_units["round"], period="2026-11-H9")
    html = response.content.decode()

    assert response.status_code == 200
    assert response.context["report"] is None
    assert 'id="period-error"' in html
    assert 'value="2026-11-H9"' in html  # what was typed, to be corrected
    assert "periodic-downloads" not in html


def test_a_supervision_groups_member_reads_the_page_of_the_groups_units(two_units, member):
    response = page(member, two_units["round"], period="2026-11-H1")

    assert response.status_code == 200
    assert [u.unit_id for u in response.context["report"].units] == [two_units["a"].pk]


def test_the_round_page_links_the_periodic_report_where_it_may_be_read(two_units, member):
    inspection_round = two_units["round"]
    people = {**two_units["people"], "member": member}
    for role, shown in (
        ("office", True),
        ("leader", True),
        ("member", True),
        ("liaison_a", False),
    ):
        client = Client()
        client.force_login(people[role])
        html = client.get(reverse("round-detail", args=[inspection_round.pk])).content.decode()
        assert ('id="periodic-link"' in html) is shown, role


# --- Queries: the same for 3 units as for 30 ---------------------------------------------------


def fill(units: int) -> tuple:
    """A round whose every unit has a measure overdue, one signed off in H1 with a progress
    report, and an urge notice replied to, all in the first half of November 2026."""
    office = UserFactory(role=User.Role.OFFICE)
    liaison = UserFactory(role=User.Role.LIAISON, unit=UnitFactory())
    inspection_round = RoundFactory()
    problem = ProblemFactory(round=inspection_round, seq=1)
    in_h1 = timezone.make_aware(datetime.datetime(2026, 11, 10, 10))
    for n in range(units):
        unit = UnitFactory()
        overdue = MeasureFactory(
            problem=problem, seq=2 * n + 1, lead_unit=unit, deadline=datetime.date(2026, 11, 1)
        )
        closed = MeasureFactory(
            problem=problem,
            seq=2 * n + 2,
            lead_unit=unit,
            deadline=datetime.date(2026, 12, 1),
            status=Measure.Status.CLOSED,
            closed_at=in_h1,
        )
        StatusChange.objects.create(
            measure=closed,
            from_status=Measure.Status.SUBMITTED,
            to_status=Measure.Status.CLOSED,
            action=StatusChange.Action.APPROVE,
            actor=office,
            at=in_h1,
        )
        ProgressReport.objects.create(
            measure=closed, author=liaison, period="2026-11-H1", text="进展", created_at=in_h1
        )
        notice = UrgeNotice.objects.create(
            round=inspection_round,
            unit=unit,
            measure=overdue,
            level=UrgeNotice.Level.URGE,
            reason="请加快",
            reply_due=datetime.date(2026, 11, 14),
            issued_by=office,
            issued_at=in_h1,
        )
        notice.measures.set([overdue])
        UrgeReply.objects.create(notice=notice, author=liaison, text="已整改", at=in_h1)
    return inspection_round, office


def test_the_report_reads_the_same_four_queries_for_3_units_as_for_30(
    shanghai_clock, django_assert_num_queries
):
    for units in (3, 30):
        inspection_round, office = fill(units)
        # Measures by unit (with the overdue), progress reports, sign-offs, urge notices.
        with django_assert_num_queries(4):
            report = periodic_report(inspection_round=inspection_round, period=H1, user=office)
        assert len(report.units) == units
        assert report.totals.overdue == report.totals.signed_off == units


def test_the_page_and_the_files_cost_the_same_for_3_units_as_for_30(
    shanghai_clock, client_for, django_assert_num_queries
):
    for units in (3, 30):
        inspection_round, office = fill(units)
        client = Client()
        client.force_login(office)
        api = client_for(office)
        url = reverse("round-periodic", args=[inspection_round.pk])
        # Session, user, the round, the report's four, the bell.
        with django_assert_num_queries(8):
            assert client.get(url, {"period": "2026-11-H1"}).status_code == 200
        # The round and the report's four; the download's row in the security log.
        with django_assert_num_queries(5 + SECURITY_LOG_ROW):
            response = api.get(
                reverse("api:round-periodic-docx", args=[inspection_round.pk]),
                {"period": "2026-11-H1"},
            )
            stream_bytes(response)
        # The round, the report's four, the signed-off and the overdue measures; the log.
        with django_assert_num_queries(7 + SECURITY_LOG_ROW):
            response = api.get(
                reverse("api:round-periodic-xlsx", args=[inspection_round.pk]),
                {"period": "2026-11-H1"},
            )
            workbook = load_workbook(io.BytesIO(stream_bytes(response)))
        assert workbook["期末逾期措施"].max_row == 2 + units
