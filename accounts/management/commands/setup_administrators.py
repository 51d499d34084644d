"""Create the three separated administrators (三员分立) and disable every superuser.

The superuser exists only to bring the site up: this command is its last act. Each new
administrator gets a one-time password, printed once (or asked for with --ask), to be
changed at the first sign-in.
"""

from __future__ import annotations

import getpass
import secrets
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from accounts.models import User

KINDS = [
    ("system", User.Role.SYSTEM_ADMIN),
    ("security", User.Role.SECURITY_ADMIN),
    ("audit", User.Role.AUDIT_ADMIN),
]
# Letters and digits without the look-alikes (0/O, 1/l/I), and a few signs: four classes.
ALPHABET = {
    "lower": "abcdefghijkmnpqrstuvwxyz",
    "upper": "ABCDEFGHJKLMNPQRSTUVWXYZ",
    "digit": "23456789",
    "sign": "-_.!@#%",
}


def one_time_password(length: int = 16) -> str:
    """A random password with every class in it, for the administrator to replace."""
    pool = "".join(ALPHABET.values())
    while True:
        candidate = "".join(secrets.choice(pool) for _ in range(length))
        if all(set(candidate) & set(chars) for chars in ALPHABET.values()):
            return candidate


def _has_field(name: str) -> bool:
    return any(field.name == name for field in User._meta.get_fields())


class Command(BaseCommand):
    help = (
        "Create the system, security and audit administrators (三员分立) and disable every "
        "superuser. Prints a one-time password for each unless --ask is given."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--system", required=True, metavar="NAME", help="系统管理员's user name"
        )
        parser.add_argument(
            "--security", required=True, metavar="NAME", help="安全管理员's user name"
        )
        parser.add_argument("--audit", required=True, metavar="NAME", help="审计管理员's user name")
        parser.add_argument(
            "--ask", action="store_true", help="ask each password on the terminal instead"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        names = {kind: options[kind].strip() for kind, _role in KINDS}
        if any(not name for name in names.values()):
            raise CommandError("Every administrator needs a user name.")
        if len(set(names.values())) != len(names):
            raise CommandError("The three administrators need three different accounts.")
        taken = sorted(
            User.objects.filter(username__in=names.values()).values_list("username", flat=True)
        )
        if taken:
            raise CommandError(f"These user names are taken already: {', '.join(taken)}.")
        passwords = {
            kind: self._ask(names[kind]) if options["ask"] else one_time_password()
            for kind, _role in KINDS
        }
        with transaction.atomic():
            created = [self._create(names[kind], role, passwords[kind]) for kind, role in KINDS]
            disabled = self._disable_superusers()
        for (kind, _role), user in zip(KINDS, created, strict=True):
            line = f"{user.get_role_display()} {user.username}"
            if not options["ask"]:
                line += f"  一次性密码 one-time password: {passwords[kind]}"
            self.stdout.write(line)
        self.stdout.write(f"Superusers disabled: {', '.join(disabled) or '(none)'}")
        if not _has_field("must_change_password"):
            self.stdout.write(
                self.style.WARNING(
                    "Change each password at the first sign-in (the site cannot force it yet)."
                )
            )

    def _ask(self, username: str) -> str:
        for _attempt in range(3):
            first = getpass.getpass(f"Password for {username}: ")
            if first != getpass.getpass(f"Password for {username} (again): "):
                self.stderr.write("The two entries differ.")
                continue
            try:
                validate_password(first, user=User(username=username))
            except ValidationError as exc:
                self.stderr.write(" ".join(exc.messages))
                continue
            return first
        raise CommandError(f"No acceptable password for {username}.")

    def _create(self, username: str, role: str, password: str) -> User:
        user = User(username=username, role=role, is_staff=True, is_superuser=False)
        if _has_field("must_change_password"):
            user.must_change_password = True
        user.set_password(password)
        user.full_clean()
        user.save()
        return user

    def _disable_superusers(self) -> list[str]:
        disabled = []
        # One save each rather than one UPDATE, so that the audit trail records every one.
        for user in User.objects.filter(is_superuser=True, is_active=True).order_by("pk"):
            user.is_active = False
            user.save(update_fields=["is_active"])
            disabled.append(user.username)
        return disabled
