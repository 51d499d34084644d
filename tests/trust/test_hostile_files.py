"""Files treated as hostile: no formula reaches Excel, no workbook stalls a worker, no upload
is spooled past its limit before it is refused."""

from __future__ import annotations

import io
import re
import time
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from documents.ledger import HEADERS, LEDGER_SHEET, XLSX_CONTENT_TYPE
from documents.xlsx_safety import neutralise, unquote
from rectification.models import Measure, ProgressReport
from tests.factories import MeasureFactory, ProblemFactory, RoundFactory
from tests.rectification.helpers import stream_bytes

pytestmark = pytest.mark.django_db

HYPERLINK = '=HYPERLINK("http://x/?"&A2&B2,"查看佐证")'
TRIGGERS = [HYPERLINK, "+1+1", "-2+3", "@SUM(A1)", "\tcmd", "\r=1"]


def export_bytes(client, inspection_round) -> bytes:
    response = client.get(reverse("api:ledger-export"), {"round": inspection_round.pk})
    assert response.status_code == 200
    return stream_bytes(response)


def upload(client, inspection_round, content: bytes, *, dry_run: bool = True):
    return client.post(
        reverse("api:ledger-import"),
        {
            "round": inspection_round.pk,
            "file": SimpleUploadedFile("台账.xlsx", content, content_type=XLSX_CONTENT_TYPE),
            "dry_run": "true" if dry_run else "false",
        },
        format="multipart",
    )


