"""Logins: lockout after repeated failures on every path, tokens that expire and are revoked."""

from __future__ import annotations

import datetime
import logging

import pytest
from axes.models import AccessAttempt
from django.test import Client
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from accounts.models import User
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "pass-12345"  # the factories' password
WRONG = "wrong-password"


def token_login(username: str, password: str, client: APIClient | None = None):
    return (client or APIClient()).post(
        "/api/v1/auth/token/", {"username": username, "password": password}, format="json"
    )


def page_login(path: str, username: str, password: str, client: Client | None = None):
    return (client or Client()).post(path, {"username": username, "password": password})


@pytest.fixture
def clerk(db) -> User:
    return UserFactory(username="reviewer", role=User.Role.OFFICE, is_staff=True)


def test_thirty_wrong_passwords_on_the_token_endpoint_lock_the_account(clerk, caplog):
    caplog.set_level(logging.INFO)
    answers = [token_login("reviewer", WRONG).status_code for _ in range(30)]
    assert answers[:4] == [400] * 4
    assert set(answers[4:]) == {429}

    response = token_login("reviewer", PASSWORD)
    assert response.status_code == 429
    assert response.json()["code"] == "locked_out"
    assert "minutes" in response.json()["detail"] or "分钟" in response.json()["detail"]
    failures = [r.getMessage() for r in caplog.records if r.getMessage().startswith("login failed")]
    assert len(failures) >= 5 and "'reviewer'" in failures[0]


@pytest.mark.parametrize("path", ["/login/", "/admin/login/"])
def test_the_sign_in_pages_lock_out_after_repeated_failures(clerk, path, caplog):
    caplog.set_level(logging.INFO)
    for _ in range(5):
        assert page_login(path, "reviewer", WRONG).status_code in (200, 429)
    response = page_login(path, "reviewer", PASSWORD)
    assert response.status_code == 429
    assert "15" in response.content.decode()
    assert any("locked out" in r.getMessage() for r in caplog.records)


def test_failures_from_one_address_lock_that_address_for_every_account(clerk):
    for n in range(5):
        token_login(f"nobody{n}", WRONG)
    assert token_login("reviewer", PASSWORD).status_code == 429
    assert token_login("reviewer", PASSWORD, APIClient(REMOTE_ADDR="10.0.0.9")).status_code == 200


def test_failures_from_many_addresses_lock_the_account_everywhere(clerk):
    for n in range(5):
        token_login("reviewer", WRONG, APIClient(REMOTE_ADDR=f"10.0.1.{n}"))
    assert token_login("reviewer", PASSWORD, APIClient(REMOTE_ADDR="10.0.2.1")).status_code == 429


def test_an_admin_unlocks_an_account_in_the_admin(clerk):
    root = User.objects.create_superuser("root", "root@example.gov.cn", "Xuncha-2026-ok")
    for _ in range(5):
        token_login("reviewer", WRONG, APIClient(REMOTE_ADDR="10.0.0.7"))
    assert token_login("reviewer", PASSWORD, APIClient(REMOTE_ADDR="10.0.0.8")).status_code == 429

    admin = Client()
    admin.force_login(root)
    attempt = AccessAttempt.objects.get(username="reviewer")
    response = admin.post(f"/admin/axes/accessattempt/{attempt.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert token_login("reviewer", PASSWORD, APIClient(REMOTE_ADDR="10.0.0.8")).status_code == 200


def test_a_success_resets_the_count(clerk):
    for _ in range(3):
        token_login("reviewer", WRONG)
    assert token_login("reviewer", PASSWORD).status_code == 200
    for _ in range(3):
        token_login("reviewer", WRONG)
    assert token_login("reviewer", PASSWORD).status_code == 200


# --- Tokens ----------------------------------------------------------------------------------


def authed(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def test_a_token_answers_with_its_expiry_and_works_until_then(clerk):
    body = token_login("reviewer", PASSWORD).json()
    expires = datetime.datetime.fromisoformat(body["expires_at"])
    assert datetime.timedelta(hours=11) < expires - timezone.now() <= datetime.timedelta(hours=12)
    assert authed(body["token"]).get("/api/v1/me/").status_code == 200


def test_an_expired_token_is_refused_and_deleted(clerk):
    key = token_login("reviewer", PASSWORD).json()["token"]
    Token.objects.filter(key=key).update(created=timezone.now() - datetime.timedelta(hours=13))
    assert authed(key).get("/api/v1/me/").status_code in (401, 403)
    assert not Token.objects.filter(key=key).exists()
    fresh = token_login("reviewer", PASSWORD).json()["token"]
    assert fresh != key


def test_signing_out_of_the_api_revokes_the_token(clerk):
    key = token_login("reviewer", PASSWORD).json()["token"]
    assert authed(key).post("/api/v1/auth/logout/").status_code == 204
    assert authed(key).get("/api/v1/me/").status_code in (401, 403)


def test_signing_out_of_the_site_revokes_the_token(clerk):
    key = token_login("reviewer", PASSWORD).json()["token"]
    browser = Client()
    assert page_login("/login/", "reviewer", PASSWORD, browser).status_code == 302
    browser.post("/logout/")
    assert authed(key).get("/api/v1/me/").status_code in (401, 403)


def test_a_password_change_revokes_every_token(clerk, admin_user, client_for):
    key = token_login("reviewer", PASSWORD).json()["token"]
    response = client_for(admin_user).patch(
        f"/api/v1/users/{clerk.pk}/", {"password": "Changed-pass-2026"}
    )
    assert response.status_code == 200
    assert authed(key).get("/api/v1/me/").status_code in (401, 403)


def test_a_password_changed_by_the_user_revokes_tokens_too(clerk):
    key = token_login("reviewer", PASSWORD).json()["token"]
    clerk.set_password("Changed-pass-2026")
    clerk.save()
    assert authed(key).get("/api/v1/me/").status_code in (401, 403)
