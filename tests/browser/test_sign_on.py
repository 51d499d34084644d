"""A real Chromium: an office clerk enrols a second factor from the key the page shows, then
leaves the page open past a (shortened) idle timeout and lands on the sign-in page with its
notice. Runs with the production second-factor policy."""

from __future__ import annotations

import re
from base64 import b32decode

import pytest
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from .conftest import TIMEOUT_MS, shoot

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.otp_policy,
]

PASSWORD = "pass-12345"  # tests.factories.UserFactory's


def code_for(key: str) -> str:
    """What an authenticator app shows for the key typed from the page."""
    raw = key.replace(" ", "")
    secret = b32decode(raw + "=" * (-len(raw) % 8))
    return f"{totp(secret):06d}"


def test_an_office_clerk_enrols_a_second_factor_and_is_signed_out_when_idle(
    open_page, live_server, office, settings
):
    page = open_page()
    refused_by_csp: list[str] = []
    page.on(
        "console",
        lambda m: refused_by_csp.append(m.text) if "Content Security Policy" in m.text else None,
    )
    page.goto(f"{live_server.url}/login/")
    page.fill("input[name=username]", office.username)
    page.fill("input[name=password]", PASSWORD)
    page.click("form button[type=submit]")

    # The clerk's role needs a second factor: enrolment is the only page open.
    page.wait_for_url("**/account/second-factor/")
    assert page.locator(".qr svg").is_visible()
    shoot(page, "otp_enrolment")
    page.goto(f"{live_server.url}/measures/")
    page.wait_for_url(re.compile(r".*/account/second-factor/\?next=%2Fmeasures%2F$"))

    key = page.inner_text("#otp-key")
    assert re.fullmatch(r"[A-Z2-7 ]+", key)
    page.fill("input[name=code]", code_for(key))
    page.click("form button[type=submit]")
    page.wait_for_url("**/account/second-factor/recovery-codes/**")
    codes = page.locator("#recovery-codes li").all_inner_texts()
    assert len(codes) == 10
    shoot(page, "otp_recovery_codes")

    # Left open past the idle timeout (three seconds here), the page asks the server again
    # and the server ends the session.
    settings.SESSION_IDLE_TIMEOUT_MINUTES = 3 / 60
    page.click("a.button")
    page.wait_for_url("**/measures/")
    assert TOTPDevice.objects.get(user=office).confirmed
    assert page.get_attribute('meta[name="session-idle-seconds"]', "content") == "3"
    page.wait_for_url(re.compile(r".*/login/\?next=/measures/$"), timeout=TIMEOUT_MS)
    notice = page.locator("#session-notice")
    notice.wait_for()
    assert "由于长时间未操作" in notice.inner_text()
    shoot(page, "idle_signed_out")
    assert not refused_by_csp, refused_by_csp
