"""Clues and petitions owe a feedback by a due date: the default, the office's edits and
conclusions with their checks, the three-colour rungs told to the office, the late ones on
the workbench, in 移交转账 and counted on the dashboard."""

from __future__ import annotations

import datetime
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from accounts.models import User
from findings.models import Petition, ProblemClue
from findings.selectors import clues_visible_to, petitions_visible_to
from reminders import services as reminders
from reminders.models import Notification, ReminderLog
from reminders.services import Kind, feedback_rung
from tests.factories import ClueFactory, PetitionFactory
from tests.rectification.helpers import PDF_BYTES, pdf_upload, png_bytes

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("shanghai_clock")]

# shanghai_clock stands on 20 November 2026.
TODAY = datetime.date(2026, 11, 20)
JULY_1 = datetime.date(2026, 7, 1)
OCTOBER_1 = datetime.date(2026, 10, 1)  # three months after 1 July


def days(n: int) -> datetime.timedelta:
    return datetime.timedelta(days=n)


def sweep(day: datetime.date) -> reminders.SweepResult:
    return reminders.sweep(as_of=day, dispatch=lambda delivery_id: None)


def feedback_logs() -> set[tuple[str, str, int, datetime.date, str]]:
    """Every feedback reminder so far as (clue or petition, kind, step, key date, recipient)."""
    return {
        (
            "clue" if log.clue_id else "petition",
            log.kind,
            log.step,
            log.key_date,
            log.recipient.username,
        )
        for log in ReminderLog.objects.filter(kind__startswith="feedback_").select_related(
            "recipient"
        )
    }


# --- The due date and the conclusion ----------------------------------------------------------


def test_a_clue_is_due_three_months_after_its_transfer_unless_the_office_says_otherwise(
    office, inspection_round, client_for
):
    api = client_for(office)
    base = {"round": inspection_round.pk, "summary": "反映某干部违规收受礼金"}
    default = api.post(
        "/api/v1/clues/",
        {**base, "transferred_to": "区纪委监委", "transferred_on": "2026-07-01"},
        format="json",
    )
    chosen = api.post(
        "/api/v1/clues/",
        {
            **base,
            "transferred_to": "区纪委监委",
            "transferred_on": "2026-07-01",
            "feedback_due": "2026-08-15",
        },
        format="json",
    )
    petition = api.post("/api/v1/petitions/", {**base, "received_on": "2026-08-31"}, format="json")

    assert default.status_code == 201, default.content
    assert default.json()["feedback_due"] == "2026-10-01"
    assert default.json()["is_late"] is True
    assert chosen.json()["feedback_due"] == "2026-08-15"
    # 31 August + three months is the last day of November.
    assert petition.json()["feedback_due"] == "2026-11-30"
    assert petition.json()["is_late"] is False


def test_the_months_are_a_setting(office, inspection_round, client_for, settings):
    settings.CLUE_FEEDBACK_MONTHS = 2
    response = client_for(office).post(
        "/api/v1/clues/",
        {
            "round": inspection_round.pk,
            "summary": "线索",
            "transferred_to": "区纪委监委",
            "transferred_on": "2026-07-01",
        },
        format="json",
    )

    assert response.json()["feedback_due"] == "2026-09-01"


def test_the_office_concludes_a_clue_with_its_document_and_downloads_it(
    office, leader, inspection_round, client_for, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    clue = ClueFactory(round=inspection_round, transferred_on=JULY_1)
    api = client_for(office)

    response = api.patch(
        f"/api/v1/clues/{clue.pk}/",
        {
            "status": "concluded",
            "outcome": "经初步核实，给予诫勉",
            "concluded_on": "2026-11-02",
            "document": pdf_upload("办结报告.pdf"),
        },
        format="multipart",
    )

    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["status"], body["concluded_on"], body["document_name"]) == (
        "concluded",
        "2026-11-02",
        "办结报告.pdf",
    )
    assert body["is_late"] is False
    download = api.get(body["document_url"])
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF_BYTES
    assert client_for(leader).get(body["document_url"]).status_code == 403


