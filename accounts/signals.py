"""Token revocation: signing out deletes the user's API token, a password change all of them;
and a page session's clocks (idle timeout, absolute limit) start at sign-in."""

from __future__ import annotations

import logging

from django.contrib.auth import SESSION_KEY, user_logged_in, user_logged_out
from django.contrib.auth.signals import user_login_failed
from django.db.models.signals import pre_save
from django.dispatch import receiver
from rest_framework.authtoken.models import Token

from . import sessions
from .models import User
from .second_factor import has_second_factor

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
def revoke_tokens_on_password_change(sender, instance: User, raw: bool, **kwargs) -> None:
    if raw or instance.pk is None:
        return
    stored = User.objects.filter(pk=instance.pk).values_list("password", flat=True).first()
    if stored is not None and stored != instance.password:
        deleted, _rows = Token.objects.filter(user_id=instance.pk).delete()
        if deleted:
            logger.info("password changed: %d token(s) of %s revoked", deleted, instance.username)


@receiver(user_login_failed)
def log_failed_login(sender, credentials: dict, request=None, **kwargs) -> None:
    # django-axes counts the failure; this line is for the operators' log.
    address = request.META.get("REMOTE_ADDR", "?") if request is not None else "-"
    path = getattr(request, "path", "-")
    logger.warning(
        "login failed: user %r from %s on %s", credentials.get("username", ""), address, path
    )
