"""Unified sign-on settings (统一身份认证): LDAP and OpenID Connect, read from the environment.

Both are off unless their variables are set: LDAP when LDAP_SERVER_URI is, OpenID Connect
when OIDC_RP_CLIENT_ID is. `ldap_settings(env)` and `oidc_settings(env)` turn the variables
into the settings that django-auth-ldap, mozilla-django-oidc and accounts' backends read; a
missing or malformed value stops start-up with ImproperlyConfigured. The tests call the same
functions with their own servers' addresses, so what they prove is what production reads.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

# The roles of accounts.models.User.Role, in the order a person in several mapped groups gets
# the first: the widest role wins. Spelled here because settings may not import accounts.
# The three administrators are local accounts only (三员分立, manage.py setup_administrators):
# no directory or provider grants them.
ROLES = ("office", "leader", "supervisor", "liaison")

LDAP_BACKEND = "accounts.ldap_backend.DirectoryBackend"
OIDC_BACKEND = "accounts.oidc.ProviderBackend"

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def _bool(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = env.get(name)
    if raw is None:
        return default
    if raw.strip().lower() in _TRUE:
        return True
    if raw.strip().lower() in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false), not {raw!r}")


def _seconds(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a number of seconds, not {raw!r}") from None
    if value <= 0:
        raise ImproperlyConfigured(f"{name} must be more than 0 seconds, not {raw!r}")
    return value


def _required(env: Mapping[str, str], name: str, because: str) -> str:
    value = env.get(name, "").strip()
    if not value:
        raise ImproperlyConfigured(f"{name} must be set when {because} is")
    return value


def _pairs(env: Mapping[str, str], name: str, default: dict[str, str]) -> dict[str, str]:
    """`a=b,c=d` as {"a": "b", "c": "d"}."""
    raw = env.get(name)
    if raw is None or not raw.strip():
        return dict(default)
    pairs: dict[str, str] = {}
    for item in raw.split(","):
        key, sep, value = item.partition("=")
        if not sep or not key.strip() or not value.strip():
            raise ImproperlyConfigured(f"{name} must read key=value,key=value, not {raw!r}")
        pairs[key.strip()] = value.strip()
    return pairs


def ldap_settings(env: Mapping[str, str]) -> dict[str, Any]:
    """The LDAP block: django-auth-ldap's AUTH_LDAP_* and the tracker's LDAP_* mapping."""
    uri = env.get("LDAP_SERVER_URI", "").strip()
    if not uri:
        return {"LDAP_ENABLED": False}
    try:
        import ldap
    except ImportError:
        raise ImproperlyConfigured(
            "LDAP_SERVER_URI is set but python-ldap is not installed: "
            "apt-get install libldap2-dev libsasl2-dev, then pip install -e '.[ldap]'."
        ) from None
    from django_auth_ldap.config import (
        ActiveDirectoryGroupType,
        GroupOfNamesType,
        GroupOfUniqueNamesType,
        LDAPSearch,
        PosixGroupType,
    )

    group_types = {
        "groupOfNames": GroupOfNamesType,
        "groupOfUniqueNames": GroupOfUniqueNamesType,
        "posixGroup": PosixGroupType,
        "activeDirectory": ActiveDirectoryGroupType,
    }
    group_type = env.get("LDAP_GROUP_TYPE", "groupOfNames").strip()
    if group_type not in group_types:
        raise ImproperlyConfigured(
            f"LDAP_GROUP_TYPE must be one of {', '.join(group_types)}, not {group_type!r}"
        )
    user_filter = env.get("LDAP_USER_FILTER", "(uid=%(user)s)").strip()
    if "%(user)s" not in user_filter:
        raise ImproperlyConfigured(f"LDAP_USER_FILTER must contain %(user)s: {user_filter!r}")
    user_base = _required(env, "LDAP_USER_SEARCH_BASE", "LDAP_SERVER_URI")
    group_base = env.get("LDAP_GROUP_SEARCH_BASE", "").strip()
    role_groups = {
        role: env[f"LDAP_GROUP_{role.upper()}"].strip()
        for role in ROLES
        if env.get(f"LDAP_GROUP_{role.upper()}", "").strip()
    }
    if role_groups and not group_base:
        raise ImproperlyConfigured("LDAP_GROUP_SEARCH_BASE must be set when LDAP_GROUP_* are")
    if not role_groups:
        raise ImproperlyConfigured(
            "LDAP needs at least one group mapped to a role: LDAP_GROUP_OFFICE, "
            "LDAP_GROUP_LEADER, LDAP_GROUP_LIAISON, LDAP_GROUP_SUPERVISOR or LDAP_GROUP_ADMIN"
        )
    # A directory that is down must not hold up the sign-in page: connecting and each
    # operation give up after these many seconds, then the local accounts answer alone.
    connect_timeout = _seconds(env, "LDAP_CONNECT_TIMEOUT", 3)
    operation_timeout = _seconds(env, "LDAP_TIMEOUT", 5)
    return {
        "LDAP_ENABLED": True,
        "AUTH_LDAP_SERVER_URI": uri,
        "AUTH_LDAP_START_TLS": _bool(env, "LDAP_START_TLS", False),
        "AUTH_LDAP_BIND_DN": env.get("LDAP_BIND_DN", ""),
        "AUTH_LDAP_BIND_PASSWORD": env.get("LDAP_BIND_PASSWORD", ""),
        "AUTH_LDAP_CONNECTION_OPTIONS": {
            ldap.OPT_NETWORK_TIMEOUT: connect_timeout,
            ldap.OPT_TIMEOUT: operation_timeout,
            ldap.OPT_REFERRALS: 0,
        },
        "AUTH_LDAP_USER_SEARCH": LDAPSearch(user_base, ldap.SCOPE_SUBTREE, user_filter),
        "AUTH_LDAP_GROUP_SEARCH": LDAPSearch(group_base, ldap.SCOPE_SUBTREE),
        "AUTH_LDAP_GROUP_TYPE": group_types[group_type](),
        "AUTH_LDAP_USER_ATTR_MAP": _pairs(
            env,
            "LDAP_USER_ATTR_MAP",
            {"display_name": "cn", "email": "mail"},
        ),
        "AUTH_LDAP_ALWAYS_UPDATE_USER": True,
        "AUTH_LDAP_CACHE_TIMEOUT": 0,
        "LDAP_ROLE_GROUPS": role_groups,
        "LDAP_UNIT_ATTRIBUTE": env.get("LDAP_UNIT_ATTRIBUTE", "ou").strip(),
        "LDAP_DISABLED_FILTER": env.get("LDAP_DISABLED_FILTER", "(employeeType=disabled)").strip(),
    }


def oidc_settings(env: Mapping[str, str]) -> dict[str, Any]:
    """The OpenID Connect block: mozilla-django-oidc's OIDC_* and the tracker's claim mapping."""
    client_id = env.get("OIDC_RP_CLIENT_ID", "").strip()
    if not client_id:
        return {"OIDC_ENABLED": False}
    discovery = env.get("OIDC_OP_DISCOVERY_URL", "").strip()
    endpoints = {
        "OIDC_OP_AUTHORIZATION_ENDPOINT": env.get("OIDC_OP_AUTHORIZATION_ENDPOINT", "").strip(),
        "OIDC_OP_TOKEN_ENDPOINT": env.get("OIDC_OP_TOKEN_ENDPOINT", "").strip(),
        "OIDC_OP_USER_ENDPOINT": env.get("OIDC_OP_USER_ENDPOINT", "").strip(),
        "OIDC_OP_JWKS_ENDPOINT": env.get("OIDC_OP_JWKS_ENDPOINT", "").strip(),
        "OIDC_OP_LOGOUT_ENDPOINT": env.get("OIDC_OP_LOGOUT_ENDPOINT", "").strip(),
        "OIDC_OP_ISSUER": env.get("OIDC_OP_ISSUER", "").strip(),
    }
    if not discovery:
        for name in ("OIDC_OP_AUTHORIZATION_ENDPOINT", "OIDC_OP_TOKEN_ENDPOINT"):
            _required(env, name, "OIDC_RP_CLIENT_ID without OIDC_OP_DISCOVERY_URL")
        _required(env, "OIDC_OP_USER_ENDPOINT", "OIDC_RP_CLIENT_ID without OIDC_OP_DISCOVERY_URL")
        _required(env, "OIDC_OP_JWKS_ENDPOINT", "OIDC_RP_CLIENT_ID without OIDC_OP_DISCOVERY_URL")
    role_map = _pairs(env, "OIDC_ROLE_MAP", {})
    unknown = sorted(set(role_map.values()) - set(ROLES))
    if unknown:
        raise ImproperlyConfigured(
            f"OIDC_ROLE_MAP maps to unknown roles {unknown}; roles are {', '.join(ROLES)}"
        )
    settings: dict[str, Any] = {
        "OIDC_ENABLED": True,
        "OIDC_RP_CLIENT_ID": client_id,
        "OIDC_RP_CLIENT_SECRET": _required(env, "OIDC_RP_CLIENT_SECRET", "OIDC_RP_CLIENT_ID"),
        "OIDC_RP_SIGN_ALGO": env.get("OIDC_RP_SIGN_ALGO", "RS256").strip(),
        "OIDC_RP_SCOPES": env.get("OIDC_RP_SCOPES", "openid email profile").strip(),
        "OIDC_OP_DISCOVERY_URL": discovery,
        **endpoints,
        # Authorisation code flow with PKCE (S256); the ID token is kept in the session for
        # the logout that ends the provider's session too.
        "OIDC_USE_PKCE": True,
        "OIDC_PKCE_CODE_CHALLENGE_METHOD": "S256",
        "OIDC_STORE_ID_TOKEN": True,
        "OIDC_TIMEOUT": _seconds(env, "OIDC_TIMEOUT", 5),
        "OIDC_VERIFY_SSL": _bool(env, "OIDC_VERIFY_SSL", True),
        "OIDC_TOKEN_USE_BASIC_AUTH": _bool(env, "OIDC_TOKEN_USE_BASIC_AUTH", False),
        "OIDC_CREATE_USER": True,
        "LOGIN_REDIRECT_URL_FAILURE": "/login/?sso=failed",
        "OIDC_USERNAME_CLAIM": env.get("OIDC_USERNAME_CLAIM", "preferred_username").strip(),
        "OIDC_ROLE_CLAIM": env.get("OIDC_ROLE_CLAIM", "role").strip(),
        "OIDC_UNIT_CLAIM": env.get("OIDC_UNIT_CLAIM", "unit").strip(),
        "OIDC_ROLE_MAP": role_map,
    }
    return settings


def provider_origins(oidc: Mapping[str, Any]) -> list[str]:
    """The provider's origins, for the Content-Security-Policy's form-action: signing out is a
    form whose answer redirects to the provider's end-session endpoint."""
    urls = [oidc.get("OIDC_OP_DISCOVERY_URL", ""), oidc.get("OIDC_OP_LOGOUT_ENDPOINT", "")]
    origins = []
    for url in urls:
        parts = urlsplit(url)
        if parts.scheme and parts.netloc:
            origin = f"{parts.scheme}://{parts.netloc}"
            if origin not in origins:
                origins.append(origin)
    return origins
