"""Sign-in through a real OpenID provider: node's oidc-provider on loopback (sso/conftest.py)."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import Client

from accounts.models import User
from audit.events import SecurityKind
from config.sso import OIDC_BACKEND, oidc_settings

from ..factories import UserFactory
from .conftest import EDUCATION, ProviderUser, query_param, site_path, use_sign_on
from .test_ldap import education, events, signed_in_as  # noqa: F401  (fixtures)

pytestmark = pytest.mark.django_db

SITE = "http://testserver"  # Django's test client


@pytest.fixture
def provider(settings, start_provider, education):  # noqa: F811
    provider = start_provider(SITE)
    env = provider.env()
    use_sign_on(settings, env)
    yield provider
    cache.delete(f"oidc-discovery:{env['OIDC_OP_DISCOVERY_URL']}")


def sign_in(provider, login: str, client: Client | None = None) -> tuple[Client, ProviderUser]:
    """The sign-in page's button, the provider's login form, and back to the callback."""
    client = client or Client()
    start = client.get("/oidc/authenticate/")
    assert start.status_code == 302
    person = ProviderUser(provider, SITE)
    callback = person.sign_in(start["Location"], login)
    client.get(site_path(callback))
    return client, person


def test_openid_connect_is_off_unless_its_client_is_set(client, settings):
    assert oidc_settings({}) == {"OIDC_ENABLED": False}
    assert OIDC_BACKEND not in settings.AUTHENTICATION_BACKENDS
    assert client.get("/oidc/authenticate/").status_code == 404
    assert "使用统一身份认证登录" not in client.get("/login/").content.decode()


def test_the_sign_in_page_offers_the_unified_sign_on_when_it_is_on(client, provider):
    page = client.get("/login/?next=/tasks/").content.decode()
    assert "使用统一身份认证登录" in page
    assert 'href="/oidc/authenticate/?next=/tasks/"' in page


def test_the_flow_is_the_code_flow_with_pkce(client, provider):
    start = client.get("/oidc/authenticate/")
    location = start["Location"]
    assert location.startswith(f"{provider.issuer}/auth?")
    assert query_param(location, "response_type") == "code"
    assert query_param(location, "code_challenge_method") == "S256"
    assert len(query_param(location, "code_challenge") or "") == 43


def test_first_sign_in_creates_the_liaison_with_the_claimed_role_and_unit(
    provider,
    education,  # noqa: F811
    events,  # noqa: F811
):
    client, _person = sign_in(provider, "liuba")

    user = signed_in_as(client)
    assert user is not None and user.username == "liuba"
    assert user.role == User.Role.LIAISON
    assert user.unit == education and education.name == EDUCATION
    assert user.display_name == "刘八" and user.email == "liuba@example.gov.cn"
    assert not user.has_usable_password()
    assert client.session["_auth_user_backend"] == OIDC_BACKEND
    assert (SecurityKind.LOGIN, {"via": "oidc", "username": "liuba"}) in events


def test_the_role_map_translates_the_providers_values(settings, provider):
    settings.OIDC_ROLE_MAP = {"office": "leader"}
    client, _person = sign_in(provider, "chenqi")
    user = signed_in_as(client)
    assert user is not None and user.role == User.Role.LEADER


def test_a_person_the_provider_gives_no_role_is_refused(provider, events):  # noqa: F811
    client, _person = sign_in(provider, "nobody")

    assert signed_in_as(client) is None
    assert not User.objects.filter(username="nobody").exists()
    assert events[-1] == (
        SecurityKind.LOGIN_FAILED,
        {"via": "oidc", "username": "nobody", "reason": "no_role"},
    )
    page = client.get("/login/?sso=failed").content.decode()
    assert "统一身份认证登录未成功" in page


def test_the_provider_does_not_take_over_a_local_account_of_the_same_name(
    provider,
    events,  # noqa: F811
):
    local = UserFactory(username="chenqi", role=User.Role.LEADER)
    client, _person = sign_in(provider, "chenqi")

    assert signed_in_as(client) is None
    local.refresh_from_db()
    assert local.role == User.Role.LEADER
    assert events[-1][1]["reason"] == "local_account"


def test_signing_out_ends_the_providers_session_too(provider):
    client, person = sign_in(provider, "chenqi")
    assert signed_in_as(client) is not None
    # While the provider's session lasts, a silent authorisation comes back with a code.
    silent = person.follow(client.get("/oidc/authenticate/")["Location"] + "&prompt=none")
    assert isinstance(silent, str) and query_param(silent, "code")

    out = client.post("/logout/")

    assert signed_in_as(client) is None
    end_session = out["Location"]
    assert end_session.startswith(f"{provider.issuer}/session/end?")
    assert query_param(end_session, "id_token_hint")
    assert person.end_session(end_session) == f"{SITE}/login/"
    # The provider's session is over: the same silent authorisation asks for a login.
    silent = person.follow(client.get("/oidc/authenticate/")["Location"] + "&prompt=none")
    assert isinstance(silent, str) and query_param(silent, "error") == "login_required"


def test_a_local_sign_out_stays_local(provider, office, client):
    client.post("/login/", {"username": "clerk", "password": "pass-12345"})
    assert signed_in_as(client) == office
    out = client.post("/logout/")
    assert out["Location"] == "/login/"


def test_the_local_admin_signs_in_while_the_provider_is_down(
    provider,
    admin_user,
    events,  # noqa: F811
):
    provider.stop()
    cache.clear()  # the discovery document too

    client = Client()
    start = client.get("/oidc/authenticate/")
    assert start["Location"] == "/login/?sso=failed"
    assert events[-1][1] == {"via": "oidc", "username": "", "reason": "unavailable"}
    client.post("/login/", {"username": "admin", "password": "pass-12345"})
    assert signed_in_as(client) == admin_user


def test_a_callback_with_a_state_this_session_never_sent_is_a_400(client, provider):
    client.get("/oidc/authenticate/")
    assert client.get("/oidc/callback/?code=forged&state=forged").status_code == 400
    assert client.get("/oidc/callback/").status_code == 302  # nothing to check: back to sign-in


def test_a_code_used_twice_is_refused_by_the_provider(provider, events):  # noqa: F811
    client = Client()
    start = client.get("/oidc/authenticate/")
    callback = ProviderUser(provider, SITE).sign_in(start["Location"], "chenqi")
    session_states = dict(client.session["oidc_states"])
    assert client.get(site_path(callback))["Location"] == "/"

    replay = Client()
    session = replay.session
    session["oidc_states"] = session_states
    session.save()
    replay.cookies["sessionid"] = session.session_key
    assert replay.get(site_path(callback))["Location"] == "/login/?sso=failed"
    assert events[-1][1]["reason"] == "provider_refused"
