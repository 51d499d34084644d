"""Sign-in against a real directory: slapd on loopback with the test tree (sso/conftest.py)."""

from __future__ import annotations

import socket
import time

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import Client

from accounts.models import User
from audit.events import SecurityKind, security_event
from config.sso import LDAP_BACKEND, ldap_settings

from ..factories import UnitFactory, UserFactory
from .conftest import (
    EDUCATION,
    LDAP_PASSWORD,
    NO_PYTHON_LDAP,
    PEOPLE,
    PYTHON_LDAP,
    needs,
    use_sign_on,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _python_ldap() -> None:
    needs(NO_PYTHON_LDAP, PYTHON_LDAP)


@pytest.fixture
def events():
    """The security events sent during the test, as (kind, detail)."""
    sent: list[tuple[str, dict]] = []

    def record(sender, kind, detail=None, **kwargs):
        sent.append((kind, detail or {}))

    security_event.connect(record, weak=False, dispatch_uid="sso-test-events")
    yield sent
    security_event.disconnect(dispatch_uid="sso-test-events")


@pytest.fixture
def education(db):
    return UnitFactory(name=EDUCATION, short_name="教育局")


@pytest.fixture
def ldap_on(settings, directory, education):
    use_sign_on(settings, directory.env())
    return directory


def sign_in(username: str, password: str = LDAP_PASSWORD) -> Client:
    client = Client()
    client.post("/login/", {"username": username, "password": password})
    return client


def signed_in_as(client: Client) -> User | None:
    user_id = client.session.get("_auth_user_id")
    return User.objects.get(pk=user_id) if user_id else None


def test_ldap_is_off_unless_its_server_is_set(settings):
    assert ldap_settings({}) == {"LDAP_ENABLED": False}
    assert settings.LDAP_ENABLED is False
    assert LDAP_BACKEND not in settings.AUTHENTICATION_BACKENDS


def test_a_malformed_ldap_setting_stops_start_up():
    env = {"LDAP_SERVER_URI": "ldap://127.0.0.1:1", "LDAP_USER_SEARCH_BASE": PEOPLE}
    with pytest.raises(ImproperlyConfigured, match="group mapped to a role"):
        ldap_settings(env)
    env["LDAP_GROUP_OFFICE"] = "cn=office,ou=groups"
    env["LDAP_GROUP_SEARCH_BASE"] = "ou=groups"
    with pytest.raises(ImproperlyConfigured, match="LDAP_TIMEOUT"):
        ldap_settings({**env, "LDAP_TIMEOUT": "soon"})
    with pytest.raises(ImproperlyConfigured, match="%\\(user\\)s"):
        ldap_settings({**env, "LDAP_USER_FILTER": "(uid=fixed)"})
    assert ldap_settings(env)["LDAP_ENABLED"] is True


def test_first_sign_in_creates_the_liaison_with_the_directory_role_and_unit(
    ldap_on, education, events
):
    client = sign_in("wangwu")

    user = signed_in_as(client)
    assert user is not None and user.username == "wangwu"
    assert user.role == User.Role.LIAISON
    assert user.unit == education
    assert user.display_name == "王五"
    assert user.email == "wangwu@example.gov.cn"
    # No password of its own here: it signs in through the directory only.
    assert not user.has_usable_password()
    assert client.session["_auth_user_backend"] == LDAP_BACKEND
    assert (SecurityKind.LOGIN, {"via": "ldap", "username": "wangwu"}) in events
    assert client.get("/", follow=True).status_code == 200


def test_the_widest_mapped_group_gives_the_role(ldap_on):
    user = signed_in_as(sign_in("lisi"))  # in tracker-office and tracker-liaison
    assert user is not None and user.role == User.Role.OFFICE and user.unit is None


def test_a_wrong_directory_password_is_refused(ldap_on):
    assert signed_in_as(sign_in("wangwu", "wrong-password")) is None
    assert not User.objects.filter(username="wangwu").exists()


def test_a_user_the_directory_disables_is_refused_and_gets_no_account(ldap_on, events):
    assert signed_in_as(sign_in("zhaoliu")) is None
    assert not User.objects.filter(username="zhaoliu").exists()
    assert (
        SecurityKind.LOGIN_FAILED,
        {"via": "ldap", "username": "zhaoliu", "reason": "disabled"},
    ) in events


def test_a_user_disabled_after_signing_in_is_refused_and_deactivated(ldap_on, events):
    assert signed_in_as(sign_in("wangwu")) is not None

    ldap_on.modify(
        f"dn: uid=wangwu,{PEOPLE}\nchangetype: modify\n"
        "replace: employeeType\nemployeeType: disabled\n"
    )

    assert signed_in_as(sign_in("wangwu")) is None
    assert User.objects.get(username="wangwu").is_active is False
    assert events[-1][0] == SecurityKind.LOGIN_FAILED
    assert events[-1][1]["reason"] == "disabled"


def test_a_person_in_no_mapped_group_is_refused(ldap_on, events):
    assert signed_in_as(sign_in("sunqi")) is None
    assert not User.objects.filter(username="sunqi").exists()
    assert events[-1][1] == {"via": "ldap", "username": "sunqi", "reason": "no_role"}


def test_a_liaison_of_a_unit_unknown_here_is_refused(ldap_on, events):
    assert signed_in_as(sign_in("zhouba")) is None
    assert events[-1][1]["reason"] == "no_unit"


def test_the_directory_does_not_take_over_a_local_account_of_the_same_name(ldap_on, events):
    local = UserFactory(username="wangwu", role=User.Role.OFFICE)

    assert signed_in_as(sign_in("wangwu")) is None
    local.refresh_from_db()
    assert local.role == User.Role.OFFICE and local.has_usable_password()
    assert events[-1][1]["reason"] == "local_account"
    # Its own password still works.
    assert signed_in_as(sign_in("wangwu", "pass-12345")) == local


def test_the_role_follows_the_directory_at_every_sign_in(ldap_on, events):
    assert signed_in_as(sign_in("wangwu")).role == User.Role.LIAISON
    ldap_on.modify(
        f"dn: cn=tracker-office,ou=groups,dc=example,dc=gov,dc=cn\nchangetype: modify\n"
        f"add: member\nmember: uid=wangwu,{PEOPLE}\n"
    )
    assert signed_in_as(sign_in("wangwu")).role == User.Role.OFFICE
    assert any(kind == SecurityKind.ROLE_CHANGED for kind, _detail in events)


def test_the_local_admin_signs_in_while_the_directory_is_down(ldap_on, admin_user, events):
    ldap_on.stop()

    started = time.monotonic()
    assert signed_in_as(sign_in("admin", "pass-12345")) == admin_user
    # A directory user is refused, at once, and the security log hears why.
    assert signed_in_as(sign_in("wangwu")) is None
    assert time.monotonic() - started < 3
    assert events[-1][1] == {"via": "ldap", "username": "wangwu", "reason": "unavailable"}


def test_a_directory_that_never_answers_does_not_hold_up_sign_in(
    settings, directory, admin_user, events
):
    # A port that accepts connections (the kernel's backlog) and never answers a bind.
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        env = {**directory.env(), "LDAP_SERVER_URI": f"ldap://127.0.0.1:{silent.getsockname()[1]}"}
        use_sign_on(settings, {**env, "LDAP_TIMEOUT": "1", "LDAP_CONNECT_TIMEOUT": "1"})

        started = time.monotonic()
        assert signed_in_as(sign_in("admin", "pass-12345")) == admin_user
        assert time.monotonic() - started < 1
        assert signed_in_as(sign_in("wangwu")) is None
        assert time.monotonic() - started < 5
    assert events[-1][1]["reason"] == "unavailable"
