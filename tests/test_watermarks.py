"""Watermarks (水印): clue and petition pages and every exported xlsx and docx name the viewer,
their unit and the time; public pages and their files name nobody.

The exports are taken from the OpenAPI schema (every operation that answers an xlsx or a
docx), so a new one is held to this too.
"""

from __future__ import annotations

import base64
import io
import re
from typing import Any

import docx
import pytest
from django.test import Client
from drf_spectacular.generators import SchemaGenerator
from openpyxl import load_workbook

from documents.ledger import XLSX_CONTENT_TYPE
from documents.publications import publication_approve, publication_draft
from documents.report import DOCX_CONTENT_TYPE

from .factories import ClueFactory, PetitionFactory

# shanghai_clock stands at 07:30 on 20 November 2026 in Shanghai.
TIME = "2026-11-20 07:30"
OFFICE_NAME = "巡察办陈静（clerk）"
OFFICE_UNIT = "巡察办工作人员"  # office staff belong to no unit: their role stands for it
MARK_IMG = re.compile(r'<div class="watermark"[^>]*><img src="data:image/svg\+xml;base64,([^"]+)"')


@pytest.fixture(autouse=True)
def _clock(shanghai_clock):
    return shanghai_clock


def page_mark(client: Client, path: str) -> str | None:
    """The text of the page's watermark tile, None when the page has none."""
    response = client.get(path)
    assert response.status_code == 200, path
    found = MARK_IMG.search(response.content.decode())
    return base64.b64decode(found.group(1)).decode() if found else None


# --- Pages ------------------------------------------------------------------------------------


def test_the_clue_and_petition_pages_carry_the_viewers_name_unit_and_time(
    office, client, inspection_round
):
    clue = ClueFactory(round=inspection_round)
    petition = PetitionFactory(round=inspection_round)
    client.force_login(office)

    for path in (
        "/clues/",
        f"/clues/{clue.pk}/",
        "/clues/new/",
        "/petitions/",
        f"/petitions/{petition.pk}/",
    ):
        tile = page_mark(client, path)
        assert tile is not None, path
        assert OFFICE_NAME in tile and OFFICE_UNIT in tile and TIME in tile, (path, tile)


def test_the_mark_is_an_image_under_a_class_so_the_csp_needs_no_inline_style(office, client):
    client.force_login(office)

    response = client.get("/clues/")

    page = response.content.decode()
    overlay = page[page.index('<div class="watermark"') :].split("</div>", 1)[0]
    assert "style=" not in overlay
    assert 'aria-hidden="true"' in overlay
    assert f'data-watermark="{OFFICE_NAME} {OFFICE_UNIT} {TIME}"' in overlay
    assert "style-src 'self'" in response["Content-Security-Policy"]
    assert "img-src 'self' data:" in response["Content-Security-Policy"]


def test_a_name_with_markup_is_escaped_in_the_tile(office, client):
    office.display_name = '<script>alert("x")</script>&'
    office.save()
    client.force_login(office)

    tile = page_mark(client, "/clues/")

    assert tile is not None and "<script>" not in tile
    assert "&lt;script&gt;" in tile and "&amp;" in tile


def test_a_page_that_shows_no_clue_carries_no_mark(office, client, inspection_round):
    client.force_login(office)

    assert page_mark(client, f"/rounds/{inspection_round.pk}/aspects/new/") is None
    assert page_mark(client, "/workbench/") is None


@pytest.fixture
def published(office, office2, inspection_round, measure_a):
    publication = publication_draft(actor=office, inspection_round=inspection_round)
    return publication_approve(actor=office2, publication=publication)


def test_public_pages_and_their_file_carry_no_mark(office, client, published):
    # Signed in or not, a public page names nobody.
    client.force_login(office)

    for path in ("/public/", f"/public/{published.pk}/"):
        response = client.get(path)
        assert response.status_code == 200
        page = response.content.decode()
        assert "watermark" not in page and "巡察办陈静" not in page, path

    response = client.get(f"/public/{published.pk}/report.docx")
    document = docx.Document(io.BytesIO(response.content))
    headers = " ".join(p.text for s in document.sections for p in s.header.paragraphs)
    properties = document.core_properties
    assert "巡察办陈静" not in headers and TIME not in headers
    assert "陈静" not in f"{properties.author} {properties.comments} {properties.keywords}"


# --- Files ------------------------------------------------------------------------------------


