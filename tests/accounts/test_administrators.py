"""The three separated administrators (三员分立): what each may do and may not, in the admin
site, the API and through the permissions granted to their accounts."""

from __future__ import annotations

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse

from accounts.models import User
from accounts.permissions import (
    can_change_account,
    can_grant_role,
    can_manage_accounts,
    can_read_audit,
    can_read_security_log,
    can_reset_lockout,
    can_reset_second_factor,
)
from audit.models import AuditEntry
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

ADMIN_ROLES = [User.Role.SYSTEM_ADMIN, User.Role.SECURITY_ADMIN, User.Role.AUDIT_ADMIN]
ORDINARY_ROLES = [User.Role.OFFICE, User.Role.LEADER, User.Role.LIAISON, User.Role.SUPERVISOR]


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def user_form(user: User, **changes) -> dict:
    """The admin change form of `user` as posted back, with `changes`."""
    data = {
        "username": user.username,
        "display_name": user.display_name,
        "email": user.email,
        "first_name": "",
        "last_name": "",
        "role": user.role,
        "unit": user.unit_id or "",
        "is_active": "on" if user.is_active else "",
        "is_staff": "on" if user.is_staff else "",
        "date_joined_0": "2026-01-01",
        "date_joined_1": "09:00:00",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v != ""}


# --- The rule itself --------------------------------------------------------------------------


def test_it_lets_only_the_audit_administrator_read_the_trail_and_the_security_log(
    system_admin, security_admin, audit_admin, admin_user, office
):
    readers = [
        u.username
        for u in (system_admin, security_admin, audit_admin, admin_user, office)
        if can_read_audit(u) or can_read_security_log(u)
    ]

    assert readers == ["auditadmin"]


def test_it_gives_no_administrator_role_but_through_the_superuser(
    system_admin, security_admin, audit_admin, admin_user
):
    for actor in (system_admin, security_admin, audit_admin):
        for role in ADMIN_ROLES:
            assert not can_grant_role(actor, role, creating=True), (actor.username, role)
    assert all(can_grant_role(admin_user, role) for role in ADMIN_ROLES)


def test_it_lets_the_system_administrator_give_an_ordinary_role_only_when_creating(
    system_admin, security_admin, audit_admin
):
    for role in ORDINARY_ROLES:
        assert can_grant_role(system_admin, role, creating=True)
        assert not can_grant_role(system_admin, role, creating=False)
        assert can_grant_role(security_admin, role)
        assert not can_grant_role(audit_admin, role, creating=True)


def test_it_keeps_an_administrators_account_from_the_other_administrators(
    system_admin, security_admin, audit_admin, office
):
    for actor in (system_admin, security_admin, audit_admin):
        for target in (system_admin, security_admin, audit_admin):
            assert not can_change_account(actor, target)
    assert can_change_account(system_admin, office) and can_change_account(security_admin, office)
    assert not can_change_account(audit_admin, office)


def test_it_leaves_resets_to_the_security_administrator(system_admin, security_admin, audit_admin):
    assert [
        u.username
        for u in (system_admin, security_admin, audit_admin)
        if can_reset_lockout(u) and can_reset_second_factor(u)
    ] == ["secadmin"]
    assert [
        u.username for u in (system_admin, security_admin, audit_admin) if can_manage_accounts(u)
    ] == ["sysadmin"]


def test_it_ignores_the_permissions_granted_to_an_administrators_account(system_admin, measure_a):
    # A second job cannot be given through Django's permissions: the role alone decides.
    system_admin.user_permissions.add(
        *Permission.objects.filter(
            codename__in=["view_measure", "change_measure", "view_auditentry"]
        )
    )
    system_admin = User.objects.get(pk=system_admin.pk)  # no cached permissions

    assert not system_admin.has_perm("rectification.change_measure")
    client = signed_in(system_admin)
    assert client.get(reverse("admin:rectification_measure_changelist")).status_code == 403
    assert client.get(reverse("admin:audit_auditentry_changelist")).status_code == 403


def test_it_still_lets_office_staff_use_the_permissions_granted_to_them(office, measure_a):
    office.is_staff = True
    office.save()
    office.user_permissions.add(Permission.objects.get(codename="view_measure"))

    response = signed_in(office).get(reverse("admin:rectification_measure_changelist"))

    assert response.status_code == 200


