"""The ledger (整改台账) import: round trip, row-level validation, dry run, permissions."""

from __future__ import annotations

import datetime
import io
from collections.abc import Callable

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from documents.ledger import LEDGER_SHEET, XLSX_CONTENT_TYPE
from findings.models import Aspect, Problem
from rectification.models import Measure, StatusChange
from tests.factories import RoundFactory, UnitFactory
from tests.rectification.helpers import stream_bytes

from .test_ledger_export import TODAY, build_ledger_round

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("shanghai_clock")]


@pytest.fixture
def ledger_round(inspection_round, unit_a, unit_b, office, liaison_a):
    return build_ledger_round(inspection_round, unit_a, unit_b, office, liaison_a)


COLUMN = {"序号": 1, "方面": 2, "问题": 3, "整改措施": 4, "牵头领导": 5, "牵头单位": 6,
          "配合单位": 7, "整改时限": 8, "立行立改": 9, "长期坚持": 10}  # fmt: skip


def exported(client, inspection_round) -> bytes:
    response = client.get(reverse("api:ledger-export"), {"round": inspection_round.pk})
    assert response.status_code == 200
    return stream_bytes(response)


def edited(content: bytes, change: Callable) -> bytes:
    """The workbook after `change(sheet)`, as Excel would save it."""
    workbook = load_workbook(io.BytesIO(content))
    change(workbook[LEDGER_SHEET])
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


def upload(client, inspection_round, content: bytes, *, dry_run: bool = False, name="台账.xlsx"):
    return client.post(
        reverse("api:ledger-import"),
        {
            "round": inspection_round.pk,
            "file": SimpleUploadedFile(name, content, content_type=XLSX_CONTENT_TYPE),
            "dry_run": "true" if dry_run else "false",
        },
        format="multipart",
    )


def tree(inspection_round) -> list[tuple]:
    """Everything the ledger carries about a round, comparable across rounds."""
    measures = (
        Measure.objects.filter(problem__round=inspection_round)
        .select_related("lead_unit")
        .prefetch_related("cooperating_units")
    )
    by_problem: dict[int, list[tuple]] = {}
    for m in measures.order_by("seq"):
        by_problem.setdefault(m.problem_id, []).append(
            (
                m.seq,
                m.text,
                m.lead_official,
                m.lead_unit.name if m.lead_unit else None,
                sorted(u.name for u in m.cooperating_units.all()),
                m.deadline,
                m.is_immediate,
                m.is_long_term,
            )
        )
    problems = Problem.objects.filter(round=inspection_round).select_related("aspect")
    return [
        (p.aspect.title if p.aspect else None, p.seq, p.title, by_problem.get(p.pk, []))
        for p in problems.order_by("seq")
    ]


def test_an_export_imported_into_an_empty_round_reproduces_it(
    client_for,
    office,
    ledger_round,
):
    empty = RoundFactory(name="空白轮次")
    client = client_for(office)
    response = upload(client, empty, exported(client, ledger_round))
    assert response.status_code == 200, response.json()
    assert response.json()["summary"] == {
        "aspects_created": 2,
        "problems_created": 3,
        "measures_created": 5,
        "measures_updated": 0,
        "measures_unchanged": 0,
    }
    assert tree(empty) == tree(ledger_round)
    assert list(Aspect.objects.filter(round=empty).values_list("seq", "title")) == [
        (1, "党的领导方面"),
        (2, "党的建设方面"),
    ]


def test_reimporting_an_unchanged_export_changes_nothing(
    client_for,
    office,
    ledger_round,
):
    client = client_for(office)
    before = tree(ledger_round)
    response = upload(client, ledger_round, exported(client, ledger_round))
    assert response.status_code == 200
    assert response.json()["summary"]["measures_unchanged"] == 5
    assert tree(ledger_round) == before
    assert not StatusChange.objects.exists()


