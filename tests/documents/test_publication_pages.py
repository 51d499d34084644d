"""Disclosure in the browser's pages: draft, edit, approve with a colleague, withdraw, read."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from documents.models import Publication
from documents.publications import publication_approve, publication_draft

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("shanghai_clock")]


def signed_in(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(user)
    return client


@pytest.fixture
def drafted(office, inspection_round, measure_a) -> Publication:
    return publication_draft(actor=office, inspection_round=inspection_round)


def test_office_drafts_from_the_round_and_edits_the_text(office, inspection_round, measure_a):
    client = signed_in(office)

    response = client.post(reverse("publication-create"), {"round": inspection_round.pk})

    publication = Publication.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("publication-detail", args=[publication.pk])
    assert measure_a.text in publication.text
    page = client.get(response["Location"]).content.decode()
    assert 'name="text"' in page and "另一名巡察办工作人员" in page  # no approve button alone

    response = client.post(
        response["Location"], {"title": "关于巡察整改进展情况的通报", "text": "正文一\n正文二"}
    )
    assert response.status_code == 302
    publication.refresh_from_db()
    assert (publication.title, publication.text) == ("关于巡察整改进展情况的通报", "正文一\n正文二")


def test_an_empty_text_is_refused_and_nothing_is_saved(office, drafted):
    response = signed_in(office).post(
        reverse("publication-detail", args=[drafted.pk]), {"title": "标题", "text": "   "}
    )
    assert response.status_code == 200
    assert "form-error" in response.content.decode()
    assert Publication.objects.get().text == drafted.text


def test_the_drafter_cannot_approve_but_a_colleague_can(office, office2, drafted):
    url = reverse("publication-approve-page", args=[drafted.pk])

    signed_in(office).post(url)
    drafted.refresh_from_db()
    assert drafted.published_at is None

    page = signed_in(office2).get(reverse("publication-detail", args=[drafted.pk]))
    assert url in page.content.decode()
    signed_in(office2).post(url)
    drafted.refresh_from_db()
    assert drafted.approved_by == office2 and drafted.published_at is not None
    assert Client().get(reverse("public-detail", args=[drafted.pk])).status_code == 200


def test_a_published_report_cannot_be_edited_and_is_withdrawn_with_a_reason(
    office, office2, drafted
):
    publication_approve(actor=office2, publication=drafted)
    client = signed_in(office)
    detail = reverse("publication-detail", args=[drafted.pk])
    withdraw = reverse("publication-withdraw-page", args=[drafted.pk])

    assert client.post(detail, {"title": "改", "text": "改"}).status_code == 403
    client.post(withdraw, {"reason": ""})
    drafted.refresh_from_db()
    assert drafted.withdrawn_at is None

    client.post(withdraw, {"reason": "数据有误，更正后重新发布"})
    drafted.refresh_from_db()
    assert drafted.withdraw_reason == "数据有误，更正后重新发布"
    assert Client().get(reverse("public-detail", args=[drafted.pk])).status_code == 404
    assert "数据有误" in client.get(detail).content.decode()  # the record stays


def test_a_liaison_reads_published_reports_only(liaison_a, office, office2, inspection_round):
    draft_only = publication_draft(actor=office, inspection_round=inspection_round)
    shown = publication_draft(actor=office, inspection_round=inspection_round, title="已发布")
    publication_approve(actor=office2, publication=shown)
    client = signed_in(liaison_a)

    page = client.get(reverse("publication-list")).content.decode()

    assert reverse("publication-detail", args=[shown.pk]) in page
    assert reverse("publication-detail", args=[draft_only.pk]) not in page
    assert client.get(reverse("publication-detail", args=[draft_only.pk])).status_code == 404
    assert (
        client.post(reverse("publication-create"), {"round": inspection_round.pk}).status_code
        == 403
    )


@pytest.mark.parametrize("rows", [5, 50])
def test_the_list_costs_the_same_queries_for_5_or_50(
    rows, office, inspection_round, django_assert_max_num_queries
):
    for n in range(rows):
        Publication.objects.create(
            round=inspection_round, title=f"通报{n}", text="正文", drafted_by=office
        )
    client = signed_in(office)
    # session and user, the bell's unread count, the page's count and its rows (with their
    # round and people joined), and the savepoints of the test client.
    with django_assert_max_num_queries(7):
        assert client.get(reverse("publication-list")).status_code == 200


def test_the_detail_page_costs_a_fixed_number_of_queries(
    office2, drafted, django_assert_max_num_queries
):
    client = signed_in(office2)
    with django_assert_max_num_queries(5):
        assert client.get(reverse("publication-detail", args=[drafted.pk])).status_code == 200
