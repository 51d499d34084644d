"""The second factor: required per role, a code after the password, recovery codes, lockout,
the token endpoint, and the security administrator's reset. Runs with the production policy
(admin and office need a second factor)."""

from __future__ import annotations

import datetime
import re

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.test import Client
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from accounts.models import User
from accounts.second_factor import can_reset_second_factor, reset_second_factor
from config.errors import NotAllowed

from ..factories import UserFactory
from .sign_on import PASSWORD, code_of, enrol, password_step, wrong_code

pytestmark = [pytest.mark.django_db, pytest.mark.otp_policy]

STEP = datetime.timedelta(seconds=30)  # a new TOTP code; also past django-otp's throttle


def test_the_production_policy_asks_admin_and_office():
    assert settings.OTP_REQUIRED_ROLES == [
        "system_admin",
        "security_admin",
        "audit_admin",
        "office",
    ]


def test_an_office_user_without_a_device_reaches_only_enrolment(office, measure_a):
    client = Client()
    client.force_login(office)

    for page in ("/measures/", f"/measures/{measure_a.pk}/", "/", "/admin/", "/account/password/"):
        response = client.get(page)
        assert response.status_code == 302, page
        assert response["Location"].startswith("/account/second-factor/"), page
    api = client.get("/api/v1/me/")
    assert api.status_code == 403
    assert api.json()["code"] == "otp_enrol_required"
    assert "双因素" in api.json()["detail"] or "second factor" in api.json()["detail"]

    enrolment = client.get("/account/second-factor/")
    assert enrolment.status_code == 200
    body = enrolment.content.decode()
    assert "<svg" in body and 'id="otp-key"' in body
    assert "http://" not in body.split("<svg", 1)[1].split("</svg>", 1)[0].replace(
        "http://www.w3.org/2000/svg", ""
    )  # drawn here, nothing fetched
    assert client.post("/i18n/setlang/", {"language": "en", "next": "/"}).status_code == 302
    assert client.post("/logout/").status_code == 302
    assert client.get("/measures/").status_code == 302  # signed out: the sign-in page now
    assert client.get("/measures/")["Location"].startswith("/login/")


def test_a_liaison_without_a_device_is_not_asked_for_one(liaison_a):
    client = Client()
    client.force_login(liaison_a)

    assert client.get("/measures/").status_code == 200


def test_enrolment_confirms_the_key_with_a_code_and_shows_recovery_codes_once(
    office, clock, events
):
    client = Client()
    client.force_login(office)
    page = client.get("/account/second-factor/").content.decode()
    device = TOTPDevice.objects.get(user=office, confirmed=False)
    shown_key = re.search(r'id="otp-key">([A-Z2-7 ]+)<', page).group(1).replace(" ", "")
    assert shown_key == __import__("base64").b32encode(device.bin_key).decode().rstrip("=")

    refused = client.post("/account/second-factor/", {"code": wrong_code(device)})
    assert refused.status_code == 400
    assert not TOTPDevice.objects.get(pk=device.pk).confirmed
    clock.shift(STEP)
    confirmed = client.post("/account/second-factor/", {"code": code_of(device)})

    assert confirmed.status_code == 302
    assert confirmed["Location"] == "/account/second-factor/recovery-codes/"
    assert TOTPDevice.objects.get(pk=device.pk).confirmed
    codes_page = client.get("/account/second-factor/recovery-codes/").content.decode()
    codes = re.findall(r"<li><code>([a-z2-7]+)</code></li>", codes_page)
    assert len(codes) == 10
    assert set(codes) == set(StaticToken.objects.values_list("token", flat=True))
    assert client.get("/account/second-factor/recovery-codes/").status_code == 302  # once
    assert client.get("/measures/").status_code == 200  # enrolled and verified: every page
    assert [kind for kind, _ in events if kind != "login"] == ["otp_failed", "otp_enrolled"]


def test_an_enrolled_user_gives_the_code_after_the_password(liaison_a, clock):
    device, _codes = enrol(liaison_a)
    client = Client()

    response = password_step(client, "liaison_a")
    assert response.status_code == 302
    assert response["Location"] == "/account/second-factor/verify/"
    assert client.get("/measures/")["Location"].startswith("/login/")  # not signed in yet
    assert client.get("/api/v1/me/").status_code == 403
    verified = client.post("/account/second-factor/verify/", {"code": code_of(device)})

    assert verified.status_code == 302
    assert client.get("/measures/").status_code == 200
    assert client.get("/api/v1/me/").json()["username"] == "liaison_a"