@pytest.fixture
def world(office, office2, client_for, inspection_round, measure_a, measure_b) -> dict[str, int]:
    api = client_for(office)
    evaluation = api.post("/api/v1/evaluations/", {"round": inspection_round.pk}, format="json")
    assert evaluation.status_code == 201, evaluation.content
    evaluation_id = evaluation.json()["id"]
    second = client_for(office2)  # who scored none of it publishes it, and the list
    assert second.post(f"/api/v1/evaluations/{evaluation_id}/publish/").status_code == 200
    listing = second.post("/api/v1/red-black-lists/", {"evaluation": evaluation_id}, format="json")
    assert listing.status_code == 201, listing.content
    return {
        "round": inspection_round.pk,
        "evaluation": evaluation_id,
        "red-black-list": listing.json()["id"],
    }


# Every operation answering an xlsx or docx, with the request that downloads one.
EXPORTS = {
    "/api/v1/ledger/export/": "/api/v1/ledger/export/?round={round}",
    "/api/v1/ledger/five-ledgers/": "/api/v1/ledger/five-ledgers/?round={round}",
    "/api/v1/rounds/{id}/public-report/": "/api/v1/rounds/{round}/public-report/",
    "/api/v1/rounds/{id}/periodic/docx/": "/api/v1/rounds/{round}/periodic/docx/",
    "/api/v1/rounds/{id}/periodic/xlsx/": "/api/v1/rounds/{round}/periodic/xlsx/",
    "/api/v1/evaluations/{id}/xlsx/": "/api/v1/evaluations/{evaluation}/xlsx/",
    "/api/v1/evaluations/{id}/docx/": "/api/v1/evaluations/{evaluation}/docx/",
    "/api/v1/red-black-lists/{id}/xlsx/": "/api/v1/red-black-lists/{red-black-list}/xlsx/",
    "/api/v1/red-black-lists/{id}/docx/": "/api/v1/red-black-lists/{red-black-list}/docx/",
}


def exports_in_schema() -> set[str]:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    return {
        path
        for path, item in schema["paths"].items()
        for operation in item.values()
        if isinstance(operation, dict)
        and {XLSX_CONTENT_TYPE, DOCX_CONTENT_TYPE}
        & set(operation.get("responses", {}).get("200", {}).get("content", {}))
    }


# Uploaded evidence and the conclusion documents of clues and petitions are served as they
# were stored (their digest is the record): not exports.
UPLOADS = {
    "/api/v1/evidence/{id}/download/",
    "/api/v1/clues/{id}/document/",
    "/api/v1/petitions/{id}/document/",
}


def test_every_export_of_the_schema_is_checked_here(db):
    assert exports_in_schema() - UPLOADS == set(EXPORTS)


def download(api: Any, path: str) -> tuple[str, bytes]:
    response = api.get(path)
    assert response.status_code == 200, (path, response.status_code)
    return response["Content-Type"], b"".join(response.streaming_content)


def marks_of(content_type: str, content: bytes) -> list[str]:
    """Where the file names its viewer: the author, then the keywords, the comments and each
    page header, which also give the time."""
    if content_type == XLSX_CONTENT_TYPE:
        book = load_workbook(io.BytesIO(content))
        p = book.properties
        return [p.creator, p.keywords, p.description] + [
            sheet.oddHeader.left.text for sheet in book.worksheets
        ]
    document = docx.Document(io.BytesIO(content))
    p = document.core_properties
    return [p.author, p.keywords, p.comments] + [
        " ".join(paragraph.text for paragraph in section.header.paragraphs)
        for section in document.sections
    ]


@pytest.mark.parametrize("operation", sorted(EXPORTS))
def test_every_exported_file_names_the_viewer_and_the_time(world, office, client_for, operation):
    content_type, content = download(client_for(office), EXPORTS[operation].format_map(world))

    places = marks_of(content_type, content)

    author, *marked = places
    assert author == OFFICE_NAME
    assert len(marked) >= 3
    for place in marked:
        assert place and "巡察办陈静" in place and OFFICE_UNIT in place and TIME in place, places


def test_a_liaisons_ledger_names_their_unit(liaison_a, client_for, inspection_round, measure_a):
    _type, content = download(
        client_for(liaison_a), f"/api/v1/ledger/export/?round={inspection_round.pk}"
    )

    header = load_workbook(io.BytesIO(content)).worksheets[0].oddHeader.left.text

    assert header is not None
    assert str(liaison_a) in header and liaison_a.unit.name in header and TIME in header
