"""The security log (安全日志): each event kind written once, with its actor, address and time,
into the audit chain; rows past the retention exported and pruned; tampering caught by
verify_audit; a page of its own, for the audit administrator alone."""

from __future__ import annotations

import csv
import datetime
import gzip
import io
import json
import re

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import User
from audit import security_log
from audit.events import SecurityKind
from audit.models import AuditEntry, SecurityEvent
from audit.recorder import seal
from config.celery import app as celery_app
from tests.accounts.sign_on import code_of, enrol, password_step, wrong_code
from tests.factories import ClueFactory
from tests.test_watermarks import EXPORTS, world  # noqa: F401 - the fixture, used below

pytestmark = pytest.mark.django_db

T0 = datetime.datetime(2026, 11, 20, 9, 0, tzinfo=datetime.UTC)
MINUTE = datetime.timedelta(minutes=1)


@pytest.fixture
def clock(time_machine):
    time_machine.move_to(T0, tick=False)
    return time_machine


def rows(kind: str) -> list[SecurityEvent]:
    return list(SecurityEvent.objects.filter(kind=kind).order_by("id"))


def the_one(kind: str) -> SecurityEvent:
    found = rows(kind)
    assert len(found) == 1, [(e.kind, e.actor_name, e.detail) for e in found]
    return found[0]


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def assert_row(event: SecurityEvent, actor: str, *, at: datetime.datetime = T0) -> None:
    assert event.actor_name == actor
    assert event.address == "127.0.0.1"
    assert event.at == at
    digest = AuditEntry.objects.get(model="audit.securityevent", object_id=str(event.pk))
    assert digest.changes == {"kind": event.kind, "digest": event.compute_hash()}


# --- Each kind, once ------------------------------------------------------------------------


def test_a_sign_in_a_failure_and_a_sign_out(liaison_a, clock):
    client = Client()
    assert password_step(client, "liaison_a", "wrong-password").status_code == 200
    assert password_step(client, "liaison_a").status_code == 302
    assert client.post("/logout/").status_code == 302

    failed = the_one(SecurityKind.LOGIN_FAILED)
    assert_row(failed, "liaison_a")
    assert failed.actor_id is None and failed.detail["via"] == "password"
    login = the_one(SecurityKind.LOGIN)
    assert_row(login, "liaison_a")
    assert login.actor_id == liaison_a.pk and login.detail["via"] == "local"
    assert_row(the_one(SecurityKind.LOGOUT), "liaison_a")


def test_a_token_sign_in_and_its_sign_out(liaison_a, clock):
    client = Client()
    token = client.post("/api/v1/auth/token/", {"username": "liaison_a", "password": "pass-12345"})
    assert token.status_code == 200
    key = token.json()["token"]
    out = client.post("/api/v1/auth/logout/", HTTP_AUTHORIZATION=f"Token {key}")
    assert out.status_code == 204

    assert the_one(SecurityKind.LOGIN).detail["via"] == "token"
    logout = the_one(SecurityKind.LOGOUT)
    assert_row(logout, "liaison_a")
    assert logout.detail["via"] == "token"


def test_idle_expiry_and_the_absolute_limit(liaison_a, clock):
    idle = signed_in(liaison_a)
    clock.shift(31 * MINUTE)
    assert idle.get("/measures/").status_code == 302
    assert_row(the_one(SecurityKind.IDLE_EXPIRED), "liaison_a", at=T0 + 31 * MINUTE)

    busy = signed_in(liaison_a)
    start = timezone.now()
    while timezone.now() - start < datetime.timedelta(hours=settings.SESSION_MAX_AGE_HOURS):
        assert busy.get("/measures/").status_code == 200
        clock.shift(29 * MINUTE)
    assert busy.get("/measures/").status_code == 302
    assert_row(the_one(SecurityKind.SESSION_EXPIRED), "liaison_a", at=timezone.now())


@pytest.mark.otp_policy
def test_second_factor_enrolment_refusal_and_recovery(office, liaison_a, clock):
    client = signed_in(office)
    client.get("/account/second-factor/")
    device = TOTPDevice.objects.get(user=office, confirmed=False)
    assert client.post("/account/second-factor/", {"code": wrong_code(device)}).status_code == 400
    clock.shift(datetime.timedelta(seconds=30))
    assert client.post("/account/second-factor/", {"code": code_of(device)}).status_code == 302

    assert_row(the_one(SecurityKind.OTP_FAILED), "clerk")
    assert_row(the_one(SecurityKind.OTP_ENROLLED), "clerk", at=T0 + datetime.timedelta(seconds=30))
    # A wrong code counts toward the lockout, but is not also a failed password.
    assert rows(SecurityKind.LOGIN_FAILED) == []

    _device, codes = enrol(liaison_a)
    other = Client()
    password_step(other, "liaison_a")
    assert other.post("/account/second-factor/verify/", {"code": codes[0]}).status_code == 302
    later = T0 + datetime.timedelta(seconds=30)
    assert_row(the_one(SecurityKind.RECOVERY_USED), "liaison_a", at=later)


