"""Password rules: length, three of four classes, not the user name, none of the last five,
expiry after PASSWORD_MAX_AGE_DAYS, and a forced change at first sign-in and after a reset."""

from __future__ import annotations

import datetime
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import translation
from rest_framework.test import APIClient

from accounts.models import PasswordHistory, User

from ..factories import UserFactory
from .sign_on import PASSWORD, password_step

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]


def refusal(password: str, user: User | None = None) -> list[str]:
    with translation.override("zh-hans"):
        try:
            validate_password(password, user=user)
        except ValidationError as exc:
            return list(exc.messages)
    return []


@pytest.fixture
def zhou(db) -> User:
    return UserFactory(username="zhoumin", role=User.Role.LEADER)


def test_it_accepts_eight_characters_of_three_classes(zhou):
    assert refusal("Xuncha-26", zhou) == []
    assert refusal("xuncha-26", zhou) == []  # lower, digit, symbol
    assert refusal("XunchaBan26", zhou) == []  # upper, lower, digit


def test_it_refuses_fewer_than_eight_characters(zhou):
    messages = refusal("Xc-2026", zhou)
    assert any("8" in m and "密码" in m for m in messages)


@pytest.mark.parametrize("password", ["xunchaban2026", "XUNCHA-BAN", "xuncha-ban", "20261120"])
def test_it_refuses_fewer_than_three_classes(zhou, password):
    messages = refusal(password, zhou)
    assert any("大写字母" in m and "至少 3 类" in m for m in messages), messages


@pytest.mark.parametrize("password", ["zhoumin", "Zhoumin-2026", "2026-ZHOUMIN!"])
def test_it_refuses_the_user_name_or_a_password_containing_it(zhou, password):
    messages = refusal(password, zhou)
    assert any("用户名" in m for m in messages), messages


def test_it_refuses_the_last_five_passwords_but_not_the_sixth(zhou):
    used = [f"Xuncha-{n}-ok" for n in range(6)]
    for password in used:
        zhou.set_password(password)
        zhou.save()
    assert PasswordHistory.objects.filter(user=zhou).count() == 5

    for recent in used[1:]:
        assert any("最近" in m for m in refusal(recent, zhou)), recent
    assert refusal(used[0], zhou) == []


def test_a_password_change_on_the_page_applies_the_rules(zhou):
    client = Client()
    client.force_login(zhou)

    same = client.post(
        "/account/password/",
        {"old_password": PASSWORD, "new_password1": PASSWORD, "new_password2": PASSWORD},
    )
    weak = client.post(
        "/account/password/",
        {"old_password": PASSWORD, "new_password1": "zhoumin1", "new_password2": "zhoumin1"},
    )

    assert same.status_code == 400 and "最近" in same.content.decode()
    assert weak.status_code == 400 and "用户名" in weak.content.decode()


# --- Expiry and forced changes ---------------------------------------------------------------


def test_an_expired_password_must_be_changed_before_any_page(zhou, time_machine, settings):
    settings.PASSWORD_MAX_AGE_DAYS = 90
    client = Client()
    time_machine.move_to(zhou.password_changed_at + datetime.timedelta(days=89), tick=False)
    client.force_login(zhou)
    assert client.get("/measures/").status_code == 200
    time_machine.move_to(zhou.password_changed_at + datetime.timedelta(days=90), tick=False)
    client.force_login(zhou)  # a fresh session: the idle timeout is not what is tested here

    response = client.get("/measures/")
    assert response.status_code == 302
    assert response["Location"].startswith("/account/password/")
    page = client.get("/account/password/")
    assert page.status_code == 200 and "90" in page.content.decode()
    assert client.get("/api/v1/me/").json()["code"] == "password_change_required"
    changed = client.post(
        "/account/password/?next=/measures/",
        {"old_password": PASSWORD, "new_password1": "Xuncha-2027", "new_password2": "Xuncha-2027"},
    )
    assert changed.status_code == 302 and changed["Location"] == "/measures/"
    assert client.get("/measures/").status_code == 200


