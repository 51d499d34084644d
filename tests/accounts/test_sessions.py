"""Session limits: 30 idle minutes on pages and API tokens, an absolute limit, and the notice
on the sign-in page when a session ended for idleness."""

from __future__ import annotations

import datetime

import pytest
from django.conf import settings
from django.test import Client
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from .sign_on import PASSWORD, password_step

pytestmark = pytest.mark.django_db

MINUTE = datetime.timedelta(minutes=1)
IDLE_NOTICE = "由于长时间未操作"


def test_the_limits_are_thirty_idle_minutes_and_eight_hours():
    assert settings.SESSION_IDLE_TIMEOUT_MINUTES == 30
    assert settings.SESSION_MAX_AGE_HOURS == 8


def test_a_page_session_ends_after_thirty_idle_minutes(liaison_a, clock, events):
    client = Client()
    assert password_step(client, "liaison_a").status_code == 302
    clock.shift(29 * MINUTE)
    assert client.get("/measures/").status_code == 200
    clock.shift(29 * MINUTE)
    assert client.get("/measures/").status_code == 200  # each request starts the clock again
    clock.shift(30 * MINUTE)

    response = client.get("/measures/")

    assert response.status_code == 302
    assert response["Location"] == "/login/?next=/measures/"
    assert ("idle_expired", {"user": liaison_a.pk, "via": "session"}) in events
    sign_in = client.get(response["Location"])
    assert IDLE_NOTICE in sign_in.content.decode()
    assert IDLE_NOTICE not in client.get("/login/").content.decode()  # said once
    assert client.get("/measures/")["Location"].startswith("/login/")  # signed out


def test_the_api_in_a_page_session_answers_401_when_idle(liaison_a, clock):
    client = Client()
    client.force_login(liaison_a)
    clock.shift(31 * MINUTE)

    response = client.get("/api/v1/me/")

    assert response.status_code == 401
    assert response.json()["code"] == "session_idle"
    assert IDLE_NOTICE in response.json()["detail"]


def test_a_busy_session_still_ends_at_the_absolute_limit(liaison_a, clock, events):
    client = Client()
    client.force_login(liaison_a)
    for _ in range(int(8 * 60 / 20) - 1):
        clock.shift(20 * MINUTE)
        assert client.get("/measures/").status_code == 200
    clock.shift(20 * MINUTE)

    response = client.get("/measures/")

    assert response["Location"].startswith("/login/")
    assert "session_expired" in [kind for kind, _ in events]
    assert "idle_expired" not in [kind for kind, _ in events]
    notice = client.get(response["Location"]).content.decode()
    assert "时限" in notice and IDLE_NOTICE not in notice


def token_of(username: str) -> str:
    response = APIClient().post(
        "/api/v1/auth/token/", {"username": username, "password": PASSWORD}, format="json"
    )
    assert response.status_code == 200
    return response.json()["token"]


def with_token(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def test_an_api_token_ends_after_thirty_idle_minutes(liaison_a, clock, events):
    key = token_of("liaison_a")
    for _ in range(3):
        clock.shift(25 * MINUTE)
        assert with_token(key).get("/api/v1/me/").status_code == 200
    clock.shift(30 * MINUTE)

    response = with_token(key).get("/api/v1/me/")

    assert response.status_code in (401, 403)
    assert "未使用" in response.json()["detail"]
    assert not Token.objects.filter(key=key).exists()
    assert ("idle_expired", {"user": liaison_a.pk, "via": "token"}) in events


def test_an_api_token_used_all_along_ends_at_its_lifetime(liaison_a, clock, events):
    key = token_of("liaison_a")
    for _ in range(int(settings.TOKEN_TTL_HOURS * 60 / 20) - 1):
        clock.shift(20 * MINUTE)
        assert with_token(key).get("/api/v1/me/").status_code == 200
    clock.shift(20 * MINUTE)

    assert with_token(key).get("/api/v1/me/").status_code in (401, 403)
    assert ("session_expired", {"user": liaison_a.pk, "via": "token"}) in events