def test_a_second_factor_reset_names_the_security_administrator(security_admin, office, clock):
    enrol(office)

    response = signed_in(security_admin).post(f"/accounts/{office.pk}/second-factor/reset/")

    assert response.status_code == 302
    assert not StaticToken.objects.filter(device__user=office).exists()
    reset = the_one(SecurityKind.OTP_RESET)
    assert_row(reset, "secadmin")
    assert reset.detail["user"] == office.pk


def test_a_lockout_and_its_unlock(liaison_a, security_admin, clock):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        password_step(Client(), "liaison_a", "wrong-password")
    assert password_step(Client(), "liaison_a").status_code == 429
    locked = the_one(SecurityKind.LOCKED)
    assert_row(locked, "liaison_a")
    # The attempt refused while locked is a failed sign-in too, and no second lockout.
    assert len(rows(SecurityKind.LOGIN_FAILED)) == settings.AXES_FAILURE_LIMIT + 1

    attempt = AccessAttempt.objects.get(username="liaison_a")
    unlock = signed_in(security_admin).post(
        reverse("admin:axes_accessattempt_delete", args=[attempt.pk]), {"post": "yes"}
    )

    assert unlock.status_code == 302
    assert not AccessAttempt.objects.exists()
    unlocked = the_one(SecurityKind.UNLOCKED)
    assert_row(unlocked, "secadmin")
    assert unlocked.detail["username"] == "liaison_a"
    assert password_step(Client(), "liaison_a").status_code == 302


def test_a_role_change_names_who_made_it(
    security_admin, office, clock, django_capture_on_commit_callbacks
):
    from tests.accounts.test_administrators import user_form

    client = signed_in(security_admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:accounts_user_change", args=[office.pk]),
            user_form(office, role="leader"),
        )

    assert response.status_code == 302
    change = the_one(SecurityKind.ROLE_CHANGED)
    assert_row(change, "secadmin")
    assert change.detail["account"] == "clerk"
    assert change.detail["changes"] == {"role": ["office", "leader"]}


def test_a_password_change_and_a_reset(liaison_a, system_admin, clock):
    own = signed_in(liaison_a)
    changed = own.post(
        "/account/password/",
        {
            "old_password": "pass-12345",
            "new_password1": "Ziji-2026!x",
            "new_password2": "Ziji-2026!x",
        },
    )
    assert changed.status_code == 302
    assert_row(the_one(SecurityKind.PASSWORD_CHANGED), "liaison_a")

    reset = signed_in(system_admin).post(
        f"/admin/accounts/user/{liaison_a.pk}/password/",
        {"password1": "Chongzhi-2026", "password2": "Chongzhi-2026", "usable_password": "true"},
    )
    assert reset.status_code == 302
    event = the_one(SecurityKind.PASSWORD_RESET)
    assert_row(event, "sysadmin")
    assert event.detail["user"] == liaison_a.pk


@pytest.mark.parametrize("operation", sorted(EXPORTS))
def test_every_download_is_logged_once_with_its_file(world, office, client_for, operation):  # noqa: F811
    before = len(rows(SecurityKind.DOWNLOAD))
    response = client_for(office).get(EXPORTS[operation].format_map(world))
    assert response.status_code == 200
    b"".join(response.streaming_content)

    downloads = rows(SecurityKind.DOWNLOAD)[before:]
    assert len(downloads) == 1
    assert downloads[0].actor_name == "clerk" and downloads[0].address == "127.0.0.1"
    assert re.search(r"\.(xlsx|docx)$", downloads[0].detail["file"])


def test_a_clue_page_is_logged_each_time_it_is_opened(office, inspection_round, clock):
    clue = ClueFactory(round=inspection_round)
    client = signed_in(office)

    assert client.get(f"/clues/{clue.pk}/").status_code == 200
    assert client.get("/petitions/").status_code == 200
    assert client.get("/measures/").status_code == 200

    views = rows(SecurityKind.SENSITIVE_VIEW)
    assert [(v.detail["route"], v.detail.get("pk")) for v in views] == [
        ("clue-edit", clue.pk),
        ("petition-list", None),
    ]
    assert_row(views[0], "clerk")