def test_password_expiry_can_be_turned_off(zhou, time_machine, settings):
    settings.PASSWORD_MAX_AGE_DAYS = 0
    time_machine.move_to(zhou.password_changed_at + datetime.timedelta(days=400), tick=False)
    client = Client()
    client.force_login(zhou)

    assert client.get("/measures/").status_code == 200


def test_an_account_an_administrator_creates_changes_its_password_at_first_sign_in(
    admin_user, unit_a, client_for, events
):
    created = client_for(admin_user).post(
        "/api/v1/users/",
        {"username": "sunli", "role": "liaison", "unit": unit_a.pk, "password": "Chushi-2026"},
        format="json",
    )
    assert created.status_code == 201
    assert User.objects.get(username="sunli").must_change_password

    client = Client()
    assert password_step(client, "sunli", "Chushi-2026").status_code == 302
    forced = client.get("/measures/")
    assert forced["Location"].startswith("/account/password/")
    assert "管理员" in client.get("/account/password/").content.decode()
    token = APIClient().post(
        "/api/v1/auth/token/", {"username": "sunli", "password": "Chushi-2026"}, format="json"
    )
    assert token.status_code == 403 and token.json()["code"] == "password_change_required"
    client.post(
        "/account/password/",
        {
            "old_password": "Chushi-2026",
            "new_password1": "Ziji-2026!",
            "new_password2": "Ziji-2026!",
        },
    )

    assert client.get("/measures/").status_code == 200
    assert not User.objects.get(username="sunli").must_change_password
    assert "password_changed" in [kind for kind, _ in events]


def test_a_password_an_administrator_resets_must_be_changed(admin_user, zhou, client_for, events):
    reset = client_for(admin_user).patch(
        f"/api/v1/users/{zhou.pk}/", {"password": "Chongzhi-2026"}, format="json"
    )
    assert reset.status_code == 200
    assert ("password_reset", {"user": zhou.pk, "via": "api"}) in events

    client = Client()
    password_step(client, "zhoumin", "Chongzhi-2026")
    assert client.get("/measures/")["Location"].startswith("/account/password/")


def test_the_admin_site_flags_accounts_it_creates_and_passwords_it_resets(zhou):
    root = User.objects.create_superuser("root", "root@example.gov.cn", "Xuncha-2026-ok")
    client = Client()
    client.force_login(root)

    client.post(
        f"/admin/accounts/user/{zhou.pk}/password/",
        {"password1": "Chongzhi-2026", "password2": "Chongzhi-2026", "usable_password": "true"},
    )
    zhou.refresh_from_db()
    assert zhou.check_password("Chongzhi-2026") and zhou.must_change_password
    client.post(
        "/admin/accounts/user/add/",
        {
            "username": "xinren",
            "password1": "Chushi-2026",
            "password2": "Chushi-2026",
            "usable_password": "true",
            "role": "leader",
        },
    )
    assert User.objects.get(username="xinren").must_change_password


def test_demo_accounts_keep_their_password_only_while_demo_accounts_is_on(settings, time_machine):
    demo = UserFactory(username="leader", role=User.Role.LEADER)
    User.objects.filter(pk=demo.pk).update(is_demo_account=True, must_change_password=True)
    client = Client()
    client.force_login(demo)

    settings.DEMO_ACCOUNTS = True
    assert client.get("/measures/").status_code == 200
    settings.DEMO_ACCOUNTS = False
    assert client.get("/measures/")["Location"].startswith("/account/password/")


# --- check --deploy ----------------------------------------------------------------------------


def deploy_check(**env: str) -> subprocess.CompletedProcess:
    environment = {
        **os.environ,
        "APP_ENV": "production",
        "SECRET_KEY": "a-production-secret-key-long-enough-for-the-deploy-check-0123456789",
        "ALLOWED_HOSTS": "tracker.example.gov.cn",
        **env,
    }
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_refuses_the_demo_accounts_in_production():
    refused = deploy_check(DEMO_ACCOUNTS="1")
    assert refused.returncode != 0
    assert "accounts.E001" in refused.stderr + refused.stdout

    allowed = deploy_check(DEMO_ACCOUNTS="0")
    assert "accounts.E001" not in allowed.stderr + allowed.stdout
    assert "accounts.E001" not in deploy_check().stderr  # off by default in production
