"""The ledger upload page: check first, then import; errors shown row by row."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from documents.ledger import XLSX_CONTENT_TYPE
from rectification.models import Measure
from tests.factories import RoundFactory

from .test_ledger_export import build_ledger_round
from .test_ledger_import import COLUMN, edited, exported

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("shanghai_clock")]


@pytest.fixture
def ledger_round(inspection_round, unit_a, unit_b, office, liaison_a):
    return build_ledger_round(inspection_round, unit_a, unit_b, office, liaison_a)


def signed_in(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(user)
    return client


def page(inspection_round) -> str:
    return f"{reverse('ledger-import-page')}?round={inspection_round.pk}"


def xlsx(content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile("台账.xlsx", content, content_type=XLSX_CONTENT_TYPE)


def test_the_page_offers_the_download_and_the_upload(office, inspection_round):
    response = signed_in(office).get(page(inspection_round))
    assert response.status_code == 200
    content = response.content.decode()
    assert f"{reverse('api:ledger-export')}?round={inspection_round.pk}" in content
    assert 'type="file"' in content


def test_a_check_shows_the_plan_and_saves_nothing(client_for, office, ledger_round):
    empty = RoundFactory(name="空白轮次")
    content = exported(client_for(office), ledger_round)
    response = signed_in(office).post(page(empty), {"file": xlsx(content), "dry_run": "on"})
    assert response.status_code == 200
    assert response.context["result"]["summary"]["measures_created"] == 5
    assert not Measure.objects.filter(problem__round=empty).exists()


def test_an_import_saves_and_comes_back_with_a_message(client_for, office, ledger_round):
    empty = RoundFactory(name="空白轮次")
    content = exported(client_for(office), ledger_round)
    client = signed_in(office)
    response = client.post(page(empty), {"file": xlsx(content)})
    assert response.status_code == 302
    assert Measure.objects.filter(problem__round=empty).count() == 5
    follow = client.get(response["Location"])
    assert [m.level_tag for m in follow.context["messages"]] == ["success"]


def test_bad_rows_are_listed_and_nothing_is_saved(client_for, office, ledger_round):
    empty = RoundFactory(name="空白轮次")

    def change(sheet):
        sheet.cell(3, COLUMN["整改时限"]).value = "下个月"

    content = edited(exported(client_for(office), ledger_round), change)
    response = signed_in(office).post(page(empty), {"file": xlsx(content)})
    assert response.status_code == 200
    assert [(e.row, e.column) for e in response.context["errors"]] == [(3, "整改时限")]
    content = response.content.decode()
    assert "下个月" in content
    # The summary of what was refused is said once, above the table of rows.
    summary = str(response.context["form"].non_field_errors()[0])
    assert content.count(summary) == 1
    assert not Measure.objects.filter(problem__round=empty).exists()


def test_a_file_that_is_not_xlsx_is_refused_on_the_page(office, inspection_round):
    upload = SimpleUploadedFile("notes.txt", b"hello", content_type="text/plain")
    response = signed_in(office).post(page(inspection_round), {"file": upload})
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()


def test_a_liaison_is_refused(liaison_a, inspection_round):
    assert signed_in(liaison_a).get(page(inspection_round)).status_code == 403


def test_page_query_count(office, inspection_round, django_assert_max_num_queries):
    client = signed_in(office)
    with django_assert_max_num_queries(4):  # session, user, round, the bell
        assert client.get(page(inspection_round)).status_code == 200