def test_a_wrong_code_is_refused_and_counted_toward_the_lockout(office, clock, events):
    device, _codes = enrol(office)
    client = Client()
    password_step(client, "clerk")

    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        refused = client.post("/account/second-factor/verify/", {"code": wrong_code(device)})
        assert refused.status_code == 400
        assert "验证码错误" in refused.content.decode() or "wrong" in refused.content.decode()
        clock.shift(STEP)
    assert AccessAttempt.objects.get(username="clerk").failures_since_start == 4
    last = client.post("/account/second-factor/verify/", {"code": wrong_code(device)})

    assert last.status_code == 429
    # Locked: the right password and the right code are refused alike now.
    assert password_step(Client(), "clerk").status_code == 429
    assert [k for k, _ in events].count("otp_failed") == settings.AXES_FAILURE_LIMIT


def test_signing_in_again_with_the_password_does_not_reset_the_count(office, clock):
    device, _codes = enrol(office)
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client = Client()
        assert password_step(client, "clerk").status_code in (302, 429)
        client.post("/account/second-factor/verify/", {"code": wrong_code(device)})
        clock.shift(STEP)

    assert password_step(Client(), "clerk").status_code == 429


def test_a_recovery_code_works_once(office, clock, events):
    _device, codes = enrol(office)
    client = Client()
    password_step(client, "clerk")

    used = client.post("/account/second-factor/verify/", {"code": codes[0].upper()})
    assert used.status_code == 302
    assert client.get("/measures/").status_code == 200
    assert ("recovery_used", {"user": office.pk, "remaining": 9}) in events
    client.post("/logout/")
    clock.shift(STEP)
    again = Client()
    password_step(again, "clerk")

    assert again.post("/account/second-factor/verify/", {"code": codes[0]}).status_code == 400
    assert again.post("/account/second-factor/verify/", {"code": codes[1]}).status_code == 400
    clock.shift(STEP)  # django-otp's own throttle after a refusal
    assert again.post("/account/second-factor/verify/", {"code": codes[1]}).status_code == 302


def test_another_login_path_still_meets_the_code_step(office, clock):
    device, _codes = enrol(office)
    client = Client()
    client.force_login(office)  # as the admin's sign-in or a directory sign-on would

    assert client.get("/measures/")["Location"].startswith("/account/second-factor/verify/")
    # A password alone never replaces an authenticator.
    assert client.get("/account/second-factor/")["Location"] == "/account/second-factor/verify/"
    assert client.post("/account/second-factor/verify/", {"code": code_of(device)}).status_code
    assert client.get("/measures/").status_code == 200


def test_the_admin_sign_in_takes_the_code_step_too(admin_user, clock):
    device, _codes = enrol(admin_user)
    client = Client()

    response = client.post(
        "/admin/login/?next=/admin/", {"username": "admin", "password": PASSWORD, "next": "/admin/"}
    )

    assert response["Location"] == "/account/second-factor/verify/"
    assert client.get("/admin/").status_code == 302
    assert client.post("/account/second-factor/verify/", {"code": code_of(device)}).status_code
    assert client.get("/admin/").status_code == 200


# --- The token endpoint ----------------------------------------------------------------------


def token(username: str, **extra):
    return APIClient().post(
        "/api/v1/auth/token/", {"username": username, "password": PASSWORD, **extra}, format="json"
    )


def test_the_token_sign_in_asks_an_enrolled_account_for_its_code(liaison_a, clock):
    device, _codes = enrol(liaison_a)

    missing = token("liaison_a")
    assert missing.status_code == 400
    assert "otp" in missing.json()
    assert "验证码" in missing.json()["otp"][0]
    wrong = token("liaison_a", otp=wrong_code(device))
    assert wrong.status_code == 401
    assert wrong.json()["code"] == "otp_invalid"
    assert "验证码" in wrong.json()["detail"]
    clock.shift(STEP)
    right = token("liaison_a", otp=code_of(device))
    assert right.status_code == 200
    assert Token.objects.filter(key=right.json()["token"], user=liaison_a).exists()