BAD_WRITES = [
    ({"concluded_on": "2026-06-30", "status": "concluded", "outcome": "了结"}, "concluded_on"),
    ({"concluded_on": "2026-12-01", "status": "concluded", "outcome": "了结"}, "concluded_on"),
    ({"feedback_due": "2026-06-30"}, "feedback_due"),
    ({"status": "concluded", "outcome": ""}, "outcome"),
]


@pytest.mark.parametrize(("change", "field"), BAD_WRITES)
def test_a_date_or_conclusion_that_breaks_its_rule_is_refused_naming_the_field(
    office, inspection_round, client_for, change, field
):
    clue = ClueFactory(round=inspection_round, transferred_on=JULY_1)

    response = client_for(office).patch(f"/api/v1/clues/{clue.pk}/", change, format="json")

    assert response.status_code == 400
    assert field in response.json()
    clue.refresh_from_db()
    assert (clue.status, clue.feedback_due, clue.concluded_on) == ("transferred", OCTOBER_1, None)


def test_a_petition_concluded_before_it_was_received_is_refused(
    office, inspection_round, client_for
):
    petition = PetitionFactory(round=inspection_round, received_on=JULY_1)

    response = client_for(office).patch(
        f"/api/v1/petitions/{petition.pk}/",
        {"status": "concluded", "concluded_on": "2026-06-01"},
        format="json",
    )

    assert response.status_code == 400 and "concluded_on" in response.json()
    petition.refresh_from_db()
    assert petition.status == Petition.Status.PENDING


@pytest.mark.parametrize(
    ("change", "upload"),
    [
        ({"status": "in_handling"}, lambda: pdf_upload("报告.pdf")),
        ({"status": "concluded", "outcome": "了结"}, lambda: pdf_upload("报告.pdf", png_bytes())),
    ],
    ids=["without-a-conclusion", "bytes-not-a-pdf"],
)
def test_a_document_is_refused_without_a_conclusion_or_when_its_bytes_lie(
    office, inspection_round, client_for, settings, tmp_path, change, upload
):
    settings.MEDIA_ROOT = tmp_path
    clue = ClueFactory(round=inspection_round, transferred_on=JULY_1)

    response = client_for(office).patch(
        f"/api/v1/clues/{clue.pk}/", {**change, "document": upload()}, format="multipart"
    )

    assert response.status_code == 400 and "document" in response.json()
    clue.refresh_from_db()
    assert (clue.status, clue.document_name) == ("transferred", "")
    assert not any(tmp_path.rglob("*"))  # nothing stored


def test_the_page_form_refuses_a_conclusion_before_the_transfer_on_its_field(
    office, client, inspection_round
):
    clue = ClueFactory(round=inspection_round, transferred_on=JULY_1)
    client.force_login(office)

    response = client.post(
        f"/clues/{clue.pk}/",
        {
            "round": inspection_round.pk,
            "summary": clue.summary,
            "transferred_to": clue.transferred_to,
            "transferred_on": "2026-07-01",
            "status": "concluded",
            "outcome": "了结",
            "concluded_on": "2026-06-01",
            "disciplined_count": 0,
        },
    )

    assert response.status_code == 200
    assert "concluded_on" in response.context["form"].errors
    clue.refresh_from_db()
    assert clue.status == ProblemClue.Status.TRANSFERRED


# --- The rungs ----------------------------------------------------------------------------------

# Days from the due date, and the rung of that day (green from 20 days before, yellow from 7,
# red from the day after and then weekly).
RUNGS = [
    (-21, None),
    (-20, (Kind.FEEDBACK_GREEN, 0)),
    (-8, (Kind.FEEDBACK_GREEN, 0)),
    (-7, (Kind.FEEDBACK_YELLOW, 0)),
    (0, (Kind.FEEDBACK_YELLOW, 0)),
    (1, (Kind.FEEDBACK_RED, 1)),
    (7, (Kind.FEEDBACK_RED, 1)),
    (8, (Kind.FEEDBACK_RED, 2)),
]


