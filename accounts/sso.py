"""What LDAP and OpenID Connect sign-on share: role and unit from the directory, refusals, events.

A person who signs on through the directory (LDAP) or the provider (OpenID Connect) gets an
account here on first sign-in, with the role and unit the directory says, refreshed at every
sign-in after. Accounts of our own, those with a password here, and superusers never sign in
through either, and the directory never changes them: the local admin stays local.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from audit.events import SecurityKind, security_event

from .models import Unit, User

logger = logging.getLogger("accounts.auth")

LDAP = "ldap"
OIDC = "oidc"
# The backend each way signs in through (config.sso names the same paths for the settings).
BACKENDS = {
    "accounts.ldap_backend.DirectoryBackend": LDAP,
    "accounts.oidc.ProviderBackend": OIDC,
}

# Why a sign-on was refused; the security log's detail carries the code.
REASONS = {
    "disabled": _("The directory has disabled this account."),
    "no_role": _("The directory gives this account no role in the tracker."),
    "no_unit": _("The directory names no known unit for this unit liaison."),
    "local_account": _("This is a local account: sign in with its own password."),
    "inactive": _("This account is deactivated here."),
    "no_username": _("The provider sent no user name."),
    "unavailable": _("The directory could not be reached."),
}


def conf(name: str) -> Any:
    """A sign-on setting; config/sso.py makes them from the environment, so the settings
    module names them only at run time."""
    return getattr(settings, name)


class SignOnRefused(Exception):
    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def refuse(
    *, via: str, reason: str, username: str, request: HttpRequest | None, user: User | None = None
) -> SignOnRefused:
    """Tell the security log and the operators' log, and return the exception to raise."""
    logger.warning("%s sign-on refused for %r: %s", via, username, reason)
    if request is not None:
        # Django's own failure signal follows; this row already says why (signals.py).
        request.sign_on_refusal_logged = True  # type: ignore[attr-defined]
    security_event.send(
        sender=refuse,
        kind=SecurityKind.LOGIN_FAILED,
        request=request,
        user=user,
        detail={"via": via, "username": username, "reason": reason},
    )
    return SignOnRefused(reason)


def first_role(candidates: Iterable[str]) -> str | None:
    """The widest of the roles given (User.Role's order: admin first, liaison last)."""
    given = set(candidates)
    return next((role for role in User.Role.values if role in given), None)


def unit_named(value: str) -> Unit | None:
    """The active unit of this name, or of this short name when only one unit has it."""
    value = value.strip()
    if not value:
        return None
    unit = Unit.objects.filter(is_active=True, name=value).first()
    if unit is not None:
        return unit
    by_short_name = list(Unit.objects.filter(is_active=True, short_name=value)[:2])
    return by_short_name[0] if len(by_short_name) == 1 else None


def check_existing(
    user: User | None, *, via: str, username: str, request: HttpRequest | None
) -> None:
    """Refuse a local account, a superuser, or an account deactivated here."""
    if user is None or user.pk is None:
        return
    if user.is_superuser or user.has_usable_password():
        raise refuse(via=via, reason="local_account", username=username, request=request, user=user)
    if not user.is_active:
        raise refuse(via=via, reason="inactive", username=username, request=request, user=user)


def apply_role_and_unit(
    user: User,
    *,
    role: str | None,
    unit_value: str,
    via: str,
    username: str,
    request: HttpRequest | None,
) -> None:
    """Set the directory's role and unit on the (possibly unsaved) user, or refuse."""
    existing = user if user.pk is not None else None
    if role is None:
        raise refuse(via=via, reason="no_role", username=username, request=request, user=existing)
    unit = unit_named(unit_value)
    if role == User.Role.LIAISON and unit is None:
        raise refuse(via=via, reason="no_unit", username=username, request=request, user=existing)
    if existing is not None and (
        existing.role != role or existing.unit_id != getattr(unit, "pk", None)
    ):
        security_event.send(
            sender=apply_role_and_unit,
            kind=SecurityKind.ROLE_CHANGED,
            request=request,
            user=existing,
            detail={
                "via": via,
                "username": username,
                "role": [existing.role, role],
                "unit": [existing.unit_id, getattr(unit, "pk", None)],
            },
        )
    user.role = role
    user.unit = unit