def test_the_token_sign_in_refuses_a_role_that_needs_a_second_factor_it_lacks(office):
    response = token("clerk")

    assert response.status_code == 403
    assert response.json()["code"] == "otp_enrolment_required"
    assert "双因素" in response.json()["detail"]


def test_wrong_codes_at_the_token_endpoint_lock_out_as_well(liaison_a, clock):
    device, _codes = enrol(liaison_a)
    answers = []
    for _ in range(settings.AXES_FAILURE_LIMIT):
        answers.append(token("liaison_a", otp=wrong_code(device)).status_code)
        clock.shift(STEP)

    assert answers == [401] * (settings.AXES_FAILURE_LIMIT - 1) + [429]
    assert token("liaison_a", otp=code_of(device)).status_code == 429


# --- Reset by the security administrator ----------------------------------------------------


@pytest.fixture
def root(db) -> User:
    return User.objects.create_superuser("root", "root@example.gov.cn", "Xuncha-2026-ok")


def test_who_may_reset_a_second_factor(
    root, office, office2, system_admin, security_admin, audit_admin
):
    assert can_reset_second_factor(root, office)  # the superuser, until it is disabled
    assert not can_reset_second_factor(root, root)  # never one's own
    assert not can_reset_second_factor(office2, office)
    assert not can_reset_second_factor(system_admin, office)
    assert not can_reset_second_factor(audit_admin, office)
    assert can_reset_second_factor(security_admin, office)
    assert not can_reset_second_factor(security_admin, security_admin)
    with pytest.raises(NotAllowed):
        reset_second_factor(office, office)


def signed_in_with_code(user: User) -> Client:
    device, _codes = enrol(user)
    client = Client()
    client.force_login(user)
    assert client.post("/account/second-factor/verify/", {"code": code_of(device)}).status_code
    return client


def test_the_security_administrator_resets_a_lost_device(root, office, clock, events):
    enrol(office)
    Token.objects.create(user=office)
    client = signed_in_with_code(root)

    assert client.get(f"/accounts/{office.pk}/second-factor/reset/").status_code == 200
    response = client.post(f"/accounts/{office.pk}/second-factor/reset/")

    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=office).exists()
    assert not StaticToken.objects.filter(device__user=office).exists()
    assert not Token.objects.filter(user=office).exists()
    assert ("otp_reset", office.pk) in [(kind, detail.get("user")) for kind, detail in events]
    # The office user enrols again at the next sign-in.
    again = Client()
    assert password_step(again, "clerk")["Location"] == "/"
    assert again.get("/measures/")["Location"].startswith("/account/second-factor/")


def test_nobody_else_reaches_the_reset_page(office2, leader, liaison_a):
    enrol(office2)
    for actor in (leader, liaison_a):
        client = Client()
        client.force_login(actor)
        assert client.get(f"/accounts/{office2.pk}/second-factor/reset/").status_code == 403
        assert client.post(f"/accounts/{office2.pk}/second-factor/reset/").status_code == 403
    assert TOTPDevice.objects.filter(user=office2).exists()


def test_the_admin_action_resets_the_selected_accounts(root, office, liaison_a, clock):
    enrol(office)
    enrol(liaison_a)
    client = signed_in_with_code(root)

    response = client.post(
        "/admin/accounts/user/",
        {"action": "reset_second_factor_action", "_selected_action": [office.pk, root.pk]},
    )

    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=office).exists()
    assert TOTPDevice.objects.filter(user=root).exists()  # not one's own
    assert TOTPDevice.objects.filter(user=liaison_a).exists()


def test_a_demo_account_needs_no_second_factor_only_while_demo_accounts_is_on(settings):
    demo = UserFactory(username="office", role=User.Role.OFFICE)
    User.objects.filter(pk=demo.pk).update(is_demo_account=True)
    demo.refresh_from_db()
    client = Client()
    client.force_login(demo)

    settings.DEMO_ACCOUNTS = True
    assert client.get("/measures/").status_code == 200
    settings.DEMO_ACCOUNTS = False
    assert client.get("/measures/")["Location"].startswith("/account/second-factor/")
