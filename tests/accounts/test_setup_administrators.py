"""setup_administrators: the superuser's last act creates the three and disables every superuser."""

from __future__ import annotations

import io
import re

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from accounts.models import User
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("setup_administrators", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def root() -> User:
    return User.objects.create_superuser("root", "root@example.gov.cn", "Xuncha-2026-ok")


def test_it_creates_the_three_administrators_and_disables_the_superuser(root):
    output = run("--system", "zhang", "--security", "li", "--audit", "wang")

    made = {u.username: u for u in User.objects.filter(username__in=["zhang", "li", "wang"])}
    assert {name: u.role for name, u in made.items()} == {
        "zhang": User.Role.SYSTEM_ADMIN,
        "li": User.Role.SECURITY_ADMIN,
        "wang": User.Role.AUDIT_ADMIN,
    }
    assert all(u.is_staff and u.is_active and not u.is_superuser for u in made.values())
    root.refresh_from_db()
    assert not root.is_active
    assert "root" in output
    # Each one-time password is printed once and signs its administrator in.
    passwords = dict(re.findall(r"(\w+)\s+一次性密码 one-time password: (\S+)", output))
    assert set(passwords) == {"zhang", "li", "wang"}
    assert len(set(passwords.values())) == 3
    for name, password in passwords.items():
        assert made[name].check_password(password)
        assert len(password) >= 12


def test_the_disabled_superuser_signs_in_no_more(root):
    before = Client()
    before.force_login(root)

    run("--system", "zhang", "--security", "li", "--audit", "wang")

    assert before.get("/admin/").status_code == 302  # its session is over
    assert not Client().login(username="root", password="Xuncha-2026-ok")


def test_it_disables_every_superuser(root):
    other = UserFactory(username="root2", is_superuser=True, is_staff=True)

    output = run("--system", "zhang", "--security", "li", "--audit", "wang")

    assert not User.objects.filter(is_superuser=True, is_active=True).exists()
    assert "root, root2" in output
    assert not User.objects.get(pk=other.pk).is_active


@pytest.mark.parametrize(
    "args",
    [
        ("--system", "same", "--security", "same", "--audit", "wang"),  # one account, two jobs
        ("--system", "root", "--security", "li", "--audit", "wang"),  # a name taken
        ("--system", " ", "--security", "li", "--audit", "wang"),
    ],
)
def test_it_refuses_and_changes_nothing(root, args):
    with pytest.raises(CommandError):
        run(*args)

    assert list(User.objects.values_list("username", flat=True)) == ["root"]
    root.refresh_from_db()
    assert root.is_active


def test_it_asks_the_passwords_when_told_to(root, monkeypatch):
    # Each password twice; the first one offered for the auditor is too weak and asked again.
    entries = ["Xt-2026-sysadm", "Xt-2026-sysadm", "Zq-2026-secadm", "Zq-2026-secadm"]
    entries += ["12345678", "12345678", "Aud-2026-check", "Aud-2026-check"]
    answers = iter(entries)
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))

    output = run("--system", "zhang", "--security", "li", "--audit", "wang", "--ask")

    assert "one-time password" not in output
    assert User.objects.get(username="zhang").check_password("Xt-2026-sysadm")
    assert User.objects.get(username="li").check_password("Zq-2026-secadm")
    assert User.objects.get(username="wang").check_password("Aud-2026-check")
