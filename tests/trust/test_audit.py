"""The audit trail: every change of the recorded models, from the API, the pages or the admin,
with actor and old and new values, in a hash chain that verify_audit checks."""

from __future__ import annotations

import datetime

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from accounts.models import User
from audit.models import AuditEntry
from audit.recorder import seal, verify
from findings.models import ProblemClue
from rectification.models import Measure, StatusChange
from tests.factories import ClueFactory, PetitionFactory

pytestmark = pytest.mark.django_db


def entries(model: str, object_id) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(model=model, object_id=str(object_id)).order_by("id"))


def test_a_clue_changed_and_deleted_through_the_api_is_recorded_with_its_actor(
    client_for, office, inspection_round
):
    clue = ClueFactory(round=inspection_round, subject="张某")
    client = client_for(office)
    response = client.patch(f"/api/v1/clues/{clue.pk}/", {"status": "in_handling"})
    assert response.status_code == 200
    assert client.delete(f"/api/v1/clues/{clue.pk}/").status_code == 204

    create, update, delete = entries("findings.problemclue", clue.pk)
    assert create.action == "create" and create.actor_id is None  # made by the factory
    assert update.action == "update" and update.actor_id == office.pk
    assert update.changes == {"status": ["transferred", "in_handling"]}
    assert update.path == f"PATCH /api/v1/clues/{clue.pk}/"
    assert delete.action == "delete" and delete.actor_name == office.username
    assert delete.changes["subject"] == ["张某", None]


@pytest.mark.parametrize(
    ("path", "body", "model"),
    [
        ("/api/v1/units/", {"name": "新单位"}, "accounts.unit"),
        ("/api/v1/aspects/", {"title": "新方面"}, "findings.aspect"),
        ("/api/v1/problems/", {"title": "新问题"}, "findings.problem"),
        (
            "/api/v1/petitions/",
            {"summary": "来信", "received_on": "2026-07-01"},
            "findings.petition",
        ),
    ],
)
def test_creations_through_the_api_are_recorded(
    client_for, admin_user, inspection_round, path, body, model
):
    if "units" not in path:
        body = {**body, "round": inspection_round.pk}
    response = client_for(admin_user).post(path, body)
    assert response.status_code == 201, response.json()
    (entry,) = entries(model, response.json()["id"])
    assert entry.action == "create" and entry.actor_id == admin_user.pk


def test_a_round_edit_keeps_old_and_new_values(client_for, office, inspection_round):
    response = client_for(office).patch(
        f"/api/v1/rounds/{inspection_round.pk}/", {"feedback_date": "2026-07-01"}
    )
    assert response.status_code == 200
    entry = entries("inspections.inspectionround", inspection_round.pk)[-1]
    assert entry.changes == {"feedback_date": ["2026-06-20", "2026-07-01"]}


def test_a_password_change_is_recorded_without_the_hash(client_for, admin_user, liaison_a):
    response = client_for(admin_user).patch(
        f"/api/v1/users/{liaison_a.pk}/", {"password": "Another-pass-2026"}
    )
    assert response.status_code == 200
    entry = entries("accounts.user", liaison_a.pk)[-1]
    # An administrator's new password is a reset: the user must change it at next sign-in.
    assert entry.changes == {"password": ["***", "***"], "must_change_password": [False, True]}
    assert "pbkdf2" not in str(entry.changes) and "md5" not in str(entry.changes)


def test_cooperating_units_and_measure_edits_are_recorded(client_for, office, measure_a, unit_b):
    response = client_for(office).patch(
        f"/api/v1/measures/{measure_a.pk}/",
        {"cooperating_units": [unit_b.pk], "text": "新的措施文字"},
        HTTP_IF_MATCH='"1"',
    )
    assert response.status_code == 200, response.json()
    changes = [e.changes for e in entries("rectification.measure", measure_a.pk)[1:]]
    assert {"cooperating_units": [[], [unit_b.pk]]} in changes
    assert any(c.get("text", [None, None])[1] == "新的措施文字" for c in changes)
    assert any(c.get("version") == [1, 2] for c in changes)


def test_a_rolled_back_change_leaves_no_audit_row(client_for, office, measure_a):
    before = AuditEntry.objects.count()
    # Missing deadline on a non-long-term measure: the service refuses, nothing is written.
    response = client_for(office).patch(
        f"/api/v1/measures/{measure_a.pk}/", {"deadline": None}, HTTP_IF_MATCH='"1"'
    )
    assert response.status_code == 400
    assert AuditEntry.objects.count() == before


# --- Admin edits go through the services ----------------------------------------------------


@pytest.fixture
def superuser(db) -> User:
    return User.objects.create_superuser("root", "root@example.gov.cn", "Xuncha-2026-ok")


def admin_form(measure: Measure, **changes) -> dict:
    data = {
        "problem": measure.problem_id,
        "seq": measure.seq,
        "text": measure.text,
        "lead_official": measure.lead_official,
        "lead_official_user": "",
        "lead_unit": measure.lead_unit_id or "",
        "cooperating_units": [u.pk for u in measure.cooperating_units.all()] if measure.pk else [],
        "deadline": measure.deadline.isoformat() if measure.deadline else "",
        "history-TOTAL_FORMS": "0",
        "history-INITIAL_FORMS": "0",
        "history-MIN_NUM_FORMS": "0",
        "history-MAX_NUM_FORMS": "1000",
    }
    data.update(changes)
    return data


