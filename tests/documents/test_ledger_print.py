"""The exported ledger prints on A4: landscape, one page wide, header row repeated, titled."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.factories import MeasureFactory, RoundFactory

from .printing import assert_prints_on_a4
from .test_ledger_export import export

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("shanghai_clock")]


def test_every_sheet_of_the_ledger_prints_on_a4_with_title_date_and_page_numbers(
    client_for, office, inspection_round, measure_a
):
    _response, workbook = export(client_for(office), inspection_round)

    assert len(workbook.worksheets) == 2
    for sheet in workbook.worksheets:
        assert_prints_on_a4(sheet, title=inspection_round.name, as_of="2026年11月20日")


def test_an_ampersand_in_the_round_name_is_printed_not_read_as_a_header_code(
    client_for, office, unit_top
):
    inspection_round = RoundFactory(name="住建&交通专项巡察", target_unit=unit_top)
    MeasureFactory(problem__round=inspection_round)
    response = client_for(office).get(reverse("api:ledger-export"), {"round": inspection_round.pk})
    assert response.status_code == 200

    _response, workbook = export(client_for(office), inspection_round)

    assert "住建&&交通" in workbook.worksheets[0].oddHeader.center.text
