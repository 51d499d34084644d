"""Rules that a deliberate-breakage run showed no test held: pressing an urge notice again at
the same level, an urge notice reminded once over the days before its reply is due, the
sweep's row-by-row fallback inserting no duplicate, the cap of the 约谈 deduction, a .docx
bomb refused from its directory, and clue and petition text kept out of what is published."""

from __future__ import annotations

import datetime
import io
import logging
import zipfile

import docx
import pytest
from django.urls import reverse

from config.errors import InvalidInput
from documents import docx_in
from documents.publications import publication_approve, publication_draft
from findings.selectors import clues_visible_to, petitions_visible_to
from rectification.models import restart_ladders
from reminders import services as reminders
from reminders.models import Notification, ReminderLog
from reminders.services import Kind
from supervision import urges
from supervision.models import UrgeNotice
from tests.factories import ClueFactory, MeasureFactory, PetitionFactory
from tests.rectification.helpers import stream_bytes

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("shanghai_clock")]

TODAY = datetime.date(2026, 11, 20)  # shanghai_clock
URGES = "/api/v1/urges/"


def later(n: int) -> datetime.date:
    return TODAY + datetime.timedelta(days=n)


def sweep(day: datetime.date) -> reminders.SweepResult:
    return reminders.sweep(as_of=day, dispatch=lambda delivery_id: None)


# --- Urge notices -------------------------------------------------------------------------------


def test_pressing_again_at_the_same_level_is_refused_and_nothing_changes(
    client_for, office, measure_a
):
    api = client_for(office)
    notice = api.post(
        URGES,
        {
            "measure": measure_a.pk,
            "level": "urge",
            "reason": "整改进度滞后",
            "reply_due": later(7).isoformat(),
        },
        format="json",
    ).json()

    same = api.post(
        f"{URGES}{notice['id']}/escalate/",
        {"level": "urge", "reason": "再催", "reply_due": later(3).isoformat()},
        format="json",
    )

    assert same.status_code == 400 and "level" in same.json()
    assert list(UrgeNotice.objects.values_list("level", "status")) == [("urge", "open")]


def test_an_urge_notice_is_announced_once_over_the_days_before_its_reply_is_due(
    office, liaison_a, measure_a
):
    urges.urge_issue(
        actor=office, measure=measure_a, level="remind", reason="进度滞后", reply_due=later(7)
    )

    for n in range(0, 8):  # every day up to the reply's due day itself
        sweep(later(n))

    logs = ReminderLog.objects.filter(kind__in=[Kind.URGE_ISSUED, Kind.URGE_OVERDUE])
    assert list(logs.values_list("kind", "recipient__username")) == [
        (Kind.URGE_ISSUED, "liaison_a")
    ]
    sweep(later(8))
    sweep(later(9))
    assert sorted(logs.values_list("kind", "recipient__username")) == [
        (Kind.URGE_ISSUED, "liaison_a"),
        (Kind.URGE_OVERDUE, "clerk"),
        (Kind.URGE_OVERDUE, "liaison_a"),
    ]


# --- The sweep's exactly-once -------------------------------------------------------------------


@pytest.fixture
def due_measures(problem, unit_a, liaison_a, office):
    """Three measures on the green, yellow and red rungs today."""
    for seq, days_left in ((1, 15), (2, 5), (3, -2)):
        MeasureFactory(problem=problem, seq=seq, lead_unit=unit_a, deadline=later(days_left))


def test_a_repeated_sweep_takes_no_fallback_and_inserts_nothing(
    due_measures, caplog, django_assert_max_num_queries
):
    sweep(TODAY)
    logs, notes = ReminderLog.objects.count(), Notification.objects.count()
    assert logs > 0

    caplog.set_level(logging.INFO, logger="reminders.services")
    # Every key is found taken, so no insert is tried: the office staff; the due measures,
    # their liaisons, their escalations and their logs (one savepoint pair); submissions,
    # the endorsement chain's waiting steps, urge notices, reports, clues and petitions;
    # the digest's empty claim (four, with its
    # savepoint); the email and robot outboxes' recipients; the deliveries to queue again.
    # An insert tried and refused (the fallback) would add a savepoint pair and a row each.
    with django_assert_max_num_queries(21):
        sweep(TODAY)

    assert "one by one" not in caplog.text
    assert (ReminderLog.objects.count(), Notification.objects.count()) == (logs, notes)


def test_when_the_keys_were_taken_meanwhile_the_fallback_inserts_no_duplicate(
    due_measures, caplog, monkeypatch
):
    sweep(TODAY)
    logs, notes = ReminderLog.objects.count(), Notification.objects.count()
    # A concurrent sweep committed these keys after this one looked: this one read the
    # measures before the other moved their ladders on, and sees none of its keys.
    restart_ladders()
    monkeypatch.setattr(reminders, "_existing_keys", lambda batch: set())
    caplog.set_level(logging.INFO, logger="reminders.services")

    sweep(TODAY)

    assert "one by one" in caplog.text  # the fallback was taken ...
    # ... and neither a log row nor a Notification (the bell) was added twice.
    assert (ReminderLog.objects.count(), Notification.objects.count()) == (logs, notes)


