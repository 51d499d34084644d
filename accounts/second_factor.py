"""The second factor: who needs one, enrolment, recovery codes, verification and reset.

TOTP devices and recovery codes are django-otp's (otp_totp, otp_static). A refused code is
a failed sign-in for django-axes, so codes and passwords share one lockout. Each step tells
the security log (audit.events).
"""

from __future__ import annotations

import re
from base64 import b32encode

import segno
from django.conf import settings
from django.contrib.auth.signals import user_login_failed
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django_otp import devices_for_user
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.authtoken.models import Token

from audit.events import SecurityKind, security_event
from config.errors import NotAllowed

from . import permissions
from .models import User

TOTP_NAME = "authenticator"
RECOVERY_NAME = "recovery"
_TOTP_CODE = re.compile(r"^\d{6}$")


def otp_required(user: User) -> bool:
    """The policy: the roles in OTP_REQUIRED_ROLES need a second factor (superusers count as
    admin); demo accounts do not while DEMO_ACCOUNTS is on."""
    if not user.is_authenticated:
        return False
    if settings.DEMO_ACCOUNTS and user.is_demo_account:
        return False
    roles = set(settings.OTP_REQUIRED_ROLES)
    return user.role in roles or (user.is_superuser and User.Role.SYSTEM_ADMIN in roles)


def verified(request: HttpRequest) -> bool:
    """Whether the request's session gave a second-factor code (django-otp's middleware)."""
    check = getattr(request.user, "is_verified", None)
    return bool(check is not None and check())


def has_second_factor(user: User) -> bool:
    """An enrolled (confirmed) authenticator; recovery codes alone do not count."""
    return TOTPDevice.objects.filter(user_id=user.pk, confirmed=True).exists()


def can_reset_second_factor(actor: User, user: User | None = None) -> bool:
    """Who may reset a lost second factor: whom accounts.permissions lets (the security
    administrator), and never their own."""
    if not actor.is_authenticated or not actor.is_active:
        return False
    return permissions.can_reset_second_factor(actor) and (user is None or user.pk != actor.pk)


def _emit(kind: SecurityKind, request: HttpRequest | None, user: User, **detail) -> None:
    security_event.send(
        sender=__name__, kind=kind, request=request, user=user, detail={"user": user.pk, **detail}
    )


# --- Enrolment --------------------------------------------------------------------------------


def enrolment_device(user: User) -> TOTPDevice:
    """The unconfirmed authenticator the enrolment page shows, made once and kept until
    confirmed, so that reloading the page does not change the key already scanned."""
    device = TOTPDevice.objects.filter(user_id=user.pk, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=TOTP_NAME, confirmed=False)
    return device


def manual_key(device: TOTPDevice) -> str:
    """The base32 secret in groups of four, for typing into an authenticator app."""
    key = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(key[i : i + 4] for i in range(0, len(key), 4))


def qr_svg(device: TOTPDevice) -> str:
    """The otpauth:// address as an inline SVG QR code: drawn here, nothing fetched."""
    return segno.make(device.config_url, error="m").svg_inline(scale=5, border=2)


@transaction.atomic
def enrol_confirm(
    *, request: HttpRequest | None, user: User, device: TOTPDevice, code: str
) -> list[str] | None:
    """Confirm the authenticator with a code from it; the new recovery codes, or None when
    the code is wrong (a refused code, counted like any other)."""
    device = TOTPDevice.objects.select_for_update().get(pk=device.pk, user_id=user.pk)
    if device.confirmed or not device.verify_token(normalise(code)):
        _refused(request, user, stage="enrolment")
        return None
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    TOTPDevice.objects.filter(user_id=user.pk).exclude(pk=device.pk).delete()
    codes = recovery_codes_issue(user=user)
    _emit(SecurityKind.OTP_ENROLLED, request, user, device=device.persistent_id)
    return codes


@transaction.atomic
def recovery_codes_issue(*, user: User) -> list[str]:
    """OTP_RECOVERY_CODES new single-use codes; any earlier ones stop working."""
    StaticDevice.objects.filter(user_id=user.pk).delete()
    device = StaticDevice.objects.create(user=user, name=RECOVERY_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(settings.OTP_RECOVERY_CODES)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=c) for c in codes])
    return codes


# --- Verification -----------------------------------------------------------------------------


def normalise(code: str) -> str:
    """What people type: spaces and hyphens dropped, recovery codes in lower case."""
    return re.sub(r"[\s-]", "", code or "").lower()


def verify_code(*, request: HttpRequest, user: User, code: str) -> Device | None:
    """The device that accepts `code` (six digits: the authenticator; otherwise a recovery
    code, used up), or None: then the refusal is counted towards the lockout, and
    `request.axes_locked_out` says whether it locked the account."""
    token = normalise(code)
    model: type[Device] = TOTPDevice if _TOTP_CODE.match(token) else StaticDevice
    matched: Device | None = None
    if token:
        with transaction.atomic():
            for device in devices_for_user(user, for_verify=True):
                if isinstance(device, model) and device.verify_token(token):
                    matched = device
                    break
    if matched is None:
        _refused(request, user, stage="verify")
        return None
    if isinstance(matched, StaticDevice):
        _emit(
            SecurityKind.RECOVERY_USED,
            request,
            user,
            remaining=matched.token_set.count(),
        )
    return matched


def _refused(request: HttpRequest | None, user: User, *, stage: str) -> None:
    # django-axes counts this like a wrong password, per account and per address.
    user_login_failed.send(
        sender=__name__, credentials={"username": user.get_username()}, request=request
    )
    _emit(SecurityKind.OTP_FAILED, request, user, stage=stage)


# --- Reset ------------------------------------------------------------------------------------


@transaction.atomic
def reset_second_factor(user: User, by: User, *, request: HttpRequest | None = None) -> None:
    """Remove a lost second factor: the authenticator, the recovery codes and the tokens
    issued with them. The user enrols again at their next sign-in (if their role needs it)."""
    if not can_reset_second_factor(by, user):
        raise NotAllowed(
            _("Only the security administrator may reset a second factor, and not their own.")
        )
    removed = [d.persistent_id for d in devices_for_user(user, confirmed=None)]
    TOTPDevice.objects.filter(user_id=user.pk).delete()
    StaticDevice.objects.filter(user_id=user.pk).delete()
    Token.objects.filter(user_id=user.pk).delete()
    security_event.send(
        sender=__name__,
        kind=SecurityKind.OTP_RESET,
        request=request,
        user=by,
        detail={"user": user.pk, "username": user.get_username(), "devices": removed},
    )