def ledger_with(rows: list[list]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = LEDGER_SHEET
    sheet.append(list(HEADERS))
    for row in rows:
        sheet.append(row)
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


def rewrite(content: bytes, entry: str, change) -> bytes:
    """The same xlsx with one entry's text passed through `change`."""
    source = zipfile.ZipFile(io.BytesIO(content))
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == entry:
                data = change(data.decode()).encode()
            target.writestr(item.filename, data)
    return output.getvalue()


# --- Formulas ---------------------------------------------------------------------------------


@pytest.mark.parametrize("text", TRIGGERS)
def test_neutralise_quotes_every_formula_trigger_and_unquote_undoes_it(text):
    assert neutralise(text) == "'" + text
    assert unquote(neutralise(text)) == text
    assert neutralise("加强学习") == "加强学习"
    assert unquote("'普通文字") == "'普通文字"


def test_no_user_text_reaches_the_ledger_as_a_formula(client_for, office, liaison_a, unit_a):
    inspection_round = RoundFactory(name="=cmd|' /C calc'!A0", inspecting_body="+区委巡察组")
    problem = ProblemFactory(round=inspection_round, seq=1, title="-问题标题")
    measure = MeasureFactory(
        problem=problem, seq=1, text=HYPERLINK, lead_official="@王局长", lead_unit=unit_a
    )
    ProgressReport.objects.create(measure=measure, author=liaison_a, period="p", text=HYPERLINK)
    Measure.objects.filter(pk=measure.pk).update(result_summary="\t=1+1")

    workbook = load_workbook(io.BytesIO(export_bytes(client_for(office), inspection_round)))
    cells = [cell for sheet in workbook.worksheets for row in sheet.iter_rows() for cell in row]
    assert not [cell.coordinate for cell in cells if cell.data_type == "f"]
    texts = {cell.value for cell in cells if isinstance(cell.value, str)}
    for text in (HYPERLINK, "@王局长", "-问题标题", "\t=1+1", "=cmd|' /C calc'!A0", "+区委巡察组"):
        assert "'" + text in texts


def test_quoted_text_comes_back_as_it_was_written(client_for, office, unit_a):
    source = RoundFactory()
    problem = ProblemFactory(round=source, seq=1, title="学习不深入")
    MeasureFactory(problem=problem, seq=1, text=HYPERLINK, lead_unit=unit_a)
    target = RoundFactory()
    client = client_for(office)
    response = upload(client, target, export_bytes(client, source), dry_run=False)
    assert response.status_code == 200, response.json()
    assert Measure.objects.get(problem__round=target).text == HYPERLINK


def test_an_imported_formula_is_refused_with_its_cell(client_for, office, inspection_round):
    content = ledger_with([["1.1", None, "学习不深入", '=HYPERLINK("http://x")', None]])
    response = upload(client_for(office), inspection_round, content)
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert {k: errors[0][k] for k in ("row", "column")} == {"row": 2, "column": "整改措施"}
    assert "公式" in errors[0]["message"] or "formula" in errors[0]["message"]


# --- Workbooks that would stall a worker --------------------------------------------------------


def bomb(unpacked_mb: int) -> bytes:
    """A small ledger whose shared strings inflate to `unpacked_mb` MB (about 1000:1)."""
    content = ledger_with([["1.1", None, "学习不深入", "措施", None]])
    source = zipfile.ZipFile(io.BytesIO(content))
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            if item.filename != "xl/sharedStrings.xml":
                target.writestr(item.filename, source.read(item.filename))
        with target.open("xl/sharedStrings.xml", "w", force_zip64=True) as entry:
            entry.write(b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/')
            entry.write(b'main" count="1" uniqueCount="1"><si><t>')
            block = b"A" * (1024 * 1024)
            for _ in range(unpacked_mb):
                entry.write(block)
            entry.write(b"</t></si></sst>")
    return output.getvalue()


def test_a_zip_bomb_is_refused_from_its_directory_at_once(client_for, office, inspection_round):
    content = bomb(510)
    assert len(content) < 2 * 1024 * 1024
    started = time.monotonic()
    response = upload(client_for(office), inspection_round, content)
    elapsed = time.monotonic() - started
    assert response.status_code == 400
    assert "MB" in response.json()["detail"]
    assert elapsed < 2, elapsed
    print(f"zip bomb: {len(content)} bytes unpacking to 510 MB refused in {elapsed:.3f} s")


def test_a_declared_dimension_past_the_row_limit_is_refused(client_for, office, inspection_round):
    content = rewrite(
        ledger_with([["1.1", None, "学习不深入", "措施", None]]),
        "xl/worksheets/sheet1.xml",
        lambda xml: re.sub(r'<dimension ref="[^"]+"', '<dimension ref="A1:O40000000"', xml),
    )
    started = time.monotonic()
    response = upload(client_for(office), inspection_round, content)
    assert response.status_code == 400
    assert "40000000" in response.json()["detail"]
    elapsed = time.monotonic() - started
    assert elapsed < 2
    print(f"declared dimension A1:O40000000 refused in {elapsed:.3f} s")


def test_a_far_row_without_a_dimension_is_refused_without_walking_to_it(
    client_for, office, inspection_round
):
    far = (
        '<row r="40000000"><c r="A40000000" t="inlineStr"><is><t>1.2</t></is></c>'
        '<c r="D40000000" t="inlineStr"><is><t>远处的措施</t></is></c></row></sheetData>'
    )

    def change(xml: str) -> str:
        xml = re.sub(r"<dimension [^>]*/>", "", xml)
        return xml.replace("</sheetData>", far)

    content = rewrite(
        ledger_with([["1.1", None, "学习不深入", "措施", None]]), "xl/worksheets/sheet1.xml", change
    )
    assert len(content) < 10_000
    started = time.monotonic()
    response = upload(client_for(office), inspection_round, content)
    assert response.status_code == 400
    assert "10000" in response.json()["detail"]
    elapsed = time.monotonic() - started
    assert elapsed < 2
    print(f"row 40,000,000: {len(content)} bytes refused in {elapsed:.3f} s")


def test_a_workbook_that_reads_past_the_time_limit_is_refused(
    client_for, office, inspection_round, settings
):
    settings.XLSX_READ_SECONDS = 0
    content = ledger_with([["1.1", None, "学习不深入", "措施", None]])
    response = upload(client_for(office), inspection_round, content)
    assert response.status_code == 400
    assert "0" in response.json()["detail"]


def test_a_workbook_with_too_many_parts_is_refused(client_for, office, inspection_round, settings):
    settings.XLSX_MAX_ENTRIES = 5
    response = upload(
        client_for(office), inspection_round, ledger_with([["1.1", None, "问题", "措施", None]])
    )
    assert response.status_code == 400


# --- Uploads refused by their Content-Length ----------------------------------------------------


class Unreadable(io.RawIOBase):
    """A request body that fails the test if anyone reads it."""

    def read(self, *args):
        raise AssertionError("the body was read")

    readline = read


@pytest.mark.parametrize("path", ["/api/v1/evidence/", "/api/v1/ledger/import/", "/login/"])
def test_an_oversized_upload_is_refused_by_its_header_unread(client_for, office, path, settings):
    too_big = settings.MAX_REQUEST_BYTES + 1
    response = client_for(office).generic(
        "POST",
        path,
        b"",
        content_type="multipart/form-data; boundary=x",
        CONTENT_LENGTH=str(286 * 1024 * 1024 if too_big < 286 * 1024 * 1024 else too_big),
        **{"wsgi.input": Unreadable()},
    )
    assert response.status_code == 413
    if path.startswith("/api/"):
        assert response.json()["code"] == "request_too_large"


def test_a_request_within_the_limit_passes(client_for, office):
    assert client_for(office).get("/api/v1/me/").status_code == 200