@pytest.mark.parametrize(("offset", "rung"), RUNGS)
def test_the_rung_of_each_boundary_day(inspection_round, offset, rung):
    clue = ClueFactory(round=inspection_round, transferred_on=JULY_1)

    assert feedback_rung(clue, OCTOBER_1 + days(offset)) == rung


@pytest.mark.parametrize(("offset", "rung"), RUNGS)
def test_the_sweep_tells_the_office_each_rung_once_and_nobody_else(
    office, leader, liaison_a, inspection_round, offset, rung
):
    ClueFactory(round=inspection_round, transferred_on=JULY_1)
    day = OCTOBER_1 + days(offset)

    sweep(day)
    sweep(day)

    expected = set() if rung is None else {("clue", rung[0], rung[1], OCTOBER_1, "clerk")}
    assert feedback_logs() == expected


def test_across_the_days_each_rung_comes_once(office, inspection_round):
    PetitionFactory(round=inspection_round, received_on=JULY_1)  # due 1 October too

    for offset in range(-25, 16):
        sweep(OCTOBER_1 + days(offset))

    assert sorted((kind, step) for _what, kind, step, _key, _who in feedback_logs()) == [
        (Kind.FEEDBACK_GREEN, 0),
        (Kind.FEEDBACK_RED, 1),
        (Kind.FEEDBACK_RED, 2),
        (Kind.FEEDBACK_RED, 3),
        (Kind.FEEDBACK_YELLOW, 0),
    ]


def test_a_concluded_clue_or_petition_is_never_reminded(office, inspection_round):
    ClueFactory(
        round=inspection_round,
        transferred_on=JULY_1,
        status=ProblemClue.Status.CONCLUDED,
        outcome="予以了结",
        concluded_on=datetime.date(2026, 9, 1),
    )
    PetitionFactory(
        round=inspection_round,
        received_on=JULY_1,
        status=Petition.Status.CONCLUDED,
        concluded_on=datetime.date(2026, 9, 1),
    )

    for offset in range(-25, 30):
        sweep(OCTOBER_1 + days(offset))

    assert feedback_logs() == set()


def test_a_new_due_date_starts_the_rungs_afresh(office, inspection_round, client_for):
    clue = ClueFactory(round=inspection_round, transferred_on=JULY_1)
    sweep(OCTOBER_1 + days(1))
    client_for(office).patch(
        f"/api/v1/clues/{clue.pk}/", {"feedback_due": "2026-10-20"}, format="json"
    )

    sweep(OCTOBER_1 + days(1))

    assert feedback_logs() == {
        ("clue", Kind.FEEDBACK_RED, 1, OCTOBER_1, "clerk"),
        ("clue", Kind.FEEDBACK_GREEN, 0, datetime.date(2026, 10, 20), "clerk"),
    }


def test_the_reminder_names_dates_and_bodies_but_never_what_the_clue_says(office, inspection_round):
    ClueFactory(
        round=inspection_round,
        transferred_on=JULY_1,
        summary="反映某局长违规插手工程",
        subject="张某某",
    )

    reminders.sweep(as_of=OCTOBER_1 + days(3), dispatch=lambda delivery_id: None)

    note = Notification.objects.get(recipient=office)
    text = note.title + note.body
    assert "区纪委监委" in text and "2026-10-01" in text and "3" in text
    assert "局长" not in text and "张某某" not in text


# --- Who sees the late ones ---------------------------------------------------------------------


@pytest.fixture
def late_and_not(inspection_round) -> dict:
    return {
        "late": ClueFactory(round=inspection_round, transferred_on=JULY_1, summary="迟了的线索"),
        "on_time": ClueFactory(
            round=inspection_round, transferred_on=datetime.date(2026, 10, 1), summary="未到期"
        ),
        "concluded": ClueFactory(
            round=inspection_round,
            transferred_on=JULY_1,
            status=ProblemClue.Status.CONCLUDED,
            outcome="了结",
            concluded_on=datetime.date(2026, 10, 20),
            summary="已办结",
        ),
        "petition": PetitionFactory(round=inspection_round, received_on=JULY_1),
    }