# --- Evaluation ---------------------------------------------------------------------------------


def test_the_interview_deduction_stops_at_its_cap(
    client_for, office, inspection_round, problem, unit_a
):
    for seq in range(1, 7):
        measure = MeasureFactory(problem=problem, seq=seq, lead_unit=unit_a, deadline=later(30))
        urges.urge_issue(
            actor=office, measure=measure, level="interview", reason="约谈", reply_due=later(7)
        )
    response = client_for(office).post(
        "/api/v1/evaluations/", {"round": inspection_round.pk}, format="json"
    )

    assert response.status_code == 201, response.json()
    row = next(r for r in response.json()["scores"] if r["unit"] == unit_a.pk)
    interviewed = row["items"]["interviewed"]
    # Six interviews at 2 points each would be 12: the default scheme caps them at 10.
    assert (interviewed["count"], interviewed["score"]) == (6, -10.0)


# --- A .docx bomb -------------------------------------------------------------------------------


def docx_bomb(unpacked_mb: int) -> bytes:
    """A real .docx whose document.xml inflates to `unpacked_mb` MB (about 1000:1)."""
    buffer = io.BytesIO()
    docx.Document().save(buffer)
    source = zipfile.ZipFile(io.BytesIO(buffer.getvalue()))
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            if item.filename != "word/document.xml":
                target.writestr(item.filename, source.read(item.filename))
        with target.open("word/document.xml", "w", force_zip64=True) as entry:
            entry.write(b'<w:document xmlns:w="http://schemas.openxmlformats.org/')
            entry.write(b'wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>')
            block = b"A" * (1024 * 1024)
            for _ in range(unpacked_mb):
                entry.write(block)
            entry.write(b"</w:t></w:r></w:p></w:body></w:document>")
    return output.getvalue()


def test_a_docx_bomb_is_refused_from_its_directory_without_inflating_anything(monkeypatch):
    content = docx_bomb(200)
    assert len(content) < docx_in.MAX_DOCX_BYTES
    opened: list[str] = []
    real_open = zipfile.ZipFile.open

    def watched_open(self, name, *args, **kwargs):
        opened.append(getattr(name, "filename", name))
        return real_open(self, name, *args, **kwargs)

    monkeypatch.setattr(zipfile.ZipFile, "open", watched_open)

    with pytest.raises(InvalidInput) as refused:
        docx_in.read_feedback_file(io.BytesIO(content))

    assert "too much data" in refused.value.message or "过大" in refused.value.message
    assert opened == []  # not one part was unpacked


# --- Clue and petition text stays in the office ------------------------------------------------


def test_a_leader_sees_no_clue_and_no_petition(leader, inspection_round):
    ClueFactory(round=inspection_round)
    PetitionFactory(round=inspection_round)

    assert list(clues_visible_to(leader)) == []
    assert list(petitions_visible_to(leader)) == []


CLUE_TEXT = "反映某局长违规插手工程招投标"
CLUE_OFFICIAL = "王某某"
CLUE_OUTCOME = "经初步核实给予党内警告"
PETITION_TEXT = "群众来信反映某小区拆迁补偿不公"


def test_the_public_report_and_public_pages_carry_no_clue_or_petition_text(
    client, client_for, office, office2, inspection_round, measure_a
):
    ClueFactory(
        round=inspection_round,
        summary=CLUE_TEXT,
        subject=CLUE_OFFICIAL,
        status="concluded",
        outcome=CLUE_OUTCOME,
        concluded_on=datetime.date(2026, 10, 1),
    )
    PetitionFactory(round=inspection_round, summary=PETITION_TEXT)
    secrets = (CLUE_TEXT, CLUE_OFFICIAL, CLUE_OUTCOME, PETITION_TEXT)

    report = client_for(office).get(reverse("api:round-public-report", args=[inspection_round.pk]))
    assert report.status_code == 200
    document = docx.Document(io.BytesIO(stream_bytes(report)))
    report_text = "\n".join(p.text for p in document.paragraphs) + "\n".join(
        cell.text for table in document.tables for row in table.rows for cell in row.cells
    )

    publication = publication_draft(actor=office, inspection_round=inspection_round)
    publication = publication_approve(actor=office2, publication=publication)
    pages = [
        client.get(reverse("public-list")),
        client.get(reverse("public-detail", args=[publication.pk])),
    ]
    public_file = client.get(reverse("public-docx", args=[publication.pk]))
    assert public_file.status_code == 200
    public_document = docx.Document(io.BytesIO(public_file.content))

    texts = [
        report_text,
        publication.text,
        *(page.content.decode() for page in pages),
        "\n".join(p.text for p in public_document.paragraphs),
    ]
    assert all(page.status_code == 200 for page in pages)
    assert measure_a.text in report_text  # the report does carry the round's content
    for text in texts:
        for secret in secrets:
            assert secret not in text