# --- The system administrator in the admin site ----------------------------------------------


def test_the_system_administrator_creates_an_office_clerk(system_admin):
    response = signed_in(system_admin).post(
        reverse("admin:accounts_user_add"),
        {
            "username": "clerk9",
            "password1": "Xuncha-2026-ok",
            "password2": "Xuncha-2026-ok",
            "usable_password": "true",
            "role": "office",
            "display_name": "巡察办赵云",
        },
    )

    assert response.status_code == 302
    assert User.objects.get(username="clerk9").role == User.Role.OFFICE


@pytest.mark.parametrize("role", ADMIN_ROLES)
def test_the_system_administrator_cannot_create_an_administrator(system_admin, role):
    response = signed_in(system_admin).post(
        reverse("admin:accounts_user_add"),
        {
            "username": "puppet",
            "password1": "Xuncha-2026-ok",
            "password2": "Xuncha-2026-ok",
            "usable_password": "true",
            "role": role,
        },
    )

    assert response.status_code == 200  # the form again, the role not among its choices
    assert not User.objects.filter(username="puppet").exists()


def test_the_system_administrator_renames_an_account_but_cannot_change_its_role(
    system_admin, office
):
    url = reverse("admin:accounts_user_change", args=[office.pk])

    response = signed_in(system_admin).post(
        url, user_form(office, display_name="巡察办陈静静", role="leader", is_superuser="on")
    )

    assert response.status_code == 302
    office.refresh_from_db()
    assert office.display_name == "巡察办陈静静"
    assert office.role == User.Role.OFFICE and not office.is_superuser


def test_the_system_administrator_keeps_units(system_admin, unit_a):
    client = signed_in(system_admin)

    response = client.post(
        reverse("admin:accounts_unit_change", args=[unit_a.pk]),
        {
            "name": unit_a.name,
            "short_name": "办公室",
            "kind": "department",
            "is_active": "on",
            "parent": unit_a.parent_id,
            "webhook_url": "https://qyapi.weixin.qq.com/robot?key=x",
        },
    )

    assert response.status_code == 302
    unit_a.refresh_from_db()
    assert unit_a.webhook_url == "https://qyapi.weixin.qq.com/robot?key=x"


def test_the_system_administrator_may_not_touch_another_administrators_account(
    system_admin, audit_admin
):
    client = signed_in(system_admin)

    change = client.post(
        reverse("admin:accounts_user_change", args=[audit_admin.pk]),
        user_form(audit_admin, display_name="改名"),
    )
    password = client.get(reverse("admin:auth_user_password_change", args=[audit_admin.pk]))

    assert change.status_code == 403
    assert password.status_code == 403
    audit_admin.refresh_from_db()
    assert audit_admin.display_name == "auditadmin"


def test_the_system_administrator_cannot_reset_a_lockout(system_admin):
    attempt = AccessAttempt.objects.create(
        username="clerk", ip_address="10.0.0.9", failures_since_start=5
    )

    response = signed_in(system_admin).post(
        reverse("admin:axes_accessattempt_delete", args=[attempt.pk]), {"post": "yes"}
    )

    assert response.status_code == 403
    assert AccessAttempt.objects.filter(pk=attempt.pk).exists()


# --- The security administrator -------------------------------------------------------------


def test_the_security_administrator_changes_a_role_but_not_the_name(security_admin, office):
    response = signed_in(security_admin).post(
        reverse("admin:accounts_user_change", args=[office.pk]),
        user_form(office, role="leader", display_name="冒名"),
    )

    assert response.status_code == 302
    office.refresh_from_db()
    assert office.role == User.Role.LEADER
    assert office.display_name == "巡察办陈静"


@pytest.mark.parametrize("role", ADMIN_ROLES)
def test_the_security_administrator_cannot_make_an_administrator(security_admin, office, role):
    response = signed_in(security_admin).post(
        reverse("admin:accounts_user_change", args=[office.pk]), user_form(office, role=role)
    )

    assert response.status_code == 200  # the form again
    office.refresh_from_db()
    assert office.role == User.Role.OFFICE