def test_an_edited_ledger_updates_measures_through_the_service(
    client_for,
    office,
    ledger_round,
    unit_b,
):
    client = client_for(office)
    new_deadline = TODAY + datetime.timedelta(days=90)

    def change(sheet):
        sheet.cell(2, COLUMN["整改时限"]).value = new_deadline
        sheet.cell(2, COLUMN["牵头单位"]).value = unit_b.short_name  # matched by short name
        sheet.cell(2, COLUMN["配合单位"]).value = None

    response = upload(client, ledger_round, edited(exported(client, ledger_round), change))
    assert response.status_code == 200, response.json()
    assert response.json()["summary"]["measures_updated"] == 1
    assert response.json()["summary"]["measures_created"] == 0
    measure = Measure.objects.get(problem__round=ledger_round, problem__seq=1, seq=1)
    assert (measure.deadline, measure.lead_unit, list(measure.cooperating_units.all())) == (
        new_deadline,
        unit_b,
        [],
    )
    assert measure.version == 2
    edits = StatusChange.objects.filter(measure=measure, action=StatusChange.Action.EDIT)
    assert sorted(edits.values_list("field", flat=True)) == [
        "cooperating_units",
        "deadline",
        "lead_unit",
    ]
    assert edits.first().actor == office
    assert Measure.objects.filter(problem__round=ledger_round).count() == 5


def test_a_row_with_edited_text_updates_the_measure_of_its_number(
    client_for,
    office,
    ledger_round,
):
    client = client_for(office)

    def change(sheet):
        sheet.cell(3, COLUMN["整改措施"]).value = "开展专题读书班（两期）"

    response = upload(client, ledger_round, edited(exported(client, ledger_round), change))
    assert response.status_code == 200
    measure = Measure.objects.get(problem__round=ledger_round, problem__seq=1, seq=2)
    assert measure.text == "开展专题读书班（两期）"
    assert Measure.objects.filter(problem__round=ledger_round).count() == 5


def test_an_added_row_creates_a_measure_after_the_existing_ones(
    client_for,
    office,
    ledger_round,
    unit_a,
):
    client = client_for(office)

    def change(sheet):
        sheet.insert_rows(5)  # below 1.3, still in the first problem's group
        sheet.cell(5, COLUMN["整改措施"]).value = "新增：开展警示教育"
        sheet.cell(5, COLUMN["牵头单位"]).value = unit_a.name
        sheet.cell(5, COLUMN["整改时限"]).value = "2027/3/31"

    response = upload(client, ledger_round, edited(exported(client, ledger_round), change))
    assert response.status_code == 200, response.json()
    added = Measure.objects.get(text="新增：开展警示教育")
    assert (added.problem.title, added.seq, added.deadline) == (
        "学习领会不够深刻",
        4,
        datetime.date(2027, 3, 31),
    )


def test_a_file_with_one_bad_row_saves_nothing_and_names_the_row(
    client_for,
    office,
    ledger_round,
):
    client = client_for(office)
    empty = RoundFactory(name="空白轮次")

    def change(sheet):
        sheet.cell(4, COLUMN["牵头单位"]).value = "不存在的单位"

    response = upload(client, empty, edited(exported(client, ledger_round), change))
    assert response.status_code == 400
    body = response.json()
    assert body["errors"] == [
        {"row": 4, "column": "牵头单位", "message": body["errors"][0]["message"]}
    ]
    assert "不存在的单位" in body["errors"][0]["message"]
    assert not Problem.objects.filter(round=empty).exists()
    assert not Aspect.objects.filter(round=empty).exists()


def test_every_bad_row_is_answered_with_its_column(client_for, office, ledger_round):
    client = client_for(office)

    def change(sheet):
        sheet.cell(2, COLUMN["整改时限"]).value = "明年三月"
        sheet.cell(3, COLUMN["整改时限"]).value = None  # 1.2 is not long-term
        sheet.cell(5, COLUMN["整改措施"]).value = None
        sheet.cell(6, COLUMN["立行立改"]).value = "也许"

    before = tree(ledger_round)
    response = upload(client, ledger_round, edited(exported(client, ledger_round), change))
    assert response.status_code == 400
    assert [(e["row"], e["column"]) for e in response.json()["errors"]] == [
        (2, "整改时限"),
        (3, "整改时限"),
        (5, "整改措施"),
        (6, "立行立改"),
    ]
    assert "明年三月" in response.json()["errors"][0]["message"]
    assert tree(ledger_round) == before


