"""Evidence is locked once its measure is submitted, and every upload and deletion is history."""

from __future__ import annotations

import pytest

from rectification.models import Evidence, Measure, StatusChange
from tests.rectification.helpers import add_evidence, pdf_upload, put_in_state

pytestmark = pytest.mark.django_db
S = Measure.Status


@pytest.mark.parametrize("state", [S.SUBMITTED, S.CLOSED])
@pytest.mark.parametrize("who", ["liaison_a", "office"])
def test_evidence_of_a_submitted_or_signed_off_measure_cannot_be_deleted(
    measure_a, people, office2, client_for, state, who
):
    evidence = add_evidence(measure_a, people[who])
    put_in_state(measure_a, state, submitted_by=people["liaison_a"], closed_by=office2)
    response = client_for(people[who]).delete(f"/api/v1/evidence/{evidence.pk}/")
    assert response.status_code == 409
    assert Evidence.objects.filter(pk=evidence.pk).exists()
    assert not StatusChange.objects.filter(measure=measure_a, field="evidence").exists()


def test_the_only_evidence_cannot_vanish_between_submission_and_sign_off(
    measure_a, liaison_a, office, client_for
):
    liaison = client_for(liaison_a)
    liaison.post(f"/api/v1/measures/{measure_a.pk}/start/", {}, HTTP_IF_MATCH='"1"')
    upload = liaison.post(
        "/api/v1/evidence/", {"measure": measure_a.pk, "file": pdf_upload()}, format="multipart"
    )
    assert upload.status_code == 201
    submit = liaison.post(
        f"/api/v1/measures/{measure_a.pk}/submit/",
        {"result_summary": "已完成"},
        HTTP_IF_MATCH='"2"',
    )
    assert submit.status_code == 200, submit.json()
    assert liaison.delete(f"/api/v1/evidence/{upload.json()['id']}/").status_code == 409
    assert measure_a.evidence.count() == 1


def test_an_upload_and_a_deletion_are_in_the_measures_history(measure_a, liaison_a, client_for):
    client = client_for(liaison_a)
    response = client.post(
        "/api/v1/evidence/",
        {"measure": measure_a.pk, "file": pdf_upload("会议记录.pdf")},
        format="multipart",
    )
    assert response.status_code == 201
    assert client.delete(f"/api/v1/evidence/{response.json()['id']}/").status_code == 204

    history = client.get(f"/api/v1/measures/{measure_a.pk}/history/").json()
    rows = [row for row in history if row["field"] == "evidence"]
    assert [(row["old"].split(" ")[0], row["new"].split(" ")[0]) for row in rows] == [
        ("", "会议记录.pdf"),
        ("会议记录.pdf", ""),
    ]
    assert {row["actor"] for row in rows} == {liaison_a.pk}
