"""The measure's life: who may take which step from which state, and what each step records."""

from __future__ import annotations

import datetime
import threading

import pytest
from django.db import close_old_connections, connection
from django.utils import timezone

from rectification import services
from rectification.models import Evidence, Extension, Measure, StatusChange
from rectification.selectors import measure_numbers
from tests.conftest import SHANGHAI_TODAY

from .helpers import ELF_BYTES, add_evidence, pdf_upload, png_bytes, put_in_state, stream_bytes

S = Measure.Status
ROLES = ["admin", "office", "leader", "liaison_a", "liaison_b"]
BODIES = {
    "start": {},
    "submit": {"result_summary": "已建立学习制度并落实"},
    "approve": {"comment": "同意销号"},
    "return": {"reason": "佐证材料不充分"},
    "reopen": {"reason": "回头看发现问题反弹", "deadline": "2099-12-31"},
}
# The one state each action starts from, and who may take it (DESIGN.md section 5).
FROM_STATE = {
    "start": S.NOT_STARTED,
    "submit": S.IN_PROGRESS,
    "approve": S.SUBMITTED,
    "return": S.SUBMITTED,
    "reopen": S.CLOSED,
}
TO_STATE = {
    "start": S.IN_PROGRESS,
    "submit": S.SUBMITTED,
    "approve": S.CLOSED,
    "return": S.IN_PROGRESS,
    "reopen": S.IN_PROGRESS,
}
ALLOWED = {
    "start": {"admin", "liaison_a"},
    "submit": {"admin", "liaison_a"},
    "approve": {"admin", "office"},
    "return": {"admin", "office"},
    "reopen": {"admin", "office"},
}


def expected_status(role: str, action: str, state: str) -> int:
    if role == "liaison_b":
        return 404  # measure_a is outside unit B's scope
    if action == "return" and state in (S.ENDORSING, S.REVIEWING):
        # At a step of the endorsement chain only its owner returns (test_endorsement.py);
        # this round names nobody, and the bootstrap superuser acts for anyone.
        return 200 if role == "admin" else 403
    if role not in ALLOWED[action]:
        return 403
    if state != FROM_STATE[action]:
        return 409
    return 200