def test_the_security_administrator_is_told_a_liaison_needs_a_unit(security_admin, office):
    response = signed_in(security_admin).post(
        reverse("admin:accounts_user_change", args=[office.pk]), user_form(office, role="liaison")
    )

    assert response.status_code == 200
    assert "责任单位联络员须选择所在单位。" in response.content.decode()


def test_the_security_administrator_does_not_set_passwords(security_admin, office):
    client = signed_in(security_admin)

    page = client.get(reverse("admin:accounts_user_change", args=[office.pk]))
    password = client.get(reverse("admin:auth_user_password_change", args=[office.pk]))

    assert page.status_code == 200
    assert "pbkdf2" not in page.content.decode() and "password/" not in page.content.decode()
    assert password.status_code == 403


def test_the_security_administrator_resets_a_lockout(security_admin):
    attempt = AccessAttempt.objects.create(
        username="clerk", ip_address="10.0.0.9", failures_since_start=5
    )

    response = signed_in(security_admin).post(
        reverse("admin:axes_accessattempt_delete", args=[attempt.pk]), {"post": "yes"}
    )

    assert response.status_code == 302
    assert not AccessAttempt.objects.filter(pk=attempt.pk).exists()


def test_the_security_administrator_keeps_off_units_and_business_data(
    security_admin, unit_a, measure_a
):
    client = signed_in(security_admin)

    for url in (
        reverse("admin:accounts_unit_change", args=[unit_a.pk]),
        reverse("admin:rectification_measure_change", args=[measure_a.pk]),
        reverse("admin:audit_auditentry_changelist"),
    ):
        assert client.get(url).status_code == 403, url


# --- The audit administrator ----------------------------------------------------------------


def test_the_audit_administrator_reads_and_exports_the_audit_trail(audit_admin, office):
    office.display_name = "巡察办陈静（改）"
    office.save()  # one more row in the trail
    client = signed_in(audit_admin)
    entries = list(AuditEntry.objects.values_list("pk", flat=True))

    listing = client.get(reverse("admin:audit_auditentry_changelist"))
    export = client.post(
        reverse("admin:audit_auditentry_changelist"),
        {"action": "export_csv", "_selected_action": entries},
    )

    assert listing.status_code == 200
    assert export.status_code == 200 and export["Content-Type"] == "text/csv; charset=utf-8"
    text = b"".join(export.streaming_content).decode("utf-8-sig")
    assert "巡察办陈静（改）" in text
    assert len(text.strip().splitlines()) == len(entries) + 1


def test_the_audit_administrator_changes_nothing(audit_admin, office, unit_a):
    client = signed_in(audit_admin)
    entry = AuditEntry.objects.first()
    assert entry is not None

    assert client.get(reverse("admin:audit_auditentry_change", args=[entry.pk])).status_code == 200
    for url in (
        reverse("admin:audit_auditentry_delete", args=[entry.pk]),
        reverse("admin:accounts_user_change", args=[office.pk]),
        reverse("admin:accounts_unit_change", args=[unit_a.pk]),
        reverse("admin:accounts_user_add"),
    ):
        assert client.get(url).status_code == 403, url


@pytest.mark.parametrize("who", ["system_admin", "security_admin", "admin_user"])
def test_no_one_else_exports_the_audit_trail(request, who, office):
    entries = list(AuditEntry.objects.values_list("pk", flat=True))

    response = signed_in(request.getfixturevalue(who)).post(
        reverse("admin:audit_auditentry_changelist"),
        {"action": "export_csv", "_selected_action": entries},
    )

    assert response.status_code == 403


# --- The API and the pages ------------------------------------------------------------------


@pytest.mark.parametrize("who", ["system_admin", "security_admin", "audit_admin"])
def test_no_administrator_gets_an_api_token(request, who):
    user = request.getfixturevalue(who)

    response = Client().post(
        "/api/v1/auth/token/", {"username": user.username, "password": "pass-12345"}
    )

    assert response.status_code == 403


def test_a_token_from_before_the_account_became_an_administrators_is_refused(office):
    token = Client().post("/api/v1/auth/token/", {"username": "clerk", "password": "pass-12345"})
    office.role = User.Role.AUDIT_ADMIN
    office.save()

    response = Client().get(
        "/api/v1/me/", headers={"authorization": f"Token {token.json()['token']}"}
    )

    assert response.status_code == 403