def test_every_refusal_is_logged(liaison_a, system_admin, clock):
    assert signed_in(liaison_a).get("/clues/").status_code == 403
    refused = the_one(SecurityKind.FORBIDDEN)
    assert_row(refused, "liaison_a")
    assert refused.status == 403 and refused.detail["route"] == "clue-list"

    # The administrators' split answers 403 from its middleware: logged the same way.
    assert signed_in(system_admin).get("/measures/").status_code == 403
    assert [e.actor_name for e in rows(SecurityKind.FORBIDDEN)] == ["liaison_a", "sysadmin"]


def test_a_text_no_database_can_keep_is_cleaned_not_refused(clock):
    # A failed sign-in's user name is whatever was typed; PostgreSQL keeps no NUL in JSON.
    event = security_log.record(
        SecurityKind.LOGIN_FAILED, detail={"username": "bad\x00name" + "x" * 400}
    )

    event.refresh_from_db()
    assert event.detail["username"].startswith("badname") and len(event.detail["username"]) == 300
    assert event.actor_name == event.detail["username"][:150]


# --- Retention ------------------------------------------------------------------------------


def old_event(days: int) -> SecurityEvent:
    event = security_log.record(SecurityKind.LOGIN_FAILED, detail={"username": f"old{days}"})
    # Backdated as if written `days` ago (past the trigger, as a database owner would).
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "ALTER TABLE audit_securityevent DISABLE TRIGGER audit_security_log_append_only"
            )
        at = timezone.now() - datetime.timedelta(days=days)
        event.at = at
        event.hash = event.compute_hash()
        SecurityEvent.objects.filter(pk=event.pk).update(at=at, hash=event.compute_hash())
        AuditEntry.objects.filter(model="audit.securityevent", object_id=str(event.pk)).update(
            changes={"kind": event.kind, "digest": event.compute_hash()}, at=at
        )
        if connection.vendor == "postgresql":
            cursor.execute(
                "ALTER TABLE audit_securityevent ENABLE TRIGGER audit_security_log_append_only"
            )
    return event


