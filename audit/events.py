"""Security events: the one way any layer tells the security log that something happened.

Sign-on, the second factor, passwords, sessions, downloads and refusals live in the layers
above; this module, at the ground, only names the events and carries them. A sender calls
`security_event.send(sender=..., kind=SecurityKind.X, request=request, user=user, detail={})`;
the security log's receiver (in this app) writes one row per event into the audit chain.
"""

from __future__ import annotations

from django.db import models
from django.dispatch import Signal
from django.utils.translation import gettext_lazy as _


class SecurityKind(models.TextChoices):
    LOGIN = "login", _("Signed in")
    LOGIN_FAILED = "login_failed", _("Sign-in failed")
    LOGOUT = "logout", _("Signed out")
    IDLE_EXPIRED = "idle_expired", _("Session ended for idleness")
    SESSION_EXPIRED = "session_expired", _("Session reached its limit")
    OTP_ENROLLED = "otp_enrolled", _("Second factor enrolled")
    OTP_FAILED = "otp_failed", _("Second factor code refused")
    OTP_RESET = "otp_reset", _("Second factor reset")
    RECOVERY_USED = "recovery_used", _("Recovery code used")
    LOCKED = "locked", _("Account locked")
    UNLOCKED = "unlocked", _("Account unlocked")
    ROLE_CHANGED = "role_changed", _("Role or permissions changed")
    PASSWORD_CHANGED = "password_changed", _("Password changed")
    PASSWORD_RESET = "password_reset", _("Password reset")
    DOWNLOAD = "download", _("Download")
    SENSITIVE_VIEW = "sensitive_view", _("Clue or petition page opened")
    FORBIDDEN = "forbidden", _("Access refused (403)")


# Arguments: kind (SecurityKind), request (or None), user (or None: the request's user),
# detail (a dict of ids and names, never secrets).
security_event = Signal()