def transfers_sheet(user, inspection_round, client_for) -> list[tuple]:
    response = client_for(user).get(
        reverse("api:five-ledgers-export"), {"round": inspection_round.pk}
    )
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    rows = workbook["移交转账"].iter_rows(min_row=2, values_only=True)
    return [row for row in rows if any(row)]


def test_the_transfer_ledger_marks_the_late_ones(
    office, inspection_round, late_and_not, client_for
):
    rows = transfers_sheet(office, inspection_round, client_for)

    # openpyxl reads a date cell back as a datetime at midnight.
    marks = {row[2]: (row[10].date(), row[11]) for row in rows}
    assert marks == {
        "迟了的线索": (OCTOBER_1, "逾期50天"),
        "未到期": (datetime.date(2027, 1, 1), None),
        "已办结": (OCTOBER_1, None),
        late_and_not["petition"].summary: (OCTOBER_1, "逾期50天"),
    }


def test_a_leaders_transfer_ledger_counts_the_late_ones_and_shows_no_text(
    leader, inspection_round, late_and_not, client_for
):
    rows = transfers_sheet(leader, inspection_round, client_for)

    assert rows == [("问题线索", 3, 1, 2, 1), ("信访件", 1, 0, 1, 1)]


def test_the_workbench_shows_the_late_ones_in_red_without_their_text(office, client, late_and_not):
    client.force_login(office)

    response = client.get("/workbench/")

    html = response.content.decode()
    assert response.context["counts"]["late_feedback"] == 2
    assert f'data-late-clue="{late_and_not["late"].pk}"' in html
    assert f'data-late-petition="{late_and_not["petition"].pk}"' in html
    assert f'data-late-clue="{late_and_not["on_time"].pk}"' not in html
    assert f'data-late-clue="{late_and_not["concluded"].pk}"' not in html
    assert "迟了的线索" not in html


def test_the_clue_list_filters_and_marks_the_late_ones(office, client, late_and_not):
    client.force_login(office)

    response = client.get("/clues/?late=1")

    assert [c.pk for c in response.context["page"]] == [late_and_not["late"].pk]
    assert f'data-late="{late_and_not["late"].pk}"' in response.content.decode()


def test_the_dashboard_gives_a_leader_the_late_counts_only(leader, client_for, late_and_not):
    body = client_for(leader).get("/api/v1/dashboard/summary/").json()

    assert body["clues"] == {"total": 3, "concluded": 1, "late": 1}
    assert body["petitions"] == {"total": 1, "concluded": 0, "late": 1}


def test_leaders_and_liaisons_see_no_clue_or_petition(leader, liaison_a, late_and_not, client_for):
    for user in (leader, liaison_a):
        assert not clues_visible_to(user).exists()
        assert not petitions_visible_to(user).exists()
        assert client_for(user).get("/api/v1/clues/").status_code == 403
    assert client_for(liaison_a).get("/api/v1/dashboard/summary/").json().get("clues") is None


# --- The admin ----------------------------------------------------------------------------------


def admin_clue(inspection_round, **change) -> dict:
    return {
        "round": inspection_round.pk,
        "summary": "后台录入的线索",
        "subject": "",
        "transferred_to": "区纪委监委",
        "transferred_on": "2026-07-01",
        "feedback_due": "",
        "disposal": "",
        "status": "transferred",
        "outcome": "",
        "concluded_on": "",
        "disciplined_count": 0,
        **change,
    }


def test_the_admin_saves_through_the_rules(client, inspection_round):
    root = User.objects.create_superuser("root", "root@example.gov.cn", "Xuncha-2026-ok")
    client.force_login(root)
    url = reverse("admin:findings_problemclue_add")

    refused = client.post(url, admin_clue(inspection_round, concluded_on="2026-06-01"))
    saved = client.post(url, admin_clue(inspection_round))

    assert refused.status_code == 200
    assert "concluded_on" in refused.context["adminform"].form.errors
    assert saved.status_code == 302
    assert list(ProblemClue.objects.values_list("summary", "feedback_due")) == [
        ("后台录入的线索", OCTOBER_1)
    ]
