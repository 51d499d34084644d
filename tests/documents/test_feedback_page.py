"""The paste-and-preview page: preview saves nothing, import saves and leads to the ledger."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from findings.models import Problem
from rectification.models import Measure

from .test_feedback_api import THREE_LEVELS

pytestmark = pytest.mark.django_db


def signed_in(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(user)
    return client


def page(inspection_round) -> str:
    return f"{reverse('feedback-import-page')}?round={inspection_round.pk}"


def test_the_page_shows_the_round_and_the_provisional_deadline(office, inspection_round):
    response = signed_in(office).get(page(inspection_round))
    assert response.status_code == 200
    content = response.content.decode()
    assert inspection_round.name in content
    assert "2026-08-20" in content
    assert 'name="text"' in content


def test_preview_shows_the_tree_and_the_difference_from_the_announced_totals(
    office, inspection_round
):
    text = THREE_LEVELS.replace("5条", "6条")
    response = signed_in(office).post(page(inspection_round), {"text": text, "preview": ""})
    assert response.status_code == 200
    content = response.content.decode()
    assert "学习不深入" in content and "整顿软弱涣散党支部" in content
    assert response.context["preview"]["mismatch"] == ["measures"]
    assert 'name="import"' in content
    assert not Problem.objects.exists()


def test_an_unreadable_text_is_shown_back_with_the_reason(office, inspection_round):
    response = signed_in(office).post(page(inspection_round), {"text": "hello", "preview": ""})
    assert response.status_code == 200
    assert response.context["form"].errors["text"]
    assert response.context["preview"] is None


def test_import_saves_and_leads_to_the_ledger_page(office, inspection_round):
    response = signed_in(office).post(page(inspection_round), {"text": THREE_LEVELS, "import": ""})
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('ledger-import-page')}?round={inspection_round.pk}"
    assert Measure.objects.filter(problem__round=inspection_round).count() == 5


def test_a_second_import_is_refused_on_the_page(office, inspection_round):
    client = signed_in(office)
    client.post(page(inspection_round), {"text": THREE_LEVELS, "import": ""})
    response = client.post(page(inspection_round), {"text": THREE_LEVELS, "import": ""})
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert Problem.objects.filter(round=inspection_round).count() == 3


def test_a_liaison_is_refused(liaison_a, inspection_round):
    assert signed_in(liaison_a).get(page(inspection_round)).status_code == 403


def test_a_page_without_a_round_is_refused(office):
    assert signed_in(office).get(reverse("feedback-import-page")).status_code == 403


def test_signing_in_is_required(inspection_round):
    response = Client().get(page(inspection_round))
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


def test_page_query_count(office, inspection_round, django_assert_max_num_queries):
    client = signed_in(office)
    # session, user, round, the bell's unread count; the preview adds nothing (parsing reads
    # no table).
    with django_assert_max_num_queries(4):
        client.get(page(inspection_round))
    with django_assert_max_num_queries(4):
        client.post(page(inspection_round), {"text": THREE_LEVELS, "preview": ""})
