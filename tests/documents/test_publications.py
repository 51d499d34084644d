"""Disclosure (双公开): drafted, approved by a second office user, frozen, public, withdrawn."""

from __future__ import annotations

import io

import docx
import pytest
from django.test import Client
from django.urls import reverse

from documents.models import Publication
from rectification.models import Measure

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("shanghai_clock")]


def draft(client, inspection_round, **data):
    return client.post(reverse("api:publication-list"), {"round": inspection_round.pk, **data})


def approve(client, publication_id: int):
    return client.post(reverse("api:publication-approve", args=[publication_id]))


def published(client_for, office, office2, inspection_round) -> int:
    publication_id = draft(client_for(office), inspection_round).json()["id"]
    assert approve(client_for(office2), publication_id).status_code == 200
    return publication_id


def public(path: str) -> Client:
    return Client(HTTP_ACCEPT_LANGUAGE="zh-hans").get(path)


def test_a_draft_starts_from_the_generated_report_and_can_be_edited(
    client_for, office, inspection_round, measure_a
):
    client = client_for(office)
    body = draft(client, inspection_round).json()
    assert body["state"] == "draft"
    assert "整改落实情况" in body["text"] and measure_a.text in body["text"]

    edited = body["text"] + "\n联系电话：0512-12345678。"
    response = client.patch(
        reverse("api:publication-detail", args=[body["id"]]), {"text": edited}, format="json"
    )
    assert response.status_code == 200
    assert Publication.objects.get().text.endswith("0512-12345678。")


def test_one_office_user_cannot_publish_alone(client_for, office, inspection_round, measure_a):
    client = client_for(office)
    publication_id = draft(client, inspection_round).json()["id"]

    response = approve(client, publication_id)

    assert response.status_code == 403
    publication = Publication.objects.get()
    assert publication.published_at is None and publication.approved_by is None


def test_an_editor_of_the_draft_cannot_approve_it(
    client_for, office, office2, admin_user, inspection_round, measure_a
):
    """The probe: office drafts, office2 rewrites the title and text, then approves."""
    publication_id = draft(client_for(office), inspection_round).json()["id"]
    rewritten = client_for(office2).patch(
        reverse("api:publication-detail", args=[publication_id]),
        {"title": "另一个标题", "text": "另一份通报的全文。"},
        format="json",
    )
    assert rewritten.status_code == 200

    assert approve(client_for(office2), publication_id).status_code == 403
    assert approve(client_for(office), publication_id).status_code == 403
    publication = Publication.objects.get()
    assert publication.published_at is None
    assert set(publication.authors.all()) == {office, office2}

    # Someone who wrote none of it approves; the chain names the authors with the approval.
    assert approve(client_for(admin_user), publication_id).status_code == 200
    from audit.models import AuditEntry

    rows = AuditEntry.objects.filter(model="documents.publication", object_id=str(publication_id))
    assert any(row.changes.get("authors") == [[office.pk], [office.pk, office2.pk]] for row in rows)
    assert any(row.changes.get("approved_by_id") == [None, admin_user.pk] for row in rows)


def test_an_edit_that_changes_nothing_makes_no_author(
    client_for, office, office2, inspection_round, measure_a
):
    body = draft(client_for(office), inspection_round).json()
    unchanged = client_for(office2).patch(
        reverse("api:publication-detail", args=[body["id"]]), {"text": body["text"]}, format="json"
    )
    assert unchanged.status_code == 200
    assert approve(client_for(office2), body["id"]).status_code == 200


def test_a_published_report_cannot_be_edited(client_for, office, office2, inspection_round):
    publication_id = published(client_for, office, office2, inspection_round)
    response = client_for(office).patch(
        reverse("api:publication-detail", args=[publication_id]), {"text": "改过"}, format="json"
    )
    assert response.status_code == 409
    assert Publication.objects.get().text != "改过"


def test_a_leader_cannot_draft_or_approve(client_for, office, leader, inspection_round):
    publication_id = draft(client_for(office), inspection_round).json()["id"]
    assert draft(client_for(leader), inspection_round).status_code == 403
    # A leader does not see drafts at all.
    assert approve(client_for(leader), publication_id).status_code == 404


def test_an_empty_text_is_refused_and_nothing_saved(client_for, office, inspection_round):
    response = draft(client_for(office), inspection_round, title="通报", text="   ")
    assert response.status_code == 400
    assert not Publication.objects.exists()


def test_before_publication_public_shows_nothing_of_the_round_and_404s_it(
    client_for, office, inspection_round, measure_a
):
    publication_id = draft(client_for(office), inspection_round).json()["id"]

    listing = public(reverse("public-list"))
    assert listing.status_code == 200
    assert inspection_round.target_unit.name not in listing.content.decode()
    assert public(reverse("public-detail", args=[publication_id])).status_code == 404
    assert public(reverse("public-docx", args=[publication_id])).status_code == 404