def test_a_business_page_refuses_an_administrator_with_a_page_and_the_api_with_json(
    system_admin, inspection_round
):
    client = signed_in(system_admin)

    page = client.get(reverse("round-list"))
    api = client.get("/api/v1/rounds/")

    assert page.status_code == 403 and "403" in page.content.decode()
    assert api.status_code == 403 and api.json()["code"] == "permission_denied"


def test_the_system_administrator_may_not_give_an_administrators_role_through_the_api(
    system_admin, office
):
    client = signed_in(system_admin)

    created = client.post(
        "/api/v1/users/",
        {"username": "puppet", "password": "Xuncha-2026-ok", "role": "audit_admin"},
        content_type="application/json",
    )
    changed = client.patch(
        f"/api/v1/users/{office.pk}/", {"role": "leader"}, content_type="application/json"
    )
    activation = client.patch(
        f"/api/v1/users/{office.pk}/", {"is_active": False}, content_type="application/json"
    )
    renamed = client.patch(
        f"/api/v1/users/{office.pk}/",
        {"display_name": "巡察办陈静静"},
        content_type="application/json",
    )

    assert created.status_code == 403 and not User.objects.filter(username="puppet").exists()
    assert changed.status_code == 403 and activation.status_code == 403
    assert renamed.status_code == 200
    office.refresh_from_db()
    assert office.role == User.Role.OFFICE and office.is_active


def test_the_system_administrator_creates_an_ordinary_account_through_the_api(system_admin):
    response = signed_in(system_admin).post(
        "/api/v1/users/",
        {"username": "leader9", "password": "Xuncha-2026-ok", "role": "leader"},
        content_type="application/json",
    )

    assert response.status_code == 201
    assert User.objects.get(username="leader9").role == User.Role.LEADER


def test_the_system_administrator_cannot_change_an_administrator_through_the_api(
    system_admin, security_admin
):
    response = signed_in(system_admin).patch(
        f"/api/v1/users/{security_admin.pk}/",
        {"password": "Taken-over-2026"},
        content_type="application/json",
    )

    assert response.status_code == 403
    security_admin.refresh_from_db()
    assert security_admin.check_password("pass-12345")


def test_an_outsider_sees_no_administrators_page(liaison_a):
    # Nothing here is for ordinary accounts either.
    user = UserFactory(username="guest", role=User.Role.LEADER, is_staff=True)

    assert signed_in(user).get(reverse("admin:accounts_user_changelist")).status_code == 403
    assert signed_in(liaison_a).get(reverse("admin:accounts_user_changelist")).status_code == 302


# --- The security log is told ---------------------------------------------------------------


@pytest.fixture
def role_events():
    from audit.events import SecurityKind, security_event

    seen: list[dict] = []

    def hear(sender, kind, user=None, detail=None, **kwargs):
        if kind == SecurityKind.ROLE_CHANGED:
            seen.append({"user": (detail or {})["account"], **(detail or {})})

    security_event.connect(hear, weak=False)
    yield seen
    security_event.disconnect(hear)


def test_a_role_change_in_the_admin_tells_the_security_log_once(
    security_admin, office, role_events, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        signed_in(security_admin).post(
            reverse("admin:accounts_user_change", args=[office.pk]),
            user_form(office, role="leader"),
        )

    assert [(e["user"], e.get("changes")) for e in role_events] == [
        ("clerk", {"role": ["office", "leader"]})
    ]


def test_a_group_given_tells_the_security_log(
    office, role_events, django_capture_on_commit_callbacks
):
    from django.contrib.auth.models import Group

    group = Group.objects.create(name="台账管理")
    with django_capture_on_commit_callbacks(execute=True):
        office.groups.add(group)
        group.user_set.remove(office)

    assert [e.get("groups") for e in role_events] == [{"add": [group.pk]}, {"remove": [group.pk]}]


def test_a_change_of_name_tells_the_security_log_nothing(
    system_admin, office, role_events, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        signed_in(system_admin).post(
            reverse("admin:accounts_user_change", args=[office.pk]),
            user_form(office, display_name="巡察办陈静静"),
        )

    assert role_events == []