def test_an_admin_edit_of_a_measure_raises_its_version_and_writes_history(
    client, superuser, measure_a, unit_b
):
    client.force_login(superuser)
    new_deadline = measure_a.deadline + datetime.timedelta(days=30)
    response = client.post(
        f"/admin/rectification/measure/{measure_a.pk}/change/",
        admin_form(
            measure_a, deadline=new_deadline.isoformat(), lead_unit=unit_b.pk, text="管理员改写"
        ),
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    measure_a.refresh_from_db()
    assert (measure_a.deadline, measure_a.lead_unit, measure_a.text) == (
        new_deadline,
        unit_b,
        "管理员改写",
    )
    assert measure_a.version == 2
    fields = set(
        StatusChange.objects.filter(measure=measure_a, action="edit").values_list(
            "field", flat=True
        )
    )
    assert fields == {"deadline", "lead_unit", "text"}
    last = entries("rectification.measure", measure_a.pk)[-1]
    assert last.actor_id == superuser.pk and last.path.startswith("POST /admin/")


def test_an_admin_addition_of_a_measure_goes_through_the_service(
    client, superuser, problem, unit_a
):
    client.force_login(superuser)
    fake = Measure(problem=problem, seq=7, text="管理员新增", lead_unit=unit_a)
    fake.deadline = datetime.date(2026, 12, 31)
    response = client.post("/admin/rectification/measure/add/", admin_form(fake))
    assert response.status_code == 302
    measure = Measure.objects.get(text="管理员新增")
    assert measure.seq == 7
    assert entries("rectification.measure", measure.pk)[0].actor_id == superuser.pk


def test_an_admin_edit_of_a_clue_is_recorded(client, superuser, inspection_round):
    clue = ClueFactory(round=inspection_round)
    client.force_login(superuser)
    response = client.post(f"/admin/findings/problemclue/{clue.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not ProblemClue.objects.filter(pk=clue.pk).exists()
    assert entries("findings.problemclue", clue.pk)[-1].action == "delete"


# --- The hash chain ----------------------------------------------------------------------------


@pytest.fixture
def attacker():
    """Tamper as a database owner would: past the append-only trigger (PostgreSQL)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ALTER TABLE audit_auditentry DISABLE TRIGGER audit_append_only")
    yield
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ALTER TABLE audit_auditentry ENABLE TRIGGER audit_append_only")


@pytest.mark.postgres
def test_the_database_refuses_to_change_or_delete_a_sealed_row(inspection_round):
    from django.db import DatabaseError, transaction

    PetitionFactory(round=inspection_round)
    seal()
    entry = AuditEntry.objects.first()
    with pytest.raises(DatabaseError, match="never changed"), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).update(object_repr="改过的")
    with pytest.raises(DatabaseError, match="never deleted"), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).delete()


def test_the_chain_verifies_and_names_the_first_altered_row(attacker, office, inspection_round):
    for n in range(4):
        PetitionFactory(round=inspection_round, summary=f"信访{n}")
    assert seal() > 0
    call_command("verify_audit")
    rows = list(AuditEntry.objects.order_by("chain_seq"))
    victim = rows[2]
    AuditEntry.objects.filter(pk=victim.pk).update(changes={"summary": [None, "改过的"]})
    with pytest.raises(CommandError, match=f"row {victim.chain_seq} .*altered"):
        call_command("verify_audit")


def test_a_removed_row_is_reported(attacker, inspection_round):
    for n in range(4):
        PetitionFactory(round=inspection_round, summary=f"信访{n}")
    seal()
    rows = list(AuditEntry.objects.order_by("chain_seq"))
    rows[1].delete()
    verdict = verify()
    assert not verdict.ok and verdict.first_bad == rows[1].chain_seq
    assert "missing" in verdict.message


def test_rows_cut_from_the_end_are_reported(attacker, inspection_round):
    for n in range(3):
        PetitionFactory(round=inspection_round, summary=f"信访{n}")
    seal()
    AuditEntry.objects.order_by("-chain_seq").first().delete()
    verdict = verify()
    assert not verdict.ok and "removed" in verdict.message


def test_a_row_recomputed_without_its_successors_breaks_the_link(attacker, inspection_round):
    for n in range(3):
        PetitionFactory(round=inspection_round, summary=f"信访{n}")
    seal()
    first = AuditEntry.objects.order_by("chain_seq").first()
    first.changes = {"forged": [1, 2]}
    first.hash = first.compute_hash()
    first.save()
    verdict = verify()
    assert not verdict.ok and verdict.first_bad == first.chain_seq + 1


@pytest.mark.django_db(transaction=True)
def test_rows_are_sealed_right_after_their_commit(inspection_round):
    PetitionFactory(round=inspection_round)
    assert not AuditEntry.objects.filter(chain_seq__isnull=True).exists()
    assert verify().ok


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_build_one_unbroken_chain(inspection_round):
    import threading

    errors: list[Exception] = []

    def write(n: int) -> None:
        try:
            for i in range(5):
                PetitionFactory(round=inspection_round, summary=f"并发{n}-{i}")
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=write, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    seal()
    verdict = verify()
    assert verdict.ok, verdict.message
    assert verdict.checked >= 21


@pytest.mark.django_db(transaction=True)
def test_a_transaction_of_many_changes_is_sealed_once_after_its_commit(inspection_round):
    from django.db import transaction

    with transaction.atomic():
        for n in range(50):
            PetitionFactory(round=inspection_round, summary=f"批量{n}")
        from django.db import connection as conn

        assert sum(1 for entry in conn.run_on_commit if entry[1].__name__ == "seal_quietly") == 1
    assert not AuditEntry.objects.filter(chain_seq__isnull=True).exists()
    assert verify().ok