def test_after_publication_anyone_reads_the_report_and_its_numbers(
    client_for, office, office2, inspection_round, measure_a, measure_b
):
    publication_id = published(client_for, office, office2, inspection_round)

    listing = public(reverse("public-list"))
    assert reverse("public-detail", args=[publication_id]) in listing.content.decode()
    page = public(reverse("public-detail", args=[publication_id]))
    assert page.status_code == 200
    content = page.content.decode()
    assert measure_a.text in content
    numbers = page.context["numbers"]
    assert (numbers["problems"], numbers["total"], numbers["closed"]) == (1, 2, 0)
    assert "max-age=300" in page["Cache-Control"] and "public" in page["Cache-Control"]
    assert len(page.content) < 30_000
    # Nothing personal: no cookie set and no answer that varies by cookie, so caches keep it.
    for response in (listing, page):
        assert not response.cookies
        assert "cookie" not in response.get("Vary", "").lower()

    download = public(reverse("public-docx", args=[publication_id]))
    assert download.status_code == 200
    text = "\n".join(p.text for p in docx.Document(io.BytesIO(download.content)).paragraphs)
    assert measure_a.text in text


def test_the_public_pages_carry_no_liaison_names(
    client_for, office, office2, inspection_round, measure_a, liaison_a
):
    publication_id = published(client_for, office, office2, inspection_round)

    content = public(reverse("public-detail", args=[publication_id])).content.decode()
    assert str(liaison_a) not in content and liaison_a.username not in content


def test_an_edit_of_a_measure_after_publication_does_not_change_the_published_page(
    client_for, office, office2, inspection_round, measure_a
):
    publication_id = published(client_for, office, office2, inspection_round)
    before = public(reverse("public-detail", args=[publication_id]))

    Measure.objects.filter(pk=measure_a.pk).update(
        text="改写后的措施", deadline=None, is_long_term=True
    )

    after = public(reverse("public-detail", args=[publication_id]))
    assert after.context["numbers"] == before.context["numbers"]
    assert Measure.objects.get(pk=measure_a.pk).is_long_term
    assert "改写后的措施" not in after.content.decode()
    # And the published text itself is frozen.
    response = client_for(office).patch(
        reverse("api:publication-detail", args=[publication_id]), {"text": "x"}, format="json"
    )
    assert response.status_code == 409


def test_withdrawal_hides_the_report_and_keeps_the_record(
    client_for, office, office2, leader, inspection_round, measure_a
):
    publication_id = published(client_for, office, office2, inspection_round)

    response = client_for(office).post(
        reverse("api:publication-withdraw", args=[publication_id]), {"reason": "数据有误"}
    )

    assert response.status_code == 200
    assert public(reverse("public-detail", args=[publication_id])).status_code == 404
    assert (
        reverse("public-detail", args=[publication_id])
        not in public(reverse("public-list")).content.decode()
    )
    record = Publication.objects.get(pk=publication_id)
    assert record.withdrawn_at and record.published_at and record.snapshot["text"]
    assert record.withdraw_reason == "数据有误"
    # Office still reads the record; a leader no longer sees it.
    assert client_for(office).get(reverse("api:publication-list")).json()["count"] == 1
    assert client_for(leader).get(reverse("api:publication-list")).json()["count"] == 0


def test_withdrawing_a_draft_is_a_conflict(client_for, office, inspection_round):
    publication_id = draft(client_for(office), inspection_round).json()["id"]
    response = client_for(office).post(
        reverse("api:publication-withdraw", args=[publication_id]), {"reason": "x"}
    )
    assert response.status_code == 409


def test_every_signed_in_user_reads_the_published_reports(
    client_for, office, office2, liaison_a, inspection_round, measure_a
):
    published(client_for, office, office2, inspection_round)
    draft(client_for(office), inspection_round)

    body = client_for(liaison_a).get(reverse("api:publication-list")).json()
    assert body["count"] == 1 and body["results"][0]["state"] == "published"


def test_the_public_pages_read_one_query(
    client_for, office, office2, inspection_round, measure_a, django_assert_num_queries
):
    publication_id = published(client_for, office, office2, inspection_round)
    # the list: one query for the page of snapshots; a report: one query for its snapshot
    with django_assert_num_queries(1):
        assert public(reverse("public-list")).status_code == 200
    with django_assert_num_queries(1):
        assert public(reverse("public-detail", args=[publication_id])).status_code == 200


def test_the_publication_list_reads_a_fixed_number_of_queries(
    client_for, office, office2, inspection_round, measure_a, django_assert_num_queries
):
    for _ in range(3):
        published(client_for, office, office2, inspection_round)
    client = client_for(office)
    # count 1, the page with round and both users joined 1
    with django_assert_num_queries(2):
        assert client.get(reverse("api:publication-list")).status_code == 200
