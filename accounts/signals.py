"""Token revocation (signing out deletes the user's API token, a password change all of them),
the security log told of every change to an account's powers, from wherever it is made, and a
page session's clocks (idle timeout, absolute limit) started at sign-in."""

from __future__ import annotations

import logging

from axes.signals import user_locked_out
from django.conf import settings
from django.contrib.auth import SESSION_KEY, user_logged_in, user_logged_out
from django.contrib.auth.signals import user_login_failed
from django.db import transaction
from django.db.models.signals import m2m_changed, post_save, pre_save
from django.dispatch import receiver
from django.http import HttpRequest
from rest_framework.authtoken.models import Token

from audit.context import current_request, current_user
from audit.events import SecurityKind, security_event

from . import second_factor, sessions, sso
from .models import User
from .second_factor import has_second_factor

# What an account may do: a change of any of these is a role change for the security log.
POWER_FIELDS = ("role", "is_active", "is_staff", "is_superuser")

logger = logging.getLogger("accounts.auth")


@receiver(user_logged_in)
def start_session_clocks(sender, request, user: User, **kwargs) -> None:
    # Only a page session (django.contrib.auth.login puts the user in it before this signal);
    # the token endpoint signs in without one.
    session = getattr(request, "session", None)
    if session is None or SESSION_KEY not in session:
        return
    sessions.start(session)
    session[sessions.ENROLLED] = has_second_factor(user)


@receiver(user_logged_out)
def revoke_tokens_on_logout(sender, request, user: User | None, **kwargs) -> None:
    if user is not None:
        Token.objects.filter(user=user).delete()


@receiver(pre_save, sender=User)
def read_the_stored_account(sender, instance: User, raw: bool, **kwargs) -> None:
    """Revoke the tokens on a password change, and remember the powers before the save."""
    if raw or instance.pk is None:
        instance._powers_before = None  # type: ignore[attr-defined]
        return
    stored = User.objects.filter(pk=instance.pk).values("password", *POWER_FIELDS).first()
    instance._powers_before = stored  # type: ignore[attr-defined]
    if stored is not None and stored["password"] != instance.password:
        deleted, _rows = Token.objects.filter(user_id=instance.pk).delete()
        if deleted:
            logger.info("password changed: %d token(s) of %s revoked", deleted, instance.username)


def _announce(user: User, detail: dict) -> None:
    # After the commit: a change rolled back was never made. Who made it, and from where, is
    # read now, while the request or the command is still the one making it.
    actor, request = current_user(), current_request()
    transaction.on_commit(
        lambda: security_event.send(
            sender=User,
            kind=SecurityKind.ROLE_CHANGED,
            request=request,
            user=actor,
            detail={"user_id": user.pk, "account": user.username, **detail},
        )
    )


@receiver(post_save, sender=User)
def announce_a_change_of_powers(sender, instance: User, created: bool, raw: bool, **kwargs) -> None:
    if raw:
        return
    before = getattr(instance, "_powers_before", None) or {}
    changes = {
        name: [before.get(name), getattr(instance, name)]
        for name in POWER_FIELDS
        if created or before.get(name) != getattr(instance, name)
    }
    if changes and (created or before):
        _announce(instance, {"changes": changes})


@receiver(m2m_changed, sender=User.groups.through)
@receiver(m2m_changed, sender=User.user_permissions.through)
def announce_a_change_of_groups_or_permissions(
    sender, instance, action: str, reverse: bool, pk_set, **kwargs
) -> None:
    if action not in ("post_add", "post_remove", "post_clear"):
        return
    field = "groups" if sender is User.groups.through else "user_permissions"
    step = action.removeprefix("post_")
    if not reverse:
        _announce(instance, {field: {step: sorted(pk_set or [])}})
    elif pk_set:  # group.user_set.add(...): each account named, the group or permission given
        for user in User.objects.filter(pk__in=pk_set):
            _announce(user, {field: {step: [instance.pk]}})


def sign_in_way(user: User, request: HttpRequest | None) -> str:
    """How a sign-in came: the directory, the provider, a token, or a password here."""
    via = sso.BACKENDS.get(getattr(user, "backend", ""))
    if via is not None:
        return via
    session = getattr(request, "session", None)
    return "local" if session is not None and SESSION_KEY in session else "token"


@receiver(user_logged_in)
def announce_sign_in(sender, request: HttpRequest | None, user: User, **kwargs) -> None:
    security_event.send(
        sender=User,
        kind=SecurityKind.LOGIN,
        request=request,
        user=user,
        detail={"via": sign_in_way(user, request), "username": user.username},
    )


@receiver(user_logged_out)
def announce_sign_out(sender, request: HttpRequest | None, user: User | None, **kwargs) -> None:
    if user is None:
        return
    security_event.send(
        sender=User,
        kind=SecurityKind.LOGOUT,
        request=request,
        user=user,
        detail={"via": "session", "username": user.username},
    )


@receiver(user_login_failed)
def log_failed_login(sender, credentials: dict, request=None, **kwargs) -> None:
    # django-axes counts the failure; this line is for the operators' log.
    username = str(credentials.get("username", ""))
    address = request.META.get("REMOTE_ADDR", "?") if request is not None else "-"
    path = getattr(request, "path", "-")
    logger.warning("login failed: user %r from %s on %s", username, address, path)
    # A wrong second-factor code is its own event (second_factor.py); a sign-on refused by
    # the directory or the provider was logged with its reason (sso.refuse).
    if sender == second_factor.__name__ or getattr(request, "sign_on_refusal_logged", False):
        return
    security_event.send(
        sender=User,
        kind=SecurityKind.LOGIN_FAILED,
        request=request,
        user=None,
        detail={"via": "password", "username": username},
    )


@receiver(user_locked_out)
def announce_lockout(sender, request=None, username: str = "", ip_address: str = "", **kwargs):
    # django-axes tells of a lockout at the failure that reaches the limit, and again at each
    # attempt refused while it lasts (those are failed sign-ins, logged as such): only the
    # first is the lockout.
    failures = getattr(request, "axes_failures_since_start", None)
    if failures is None or failures > settings.AXES_FAILURE_LIMIT:
        return
    security_event.send(
        sender=User,
        kind=SecurityKind.LOCKED,
        request=request,
        user=None,
        detail={"username": str(username or ""), "address": str(ip_address or "")},
    )