def test_a_dry_run_answers_the_plan_and_saves_nothing(
    client_for,
    office,
    ledger_round,
    unit_b,
):
    client = client_for(office)
    empty = RoundFactory(name="空白轮次")
    response = upload(client, empty, exported(client, ledger_round), dry_run=True)
    assert response.status_code == 200
    body = response.json()
    assert body["dry_run"] is True and body["saved"] is False
    assert body["summary"]["measures_created"] == 5
    assert [row["action"] for row in body["rows"]] == ["create"] * 5 + ["problem"]
    assert not Problem.objects.filter(round=empty).exists()

    def change(sheet):
        sheet.cell(2, COLUMN["牵头单位"]).value = unit_b.name

    response = upload(
        client, ledger_round, edited(exported(client, ledger_round), change), dry_run=True
    )
    update = response.json()["rows"][0]
    assert update["action"] == "update"
    assert update["changes"]["牵头单位"]["new"] == unit_b.name
    assert Measure.objects.get(problem__seq=1, seq=1, problem__round=ledger_round).version == 1


def test_a_file_that_is_not_xlsx_is_refused_clearly(client_for, office, inspection_round):
    response = upload(client_for(office), inspection_round, b"name,unit\n1,2\n", name="a.csv")
    assert response.status_code == 400
    assert response.json()["detail"]
    assert response.json()["errors"] == []


def test_an_old_xls_file_is_refused_with_its_own_reason(client_for, office, inspection_round):
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512
    response = upload(client_for(office), inspection_round, ole, name="台账.xls")
    assert response.status_code == 400
    assert ".xlsx" in response.json()["detail"]


def test_a_zip_that_is_not_a_workbook_is_refused(client_for, office, inspection_round):
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "hello")
    response = upload(client_for(office), inspection_round, buffer.getvalue())
    assert response.status_code == 400


def test_a_sheet_without_the_ledger_headers_is_refused(client_for, office, inspection_round):
    workbook = Workbook()
    workbook.active.append(["姓名", "电话"])
    output = io.BytesIO()
    workbook.save(output)
    response = upload(client_for(office), inspection_round, output.getvalue())
    assert response.status_code == 400
    assert "整改措施" in response.json()["detail"]


def test_a_hand_made_ledger_with_a_title_row_and_few_columns_is_read(
    client_for, office, inspection_round, unit_a
):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["某局巡察整改台账"])
    sheet.append(["序号", "问题", "整改措施", "牵头单位", "整改时限", "长期坚持"])
    sheet.append(["1", "学习不深入", "建立学习制度", unit_a.short_name, None, "是"])
    sheet.append([None, None, "开展读书班", unit_a.name, datetime.date(2027, 1, 31), "否"])
    output = io.BytesIO()
    workbook.save(output)
    response = upload(client_for(office), inspection_round, output.getvalue())
    assert response.status_code == 200, response.json()
    assert tree(inspection_round) == [
        (
            None,
            1,
            "学习不深入",
            [
                (1, "建立学习制度", "", unit_a.name, [], None, False, True),
                (2, "开展读书班", "", unit_a.name, [], datetime.date(2027, 1, 31), False, False),
            ],
        )
    ]


def test_an_ambiguous_short_name_is_an_error(client_for, office, ledger_round):
    UnitFactory(name="甲单位", short_name="同名")
    UnitFactory(name="乙单位", short_name="同名")
    client = client_for(office)

    def change(sheet):
        sheet.cell(2, COLUMN["牵头单位"]).value = "同名"

    response = upload(client, ledger_round, edited(exported(client, ledger_round), change))
    assert response.status_code == 400
    assert response.json()["errors"][0]["column"] == "牵头单位"


@pytest.mark.parametrize("who", ["liaison_a", "leader"])
def test_only_office_staff_may_import(client_for, people, ledger_round, who):
    content = exported(client_for(people["office"]), ledger_round)
    response = upload(client_for(people[who]), ledger_round, content)
    assert response.status_code == 403
    assert Measure.objects.filter(problem__round=ledger_round).count() == 5


def test_an_admin_may_import(client_for, admin_user, office, ledger_round):
    content = exported(client_for(office), ledger_round)
    assert upload(client_for(admin_user), ledger_round, content).status_code == 200


def test_an_unknown_round_answers_404(client_for, office, ledger_round):
    content = exported(client_for(office), ledger_round)
    response = client_for(office).post(
        reverse("api:ledger-import"),
        {"round": 999999, "file": SimpleUploadedFile("a.xlsx", content)},
        format="multipart",
    )
    assert response.status_code == 404