@pytest.fixture
def unsealed_chain():
    """Old rows are made before their digests are sealed, so that backdating them is allowed."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ALTER TABLE audit_auditentry DISABLE TRIGGER audit_append_only")
    yield
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ALTER TABLE audit_auditentry ENABLE TRIGGER audit_append_only")


def test_rows_past_the_retention_are_exported_then_pruned(unsealed_chain, settings, tmp_path):
    settings.VAR_DIR = tmp_path
    gone = [old_event(200), old_event(181)]
    kept = [old_event(179), security_log.record(SecurityKind.LOGOUT)]
    seal()

    pruned = security_log.prune()

    assert pruned.count == 2
    assert set(SecurityEvent.objects.values_list("pk", flat=True)) == {e.pk for e in kept}
    with gzip.open(pruned.file, "rt", encoding="utf-8") as exported:
        lines = [json.loads(line) for line in exported]
    assert [line["id"] for line in lines] == [e.pk for e in gone]
    assert [line["hash"] for line in lines] == [e.hash for e in gone]
    export = AuditEntry.objects.get(model="audit.securitylogexport")
    assert export.changes["count"] == 2 and export.changes["file"] == pruned.file.name
    call_command("verify_audit")  # the pruned rows are accounted for by the export
    assert security_log.prune().count == 0


def test_the_beat_prunes_daily_through_its_task(unsealed_chain, settings, tmp_path):
    from reminders import tasks

    settings.VAR_DIR = tmp_path
    old_event(365)
    entry = settings.CELERY_BEAT_SCHEDULE["security-log-prune"]
    assert entry["task"] == tasks.prune_security_log.name and entry["task"] in celery_app.tasks

    result = tasks.prune_security_log.apply().get()

    assert result["pruned"] == 1 and result["file"].startswith(str(tmp_path))
    assert not SecurityEvent.objects.exists()


def test_the_retention_cannot_be_set_below_180_days(settings):
    from audit.apps import check_retention

    settings.SECURITY_LOG_RETENTION_DAYS = 30
    assert [m.id for m in check_retention(None)] == ["audit.E001"]
    assert security_log.retention_days() == 180
    settings.SECURITY_LOG_RETENTION_DAYS = 365
    assert check_retention(None) == [] and security_log.retention_days() == 365


# --- Tampering ------------------------------------------------------------------------------


@pytest.fixture
def attacker():
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "ALTER TABLE audit_securityevent DISABLE TRIGGER audit_security_log_append_only"
            )
    yield
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "ALTER TABLE audit_securityevent ENABLE TRIGGER audit_security_log_append_only"
            )


@pytest.mark.postgres
def test_the_database_refuses_to_change_or_delete_a_young_row():
    from django.db import DatabaseError, transaction

    event = security_log.record(SecurityKind.LOGOUT)
    with pytest.raises(DatabaseError, match="never changed"), transaction.atomic():
        SecurityEvent.objects.filter(pk=event.pk).update(actor_name="别人")
    with pytest.raises(DatabaseError, match="kept 180 days"), transaction.atomic():
        SecurityEvent.objects.filter(pk=event.pk).delete()


def test_a_direct_update_is_caught_by_verify_audit(attacker, office):
    event = security_log.record(SecurityKind.DOWNLOAD, user=office, detail={"file": "a.xlsx"})
    security_log.record(SecurityKind.LOGOUT, user=office)
    call_command("verify_audit")

    SecurityEvent.objects.filter(pk=event.pk).update(detail={"file": "b.xlsx"})

    with pytest.raises(CommandError, match=f"id {event.pk} was altered"):
        call_command("verify_audit")


def test_a_young_row_removed_is_caught_by_verify_audit(attacker, office):
    event = security_log.record(SecurityKind.LOGIN, user=office)
    SecurityEvent.objects.filter(pk=event.pk).delete()

    with pytest.raises(CommandError, match=f"id {event.pk} was removed before its retention"):
        call_command("verify_audit")


def test_a_row_slipped_in_without_its_digest_is_caught(office):
    SecurityEvent.objects.create(kind=SecurityKind.LOGIN, actor_name="ghost", hash="0" * 64)

    with pytest.raises(CommandError, match="has no digest"):
        call_command("verify_audit")


# --- The page -------------------------------------------------------------------------------


def test_only_the_audit_administrator_reads_the_page(
    audit_admin, system_admin, security_admin, office, admin_user
):
    security_log.record(SecurityKind.LOGIN, user=office)
    assert signed_in(audit_admin).get("/security-log/").status_code == 200
    for other in (system_admin, security_admin, office, admin_user):
        assert signed_in(other).get("/security-log/").status_code == 403, other.username
    # Each refusal is itself in the log.
    assert len(rows(SecurityKind.FORBIDDEN)) == 4


def test_the_page_searches_by_kind_actor_address_and_day(audit_admin, office, liaison_a, clock):
    security_log.record(SecurityKind.LOGIN, user=office)
    security_log.record(SecurityKind.LOGIN_FAILED, detail={"username": "liaison_a"})
    clock.shift(datetime.timedelta(days=2))
    security_log.record(SecurityKind.LOGIN, user=liaison_a)
    client = signed_in(audit_admin)  # a sign-in itself, two days later

    def actors(query: str) -> list[str]:
        response = client.get(f"/security-log/?{query}")
        assert response.status_code == 200
        return [e.actor_name for e in response.context["page"]]

    assert actors("kind=login") == ["auditadmin", "liaison_a", "clerk"]
    assert actors("actor=liaison") == ["liaison_a", "liaison_a"]
    assert actors("kind=login&until=2026-11-21&actor=clerk") == ["clerk"]
    assert actors("kind=login_failed&address=127.0.0.1") == []  # recorded outside a request
    assert actors("since=2026-11-22") == ["auditadmin", "liaison_a"]
    assert actors("since=2026-11-23&until=2026-11-21") == []  # refused, said on the form
    assert "晚于" in client.get("/security-log/?since=2026-11-23&until=2026-11-21").content.decode()


def test_the_export_holds_the_filtered_rows_and_is_itself_logged(audit_admin, office, clock):
    security_log.record(SecurityKind.LOGIN, user=office)
    security_log.record(SecurityKind.LOGIN_FAILED, detail={"username": "=HYPERLINK(1)"})
    client = signed_in(audit_admin)

    response = client.get("/security-log/?kind=login_failed&export=csv")

    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    header, *lines = list(csv.reader(io.StringIO(text)))
    assert header[:3] == ["序号", "时间", "事件"]
    assert len(lines) == 1
    assert lines[0][2] == "登录失败" and lines[0][4] == "'=HYPERLINK(1)"  # text, not a formula
    download = the_one(SecurityKind.DOWNLOAD)
    assert download.actor_name == "auditadmin"
    assert download.detail["file"].startswith("security-log-")


def test_the_page_takes_a_constant_number_of_queries(
    audit_admin, office, django_assert_num_queries
):
    for _ in range(60):
        security_log.record(SecurityKind.LOGIN, user=office)
    client = signed_in(audit_admin)
    client.get("/security-log/")  # the session and the user, warmed
    # The session, the user, the count (up to the cap), the page's keys, its rows.
    with django_assert_num_queries(5):
        assert client.get("/security-log/?page=2").status_code == 200
