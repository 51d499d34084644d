"""Password rules of graded protection (等保 2.0 level 3), as Django password validators.

Length, character classes, not the user name, none of the last few passwords; the common
and all-digit lists are Django's own validators (see AUTH_PASSWORD_VALIDATORS). The history
validator also keeps the history: Django calls `password_changed` on every save that follows
`set_password`, from the admin, the API, the pages and management commands alike.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import check_password
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .models import PasswordHistory, User

CLASSES = {
    "upper": lambda c: c.isascii() and c.isupper(),
    "lower": lambda c: c.isascii() and c.islower(),
    "digit": lambda c: c.isdigit(),
    # Anything else counts as a symbol, Chinese characters included.
    "symbol": lambda c: not (c.isascii() and c.isalnum()),
}


def character_classes(password: str) -> set[str]:
    return {name for name, test in CLASSES.items() if any(test(c) for c in password)}


class MinimumLengthValidator:
    """At least `min_length` characters (Django's own says so in English only)."""

    def __init__(self, min_length: int = 8) -> None:
        self.min_length = min_length

    def validate(self, password: str, user: Any = None) -> None:
        if len(password) < self.min_length:
            raise ValidationError(self._message(), code="password_too_short")

    def _message(self) -> str:
        return ngettext(
            "The password must have at least %(n)d character.",
            "The password must have at least %(n)d characters.",
            self.min_length,
        ) % {"n": self.min_length}

    def get_help_text(self) -> str:
        return self._message()


class CharacterClassesValidator:
    """At least `min_classes` of upper case, lower case, digits and symbols."""

    def __init__(self, min_classes: int = 3) -> None:
        self.min_classes = min_classes

    def validate(self, password: str, user: Any = None) -> None:
        if len(character_classes(password)) < self.min_classes:
            raise ValidationError(self._message(), code="password_too_few_classes")

    def _message(self) -> str:
        return ngettext(
            "The password must mix at least %(n)d kind of character: upper-case letters, "
            "lower-case letters, digits and symbols.",
            "The password must mix at least %(n)d kinds of character: upper-case letters, "
            "lower-case letters, digits and symbols.",
            self.min_classes,
        ) % {"n": self.min_classes}

    def get_help_text(self) -> str:
        return self._message()


class NotUsernameValidator:
    """The password neither is nor contains the user name (in any case).

    A user name shorter than three characters is only refused as the whole password: as a
    part it would forbid nearly every password.
    """

    def validate(self, password: str, user: Any = None) -> None:
        username = (getattr(user, "username", "") or "").casefold()
        if not username:
            return
        folded = password.casefold()
        if folded == username or (len(username) >= 3 and username in folded):
            raise ValidationError(
                _("The password must not be or contain the user name."),
                code="password_contains_username",
            )

    def get_help_text(self) -> str:
        return _("The password must not be or contain the user name.")


class PasswordHistoryValidator:
    """None of the account's last `count` passwords, the present one included."""

    def __init__(self, count: int = 5) -> None:
        self.count = count

    def _recent(self, user: User) -> list[str]:
        return list(
            PasswordHistory.objects.filter(user_id=user.pk).values_list("password", flat=True)[
                : self.count
            ]
        )

    def validate(self, password: str, user: Any = None) -> None:
        if user is None or getattr(user, "pk", None) is None:
            return
        hashes = self._recent(user)
        if user.password and user.password not in hashes:
            hashes.append(user.password)  # accounts from before the history was kept
        if any(check_password(password, stored) for stored in hashes):
            raise ValidationError(self._message(), code="password_reused")

    def password_changed(self, password: str, user: Any = None) -> None:
        if user is None or getattr(user, "pk", None) is None or not user.has_usable_password():
            return
        PasswordHistory.objects.create(user_id=user.pk, password=user.password)
        keep = PasswordHistory.objects.filter(user_id=user.pk).values_list("pk", flat=True)[
            : self.count
        ]
        PasswordHistory.objects.filter(user_id=user.pk).exclude(pk__in=list(keep)).delete()

    def _message(self) -> str:
        return ngettext(
            "The password must differ from the last password.",
            "The password must differ from each of the last %(n)d passwords.",
            self.count,
        ) % {"n": self.count}

    def get_help_text(self) -> str:
        return self._message()


def password_expires_at(user: User) -> datetime.datetime | None:
    days = settings.PASSWORD_MAX_AGE_DAYS
    if days <= 0:
        return None
    return user.password_changed_at + datetime.timedelta(days=days)


def password_change_reason(user: User, now: datetime.datetime | None = None) -> str | None:
    """Why the user must choose a new password before anything else: "required" (an
    administrator created the account or reset its password), "expired", or None."""
    if not user.is_authenticated or not user.has_usable_password():
        return None
    if settings.DEMO_ACCOUNTS and user.is_demo_account:
        return None
    if user.must_change_password:
        return "required"
    expires = password_expires_at(user)
    if expires is not None and (now or timezone.now()) >= expires:
        return "expired"
    return None
