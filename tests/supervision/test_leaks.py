"""Two reads that leaked: a history row follows the visibility of what it tells of, and a
supervision group's member reads the scores of its group's units only, on the API, the page
and both files."""

from __future__ import annotations

import datetime
import io
from decimal import Decimal

import openpyxl
import pytest
from django.test import Client
from django.urls import reverse
from docx import Document

from accounts.models import User
from supervision import evaluation, urges
from supervision.groups import GroupFields, group_create
from supervision.models import Evaluation, EvaluationScore

from ..factories import UnitFactory, UserFactory

REASON = "整改严重滞后，限期说明原因"


@pytest.fixture(autouse=True)
def _clock(shanghai_clock):
    return shanghai_clock


@pytest.fixture
def urged(measure_a, unit_b, office):
    """measure_a is led by unit A with unit B cooperating, and urged to unit A."""
    measure_a.cooperating_units.add(unit_b)
    urges.urge_issue(
        actor=office,
        measure=measure_a,
        level="remind",
        reason=REASON,
        reply_due=datetime.date(2026, 11, 27),
    )
    return measure_a


def page_of(user: User, url: str) -> str:
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def test_a_cooperating_liaison_reads_no_urge_notice_to_the_lead_unit(
    urged, liaison_a, liaison_b, client_for
):
    notice = urged.urge_notices.get()
    assert client_for(liaison_b).get(f"/api/v1/urges/{notice.pk}/").status_code == 404

    history = client_for(liaison_b).get(f"/api/v1/measures/{urged.pk}/history/").json()
    assert not [row for row in history if row["action"].startswith("urge")]
    assert REASON not in str(history)
    assert REASON not in page_of(liaison_b, reverse("measure-detail", args=[urged.pk]))

    # The lead unit's liaison, to whom the notice is addressed, reads it in both.
    lead = client_for(liaison_a).get(f"/api/v1/measures/{urged.pk}/history/").json()
    assert [row["action"] for row in lead if row["action"].startswith("urge")] == ["urge"]
    assert REASON in page_of(liaison_a, reverse("measure-detail", args=[urged.pk]))


@pytest.fixture
def scored(inspection_round, office, unit_a):
    """An evaluation of units A (followed by the group), 乙 and 丙 (not), and the round."""
    member = UserFactory(username="inspector", role=User.Role.SUPERVISOR)
    group_create(
        actor=office,
        fields=GroupFields(
            name="第一整改督查组",
            leader=None,
            members=[member],
            rounds=[inspection_round],
            units=[unit_a],
        ),
    )
    scheme = evaluation.scheme_save(actor=office, inspection_round=inspection_round)
    made = Evaluation.objects.create(
        scheme=scheme,
        round=inspection_round,
        items=scheme.items,
        as_of=datetime.date(2026, 11, 20),
        created_by=office,
    )
    for unit, total in [(unit_a, "88.50"), (UnitFactory(name="乙单位"), "71.25")]:
        EvaluationScore.objects.create(
            evaluation=made,
            unit=unit,
            total=Decimal(total),
            band=evaluation.band_of(Decimal(total)),
        )
    EvaluationScore.objects.create(
        evaluation=made, unit=UnitFactory(name="丙单位"), total=Decimal("64.75"), band="poor"
    )
    EvaluationScore.objects.create(evaluation=made, unit=None, total=Decimal("74.83"))
    return made, member


def xlsx_text(content: bytes) -> str:
    book = openpyxl.load_workbook(io.BytesIO(content))
    return " ".join(str(c.value) for s in book for row in s.iter_rows() for c in row if c.value)


def docx_text(content: bytes) -> str:
    document = Document(io.BytesIO(content))
    cells = [c.text for t in document.tables for row in t.rows for c in row.cells]
    return " ".join([p.text for p in document.paragraphs] + cells)


def test_a_group_member_reads_only_its_group_units_scores(scored, office, client_for, unit_a):
    made, member = scored
    answer = client_for(member).get(f"/api/v1/evaluations/{made.pk}/").json()
    assert sorted(str(s["unit"]) for s in answer["scores"]) == sorted([str(unit_a.pk), "None"])

    files = {
        kind: client_for(member).get(reverse(f"api:evaluation-{kind}", args=[made.pk]))
        for kind in ("xlsx", "docx")
    }
    seen = {
        "page": page_of(member, reverse("evaluation-detail", args=[made.pk])),
        "xlsx": xlsx_text(b"".join(files["xlsx"].streaming_content)),
        "docx": docx_text(b"".join(files["docx"].streaming_content)),
    }
    for where, text in seen.items():
        assert unit_a.name in text, where
        assert "乙单位" not in text and "71.25" not in text, where
        assert "丙单位" not in text and "64.75" not in text, where

    # The office reads every unit's.
    full = client_for(office).get(f"/api/v1/evaluations/{made.pk}/").json()
    assert len(full["scores"]) == 4
