"""The office's whole document round trip, through the API, in the order it happens."""

from __future__ import annotations

import datetime
import io

import pytest
from django.urls import reverse
from docx import Document
from openpyxl import load_workbook

from documents.ledger import LEDGER_SHEET
from findings.models import Problem
from rectification.models import Measure, StatusChange
from tests.rectification.helpers import stream_bytes

from .test_ledger_import import COLUMN, edited, exported, upload

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("shanghai_clock")]

FEEDBACK = """
市委第一巡察组反馈了2个方面3个问题，细化为5条整改措施。
（一）在“党的领导”方面
1.关于“学习贯彻不深入”问题的整改
（1）制定理论学习计划。（2）开展专题研讨
交流活动。
2.关于“决策程序不规范”问题的整改
（1）修订党组议事规则。
（二）在“党的建设”方面
1.关于“基层组织建设薄弱”问题的整改
（1）整顿软弱涣散党支部。（2）规范“三会一课”制度。
"""


def test_paste_preview_import_fill_the_ledger_reimport_and_download(
    client_for, office, inspection_round, unit_a, unit_b
):
    client = client_for(office)

    # 1. Paste the feedback and preview it: the totals it announces are all found.
    preview = client.post(reverse("api:feedback-parse"), {"text": FEEDBACK}).json()
    assert preview["found"] == {"aspects": 2, "problems": 3, "measures": 5}
    assert preview["mismatch"] == []

    # 2. Correct the preview (a title) and import it.
    tree = preview["problems"]
    tree[1]["title"] = "决策程序不够规范"
    response = client.post(
        reverse("api:feedback-import"),
        {"round": inspection_round.pk, "problems": tree},
        format="json",
    )
    assert response.status_code == 201
    provisional = datetime.date.fromisoformat(response.json()["provisional_deadline"])

    # 3. Download the ledger and fill in units and deadlines in Excel.
    deadlines = [datetime.date(2026, 9, 30) + datetime.timedelta(days=n) for n in range(5)]

    def fill(sheet):
        for offset, deadline in enumerate(deadlines):
            row = offset + 2
            sheet.cell(row, COLUMN["牵头领导"]).value = "张副局长"
            sheet.cell(row, COLUMN["牵头单位"]).value = (unit_a if offset % 2 else unit_b).name
            sheet.cell(row, COLUMN["配合单位"]).value = unit_a.short_name if offset == 0 else None
            sheet.cell(row, COLUMN["整改时限"]).value = deadline
        sheet.cell(6, COLUMN["长期坚持"]).value = "是"
        sheet.cell(6, COLUMN["整改时限"]).value = None

    ledger = exported(client, inspection_round)
    first = list(load_workbook(io.BytesIO(ledger))[LEDGER_SHEET].iter_rows(values_only=True))
    assert [row[0] for row in first[1:]] == ["1.1", "1.2", "2.1", "3.1", "3.2"]
    filled = edited(ledger, fill)

    # 4. Check the filled ledger, then import it.
    check = upload(client, inspection_round, filled, dry_run=True)
    assert check.json()["summary"]["measures_updated"] == 5
    assert set(Measure.objects.values_list("deadline", flat=True)) == {provisional}
    response = upload(client, inspection_round, filled)
    assert response.status_code == 200, response.json()

    measures = Measure.objects.filter(problem__round=inspection_round).order_by(
        "problem__seq", "seq"
    )
    assert [m.deadline for m in measures] == deadlines[:4] + [None]
    assert [m.lead_unit for m in measures] == [unit_b, unit_a, unit_b, unit_a, unit_b]
    assert measures[4].is_long_term
    assert list(measures[0].cooperating_units.all()) == [unit_a]
    assert measures.count() == 5 and Problem.objects.count() == 3
    assert StatusChange.objects.filter(action=StatusChange.Action.EDIT).exists()

    # 5. Later: the ledger and the public report reflect what was filled in.
    again = load_workbook(io.BytesIO(exported(client, inspection_round)))[LEDGER_SHEET]
    assert again.cell(2, COLUMN["牵头单位"]).value == unit_b.name
    assert again.cell(2, COLUMN["整改时限"]).value.date() == deadlines[0]
    report = client.get(reverse("api:round-public-report", args=[inspection_round.pk]))
    assert report.status_code == 200
    text = "\n".join(p.text for p in Document(io.BytesIO(stream_bytes(report))).paragraphs)
    assert "2个方面3个问题，细化分解为5条整改措施" in text
    assert (
        text.index("学习贯彻不深入")
        < text.index("决策程序不够规范")
        < text.index("基层组织建设薄弱")
    )
