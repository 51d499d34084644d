"""Helpers of the sign-on tests: an enrolled authenticator, its code now, signing in."""

from __future__ import annotations

from django.test import Client
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import User
from accounts.second_factor import recovery_codes_issue

PASSWORD = "pass-12345"  # the factories'


def enrol(user: User) -> tuple[TOTPDevice, list[str]]:
    """An authenticator already confirmed, and fresh recovery codes."""
    device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)
    return device, recovery_codes_issue(user=user)


def code_of(device: TOTPDevice) -> str:
    """What the authenticator app shows now (the test's clock)."""
    device.refresh_from_db()
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def wrong_code(device: TOTPDevice) -> str:
    right = code_of(device)
    return "000000" if right != "000000" else "111111"


def password_step(client: Client, username: str, password: str = PASSWORD):
    return client.post("/login/", {"username": username, "password": password})