@pytest.mark.parametrize("state", [s.value for s in S])
@pytest.mark.parametrize("action", list(BODIES))
@pytest.mark.parametrize("role", ROLES)
def test_each_role_may_take_exactly_its_steps(
    role, action, state, people, office2, measure_a, client_for, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    put_in_state(measure_a, state, submitted_by=people["liaison_a"], closed_by=office2)
    add_evidence(measure_a, people["liaison_a"])
    before = StatusChange.objects.count()

    response = client_for(people[role]).post(
        f"/api/v1/measures/{measure_a.pk}/{action}/", BODIES[action], format="json"
    )

    expected = expected_status(role, action, state)
    assert response.status_code == expected, response.content
    measure_a.refresh_from_db()
    if expected == 200:
        assert measure_a.status == TO_STATE[action]
        assert StatusChange.objects.count() == before + 1
        assert response.json()["status"] == TO_STATE[action]
    else:
        assert measure_a.status == state
        assert StatusChange.objects.count() == before


def test_a_cooperating_unit_sees_the_measure_but_cannot_start_it(
    measure_a, unit_b, liaison_b, client_for
):
    measure_a.cooperating_units.add(unit_b)
    client = client_for(liaison_b)
    assert client.get(f"/api/v1/measures/{measure_a.pk}/").status_code == 200
    assert client.post(f"/api/v1/measures/{measure_a.pk}/start/").status_code == 403


def test_it_rejects_submission_without_evidence(measure_a, liaison_a, office2, client_for):
    put_in_state(measure_a, S.IN_PROGRESS, submitted_by=liaison_a, closed_by=office2)
    response = client_for(liaison_a).post(
        f"/api/v1/measures/{measure_a.pk}/submit/", {"result_summary": "已完成"}
    )
    assert response.status_code == 400
    assert "evidence" in response.json()
    measure_a.refresh_from_db()
    assert measure_a.status == S.IN_PROGRESS and measure_a.submitted_at is None


def test_it_rejects_submission_without_result_summary(
    measure_a, liaison_a, office2, client_for, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    put_in_state(measure_a, S.IN_PROGRESS, submitted_by=liaison_a, closed_by=office2)
    add_evidence(measure_a, liaison_a)
    response = client_for(liaison_a).post(
        f"/api/v1/measures/{measure_a.pk}/submit/", {"result_summary": "   "}
    )
    assert response.status_code == 400
    assert "result_summary" in response.json()
    measure_a.refresh_from_db()
    assert measure_a.status == S.IN_PROGRESS


def test_nobody_signs_off_their_own_submission(measure_a, admin_user, office2, client_for):
    put_in_state(measure_a, S.SUBMITTED, submitted_by=admin_user, closed_by=office2)
    response = client_for(admin_user).post(f"/api/v1/measures/{measure_a.pk}/approve/")
    assert response.status_code == 403
    measure_a.refresh_from_db()
    assert measure_a.status == S.SUBMITTED


def test_return_and_reopen_need_a_reason(measure_a, liaison_a, office, office2, client_for):
    put_in_state(measure_a, S.SUBMITTED, submitted_by=liaison_a, closed_by=office2)
    response = client_for(office).post(f"/api/v1/measures/{measure_a.pk}/return/", {"reason": ""})
    assert response.status_code == 400 and "reason" in response.json()
    put_in_state(measure_a, S.CLOSED, submitted_by=liaison_a, closed_by=office2)
    response = client_for(office).post(f"/api/v1/measures/{measure_a.pk}/reopen/", {})
    assert response.status_code == 400 and "reason" in response.json()


def test_a_stale_if_match_answers_412_and_changes_nothing(measure_a, office, client_for):
    client = client_for(office)
    etag = client.get(f"/api/v1/measures/{measure_a.pk}/")["ETag"]
    assert etag == f'"{measure_a.version}"'
    first = client.patch(
        f"/api/v1/measures/{measure_a.pk}/", {"text": "第一次修改"}, HTTP_IF_MATCH=etag
    )
    assert first.status_code == 200 and first["ETag"] != etag

    second = client.patch(
        f"/api/v1/measures/{measure_a.pk}/", {"text": "基于旧版本的修改"}, HTTP_IF_MATCH=etag
    )

    assert second.status_code == 412
    measure_a.refresh_from_db()
    assert measure_a.text == "第一次修改"
    assert measure_a.version == 2


def test_a_stale_if_match_blocks_a_transition(measure_a, liaison_a, client_for):
    response = client_for(liaison_a).post(
        f"/api/v1/measures/{measure_a.pk}/start/", HTTP_IF_MATCH='"99"'
    )
    assert response.status_code == 412
    measure_a.refresh_from_db()
    assert measure_a.status == S.NOT_STARTED


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_sign_offs_make_exactly_one(measure_a, liaison_a, office, office2):
    put_in_state(measure_a, S.SUBMITTED, submitted_by=liaison_a, closed_by=office2)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def approve(actor):
        try:
            barrier.wait()
            services.measure_approve(measure_id=measure_a.pk, actor=actor)
            outcomes.append("approved")
        except services.WrongState:
            outcomes.append("conflict")
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=approve, args=(who,)) for who in (office, office2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(outcomes) == ["approved", "conflict"]
    approvals = StatusChange.objects.filter(measure=measure_a, action="approve")
    assert approvals.count() == 1


class TestEvidence:
    @pytest.fixture(autouse=True)
    def media(self, settings, tmp_path):
        settings.MEDIA_ROOT = tmp_path
        self.media_root = tmp_path

    def stored_files(self):
        return [p for p in self.media_root.rglob("*") if p.is_file()]

    def test_it_stores_a_pdf_with_its_hash(self, measure_a, liaison_a, client_for):
        response = client_for(liaison_a).post(
            "/api/v1/evidence/",
            {"measure": measure_a.pk, "file": pdf_upload()},
            format="multipart",
        )
        assert response.status_code == 201, response.content
        evidence = Evidence.objects.get()
        import hashlib

        from .helpers import PDF_BYTES

        assert evidence.sha256 == hashlib.sha256(PDF_BYTES).hexdigest()
        assert evidence.size == len(PDF_BYTES)
        assert evidence.original_name == "整改报告.pdf"
        assert evidence.content_type == "application/pdf"

    def test_it_refuses_an_executable_named_pdf(self, measure_a, liaison_a, client_for):
        response = client_for(liaison_a).post(
            "/api/v1/evidence/",
            {"measure": measure_a.pk, "file": pdf_upload("报告.pdf", ELF_BYTES)},
            format="multipart",
        )
        assert response.status_code == 400
        assert "file" in response.json()
        assert Evidence.objects.count() == 0 and self.stored_files() == []

    def test_it_refuses_an_oversize_file_without_storing_it(
        self, measure_a, liaison_a, client_for, settings
    ):
        settings.EVIDENCE_MAX_BYTES = 1000
        response = client_for(liaison_a).post(
            "/api/v1/evidence/",
            {"measure": measure_a.pk, "file": pdf_upload(content=b"%PDF-1.4\n" + b"0" * 2000)},
            format="multipart",
        )
        assert response.status_code == 400
        assert "file" in response.json()
        assert Evidence.objects.count() == 0 and self.stored_files() == []

    def test_it_refuses_a_type_outside_the_allow_list(self, measure_a, liaison_a, client_for):
        from django.core.files.uploadedfile import SimpleUploadedFile

        upload = SimpleUploadedFile("run.exe", ELF_BYTES)
        response = client_for(liaison_a).post(
            "/api/v1/evidence/", {"measure": measure_a.pk, "file": upload}, format="multipart"
        )
        assert response.status_code == 400
        assert Evidence.objects.count() == 0

    def test_it_accepts_a_png(self, measure_a, liaison_a, client_for):
        from django.core.files.uploadedfile import SimpleUploadedFile

        upload = SimpleUploadedFile("现场照片.png", png_bytes())
        response = client_for(liaison_a).post(
            "/api/v1/evidence/", {"measure": measure_a.pk, "file": upload}, format="multipart"
        )
        assert response.status_code == 201, response.content
        assert response.json()["content_type"] == "image/png"

    def test_the_lead_unit_downloads_it_as_an_attachment(self, measure_a, liaison_a, client_for):
        evidence = add_evidence(measure_a, liaison_a)
        response = client_for(liaison_a).get(f"/api/v1/evidence/{evidence.pk}/download/")
        assert response.status_code == 200
        assert response["Content-Disposition"].startswith("attachment")
        assert stream_bytes(response).startswith(b"%PDF")

    def test_another_units_liaison_cannot_download_it(
        self, measure_a, liaison_a, liaison_b, client_for
    ):
        evidence = add_evidence(measure_a, liaison_a)
        response = client_for(liaison_b).get(f"/api/v1/evidence/{evidence.pk}/download/")
        assert response.status_code == 404
        listing = client_for(liaison_b).get("/api/v1/evidence/")
        assert listing.json()["count"] == 0

    def test_another_units_liaison_cannot_upload_to_it(self, measure_a, liaison_b, client_for):
        response = client_for(liaison_b).post(
            "/api/v1/evidence/",
            {"measure": measure_a.pk, "file": pdf_upload()},
            format="multipart",
        )
        assert response.status_code == 400  # the measure is not one they can see
        assert "measure" in response.json()

    def test_evidence_of_a_signed_off_measure_cannot_be_deleted(
        self, measure_a, liaison_a, office, office2, client_for
    ):
        evidence = add_evidence(measure_a, liaison_a)
        put_in_state(measure_a, S.CLOSED, submitted_by=liaison_a, closed_by=office2)
        response = client_for(office).delete(f"/api/v1/evidence/{evidence.pk}/")
        assert response.status_code == 409
        assert Evidence.objects.filter(pk=evidence.pk).exists()

    def test_the_uploader_deletes_evidence_of_an_open_measure(
        self, measure_a, liaison_a, client_for
    ):
        evidence = add_evidence(measure_a, liaison_a)
        response = client_for(liaison_a).delete(f"/api/v1/evidence/{evidence.pk}/")
        assert response.status_code == 204
        assert not Evidence.objects.filter(pk=evidence.pk).exists()


class TestProgress:
    def test_two_reports_in_one_period_are_two_rows_in_order(
        self, measure_a, liaison_a, client_for
    ):
        client = client_for(liaison_a)
        url = f"/api/v1/measures/{measure_a.pk}/progress/"
        first = client.post(url, {"text": "已制定方案", "percent": 30, "period": "2026-11-H1"})
        second = client.post(url, {"text": "已完成一半", "percent": 50, "period": "2026-11-H1"})
        assert first.status_code == second.status_code == 201
        rows = client.get(url).json()
        assert [r["text"] for r in rows] == ["已制定方案", "已完成一半"]
        assert [r["percent"] for r in rows] == [30, 50]

    def test_the_period_defaults_to_the_current_half_month(
        self, measure_a, liaison_a, client_for, shanghai_clock
    ):
        response = client_for(liaison_a).post(
            f"/api/v1/measures/{measure_a.pk}/progress/", {"text": "推进中"}
        )
        assert response.status_code == 201
        assert response.json()["period"] == "2026-11-H2"  # the 20th in Shanghai

    @pytest.mark.parametrize(
        "body, field",
        [
            ({"text": "x", "percent": 101}, "percent"),
            ({"text": "x", "percent": "half"}, "percent"),
            ({"text": ""}, "text"),
            ({"text": "x", "period": "2026-13-H1"}, "period"),
        ],
    )
    def test_it_rejects_bad_reports(self, measure_a, liaison_a, client_for, body, field):
        response = client_for(liaison_a).post(f"/api/v1/measures/{measure_a.pk}/progress/", body)
        assert response.status_code == 400
        assert field in response.json()
        assert measure_a.progress.count() == 0

    def test_period_keys_split_the_month_at_the_sixteenth(self):
        assert services.period_key(datetime.date(2026, 11, 15)) == "2026-11-H1"
        assert services.period_key(datetime.date(2026, 11, 16)) == "2026-11-H2"

    def test_a_leader_cannot_report_progress(self, measure_a, leader, client_for):
        response = client_for(leader).post(
            f"/api/v1/measures/{measure_a.pk}/progress/", {"text": "x"}
        )
        assert response.status_code == 403


class TestExtensions:
    def request(self, client, measure, new_deadline, reason="工程量大，需延期"):
        return client.post(
            "/api/v1/extensions/",
            {"measure": measure.pk, "new_deadline": new_deadline.isoformat(), "reason": reason},
        )

    def test_an_approved_extension_moves_the_deadline_and_is_in_history(
        self, measure_a, liaison_a, office, client_for
    ):
        old = measure_a.deadline
        new = old + datetime.timedelta(days=30)
        created = self.request(client_for(liaison_a), measure_a, new)
        assert created.status_code == 201, created.content

        decided = client_for(office).post(f"/api/v1/extensions/{created.json()['id']}/approve/")

        assert decided.status_code == 200
        assert decided.json()["status"] == "approved"
        assert decided.json()["old_deadline"] == old.isoformat()
        measure_a.refresh_from_db()
        assert measure_a.deadline == new
        history = client_for(liaison_a).get(f"/api/v1/measures/{measure_a.pk}/history/").json()
        assert history[-1]["action"] == "extend"
        assert (history[-1]["old"], history[-1]["new"]) == (old.isoformat(), new.isoformat())

    def test_the_on_time_rate_uses_the_extended_deadline(
        self, measure_a, liaison_a, office, office2, shanghai_clock
    ):
        old = SHANGHAI_TODAY - datetime.timedelta(days=10)
        Measure.objects.filter(pk=measure_a.pk).update(deadline=old)
        extension = Extension.objects.create(
            measure=measure_a,
            requested_by=liaison_a,
            old_deadline=old,
            new_deadline=old + datetime.timedelta(days=5),
            reason="延期",
        )
        services.extension_approve(extension_id=extension.pk, actor=office)
        # Submitted two days after the old deadline, three days before the new one.
        put_in_state(measure_a, S.CLOSED, submitted_by=liaison_a, closed_by=office2)
        Measure.objects.filter(pk=measure_a.pk).update(
            submitted_at=timezone.make_aware(
                datetime.datetime.combine(old + datetime.timedelta(days=2), datetime.time(9))
            )
        )
        numbers = measure_numbers(Measure.objects.filter(pk=measure_a.pk))
        assert numbers["on_time_rate"] == 1.0
        assert numbers["extended"] == 1

    def test_only_one_request_may_wait_at_a_time(self, measure_a, liaison_a, client_for):
        client = client_for(liaison_a)
        later = measure_a.deadline + datetime.timedelta(days=10)
        assert self.request(client, measure_a, later).status_code == 201
        assert self.request(client, measure_a, later).status_code == 409
        assert Extension.objects.count() == 1

    def test_a_new_deadline_must_be_later(self, measure_a, liaison_a, client_for):
        response = self.request(client_for(liaison_a), measure_a, measure_a.deadline)
        assert response.status_code == 400 and "new_deadline" in response.json()

    def test_a_liaison_cannot_decide_and_a_decided_request_stays_decided(
        self, measure_a, liaison_a, office, client_for
    ):
        created = self.request(
            client_for(liaison_a), measure_a, measure_a.deadline + datetime.timedelta(days=3)
        )
        pk = created.json()["id"]
        assert client_for(liaison_a).post(f"/api/v1/extensions/{pk}/approve/").status_code == 403
        rejected = client_for(office).post(
            f"/api/v1/extensions/{pk}/reject/", {"comment": "理由不充分"}
        )
        assert rejected.status_code == 200 and rejected.json()["status"] == "rejected"
        assert client_for(office).post(f"/api/v1/extensions/{pk}/approve/").status_code == 409
        measure_a.refresh_from_db()
        assert str(measure_a.deadline) == created.json()["old_deadline"]


def test_office_edits_are_recorded_field_by_field(measure_a, office, unit_b, client_for):
    response = client_for(office).patch(
        f"/api/v1/measures/{measure_a.pk}/",
        {"text": "修改后的措施", "lead_unit": unit_b.pk},
        HTTP_IF_MATCH='"1"',
    )
    assert response.status_code == 200
    edits = StatusChange.objects.filter(measure=measure_a, action="edit").order_by("field")
    assert [(e.field, e.new_value) for e in edits] == [
        ("lead_unit", unit_b.name),
        ("text", "修改后的措施"),
    ]
    assert all(e.actor == office for e in edits)


def test_the_whole_life_of_a_measure_through_the_api(
    measure_a, liaison_a, office, office2, client_for, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    unit_client, office_client, reviewer = (
        client_for(liaison_a),
        client_for(office),
        client_for(office2),
    )
    url = f"/api/v1/measures/{measure_a.pk}"

    def ok(response, code=200):
        assert response.status_code == code, response.content
        return response.json()

    ok(unit_client.post(f"{url}/start/", {"comment": "开始整改"}))
    ok(unit_client.post(f"{url}/progress/", {"text": "完成制度起草", "percent": 40}), 201)
    ok(
        unit_client.post(
            "/api/v1/evidence/", {"measure": measure_a.pk, "file": pdf_upload()}, format="multipart"
        ),
        201,
    )
    ok(unit_client.post(f"{url}/submit/", {"result_summary": "制度已印发"}))
    ok(office_client.post(f"{url}/return/", {"reason": "缺少印发文件"}))
    ok(unit_client.post(f"{url}/submit/", {"result_summary": "制度已印发并执行"}))
    closed = ok(office_client.post(f"{url}/approve/", {"comment": "同意销号"}))
    assert closed["status"] == "closed" and closed["closed_by"] == office.pk
    ok(reviewer.post(f"{url}/reopen/", {"reason": "回头看发现反弹", "deadline": "2099-12-31"}))
    ok(unit_client.post(f"{url}/submit/", {"result_summary": "再次整改到位"}))
    final = ok(reviewer.post(f"{url}/approve/"))
    assert final["status"] == "closed" and final["closed_by"] == office2.pk

    history = ok(unit_client.get(f"{url}/history/"))
    assert [h["action"] for h in history] == [
        "start",
        "edit",  # the evidence upload
        "submit",
        "return",
        "submit",
        "approve",
        "reopen",
        "submit",
        "approve",
    ]
    assert [h["to_status"] for h in history][-1] == "closed"
    assert history[1]["field"] == "evidence"
    assert history[3]["comment"] == "缺少印发文件"
    assert [h["at"] for h in history] == sorted(h["at"] for h in history)
    assert final["version"] == 9


def test_reopening_needs_a_new_deadline_not_in_the_past(
    measure_a, liaison_a, office, office2, client_for
):
    put_in_state(measure_a, S.CLOSED, submitted_by=liaison_a, closed_by=office2)
    url = f"/api/v1/measures/{measure_a.pk}/reopen/"
    missing = client_for(office).post(url, {"reason": "回头看发现反弹"})
    past = client_for(office).post(url, {"reason": "回头看发现反弹", "deadline": "2000-01-01"})
    assert missing.status_code == 400 and "deadline" in missing.json()
    assert past.status_code == 400 and "deadline" in past.json()
    measure_a.refresh_from_db()
    assert measure_a.status == S.CLOSED and not measure_a.history.filter(action="reopen").exists()


def test_reopening_writes_the_new_deadline_on_the_reopen_row(
    measure_a, liaison_a, office, office2, client_for
):
    put_in_state(measure_a, S.CLOSED, submitted_by=liaison_a, closed_by=office2)
    old = measure_a.deadline
    response = client_for(office).post(
        f"/api/v1/measures/{measure_a.pk}/reopen/",
        {"reason": "回头看发现反弹", "deadline": "2099-06-30"},
    )
    assert response.status_code == 200, response.json()
    assert response.json()["deadline"] == "2099-06-30" and response.json()["colour"] == "none"
    row = measure_a.history.get(action="reopen")
    assert (row.field, row.old_value, row.new_value) == ("deadline", old.isoformat(), "2099-06-30")
