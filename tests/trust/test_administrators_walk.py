"""The three separated administrators (三员分立) walk every route of the site.

Each route discovered from the URL conf (as the route walk does) is asked by the system, the
security and the audit administrator. Outside the admin site an administrator opens only
the pages of signing in and out, their own account, the language switch, the API's schema
and the public pages; every business page and API answers a real 403 (never a redirect to
the login). In the admin site each opens the models of their own job, by the table below,
and is refused the rest with 403.
"""

from __future__ import annotations

import pytest
from django.db import transaction
from django.test import Client

from audit.events import SecurityKind
from audit.models import SecurityEvent
from tests.trust.test_route_walk import (
    ROUTES,
    Route,
    _Root,
    admin_url,
    route_methods,
    url_of,
    world,  # noqa: F401 (the fixture)
)

pytestmark = pytest.mark.django_db

ADMINISTRATORS = ("system_admin", "security_admin", "audit_admin")

# What each may do in the admin site, by (app, model): v view, a add, c change, d delete.
ADMIN_SITE = {
    "system_admin": {
        ("accounts", "unit"): "vacd",
        ("accounts", "user"): "vac",
        ("accounts", "jurisdiction"): "vac",
    },
    "security_admin": {
        ("accounts", "user"): "vc",
        ("auth", "group"): "vacd",
        ("axes", "accessattempt"): "vd",
        ("authtoken", "tokenproxy"): "vd",
        # Second-factor devices: the security administrator resets a lost one.
        ("otp_totp", "totpdevice"): "vd",
        ("otp_static", "staticdevice"): "vd",
    },
    "audit_admin": {
        ("audit", "auditentry"): "v",
        ("axes", "accesslog"): "v",
        ("axes", "accessfailurelog"): "v",
        ("axes", "accessattempt"): "v",
    },
}

# Outside the admin site: (route, method) -> "system security audit"; anything else is 403.
OPEN = {
    ("login", "get"): "200 200 200",
    ("login", "post"): "200 200 200",  # an empty form, shown again
    ("login", "put"): "200 200 200",
    ("logout", "post"): "302 302 302",
    # Their own sign-in steps: the admin's sign-in, the second factor, their password.
    ("admin-login", "get"): "302 302 302",
    ("admin-login", "post"): "200 200 200",
    ("admin-login", "put"): "200 200 200",
    ("otp-enrol", "get"): "200 200 200",
    ("otp-enrol", "post"): "400 400 400",
    ("otp-verify", "get"): "302 302 302",
    ("otp-verify", "post"): "302 302 302",
    ("otp-recovery-codes", "get"): "302 302 302",
    ("password-change", "get"): "200 200 200",
    ("password-change", "post"): "400 400 400",
    ("password-change", "put"): "400 400 400",
    # Only the security administrator resets someone else's lost second factor.
    ("user-second-factor-reset", "get"): "403 200 403",
    ("user-second-factor-reset", "post"): "403 302 403",
    # The sign-on machinery is open like the sign-in page (and answers 404 while it is off).
    ("oidc_authentication_init", "get"): "404 404 404",
    ("oidc_authentication_callback", "get"): "404 404 404",
    ("set_language", "get"): "302 302 302",
    ("set_language", "post"): "302 302 302",
    ("schema", "get"): "200 200 200",
    ("swagger-ui", "get"): "200 200 200",
    ("public-list", "get"): "200 200 200",
    ("public-detail", "get"): "200 200 200",
    ("public-docx", "get"): "200 200 200",
    ("home", "get"): "302 302 302",  # to the admin site
    ("api:api-token", "post"): "400 400 400",  # no body; a valid one is refused (below)
    ("api:api-logout", "post"): "204 204 204",
    ("api:me", "get"): "200 200 200",
    # The organisation tree: everyone reads it, the system administrator keeps it.
    ("api:unit-list", "get"): "200 200 200",
    ("api:unit-list", "post"): "400 403 403",
    ("api:unit-detail", "get"): "200 200 200",
    ("api:unit-detail", "put"): "400 403 403",
    ("api:unit-detail", "patch"): "200 403 403",
    ("api:unit-detail", "delete"): "204 403 403",
    # The jurisdictions the tree hangs from: read like it, kept in the admin site.
    ("api:jurisdiction-list", "get"): "200 200 200",
    ("api:jurisdiction-detail", "get"): "200 200 200",
    # Accounts: the system administrator's; deactivated, never deleted.
    ("api:user-list", "get"): "200 403 403",
    ("api:user-list", "post"): "400 403 403",
    ("api:user-detail", "get"): "200 403 403",
    ("api:user-detail", "put"): "400 403 403",
    ("api:user-detail", "patch"): "200 403 403",
    ("api:user-detail", "delete"): "403 403 403",
    # The security log: the audit administrator's alone.
    ("security-log", "get"): "403 403 200",
}


def expected_outside(route: Route, method: str) -> dict[str, int]:
    spec = OPEN.get((route.name, method), "403 403 403")
    return dict(zip(ADMINISTRATORS, (int(v) for v in spec.split()), strict=True))


def expected_in_admin(route: Route) -> dict[str, int]:
    """The admin site's answer to a GET of the route, for each administrator."""
    name = route.name.removeprefix("admin:")
    fixed = {
        "index": 200,
        "login": 302,  # signed in already: on to the index
        "logout": 405,  # POST only
        "password_change": 200,  # their own password
        "password_change_done": 200,
        "jsi18n": 200,
        "autocomplete": 403,  # asked without its parameters
        "view_on_site": 404,
        "app_list": 404,  # the walk asks for rectification's, where none has a model
    }
    if name in fixed:
        return dict.fromkeys(ADMINISTRATORS, fixed[name])
    model_admin = route.model_admin
    if model_admin is None:  # the catch-all: an unknown admin page
        return dict.fromkeys(ADMINISTRATORS, 404)
    meta = model_admin.model._meta
    action = name.removeprefix(f"{meta.app_label}_{meta.model_name}_")
    answers = {}
    for who in ADMINISTRATORS:
        may = ADMIN_SITE[who].get((meta.app_label, meta.model_name), "")
        if name == "<unnamed>":  # <object_id>/ sends everyone on to the change page, which decides
            answers[who] = 302
            continue
        allowed = {
            "changelist": "v" in may,
            "change": "v" in may or "c" in may,
            "history": "v" in may or "c" in may,
            "add": "a" in may and model_admin.has_add_permission(_Root()),  # type: ignore[arg-type]
            "delete": "d" in may,
        }[action]
        answers[who] = 200 if allowed else 403
    return answers


@pytest.fixture
def administrators(world, system_admin, security_admin, audit_admin):  # noqa: F811
    return {
        **world["people"],
        "system_admin": system_admin,
        "security_admin": security_admin,
        "audit_admin": audit_admin,
    }


def test_every_route_answers_each_administrator_as_the_split_says(
    world,  # noqa: F811
    administrators,
    inspection_round,
):
    objects = world["objects"]
    wrong, asked, unlogged = [], 0, []
    for route in ROUTES:
        by_role = clients_of(administrators)
        if route.name.startswith("admin:"):
            url = admin_url(route, objects)
            if url is None:
                continue
            plan = [("get", expected_in_admin(route))]
        else:
            url = url_of(route, objects, inspection_round.pk)
            plan = [(method, expected_outside(route, method)) for method in route_methods(route)]
        for method, expected in plan:
            for who in ADMINISTRATORS:
                response, logged = ask_and_log(by_role[who], method, url)
                asked += 1
                # Every refusal is in the security log, once, naming who was refused.
                if logged != (
                    [administrators[who].username] if response.status_code == 403 else []
                ):
                    unlogged.append(
                        f"{method.upper()} {url} as {who}: {response.status_code}, logged {logged}"
                    )
                if response.status_code != expected[who]:
                    wrong.append(
                        f"{method.upper()} {url} as {who}: {response.status_code}, "
                        f"expected {expected[who]}"
                    )
    assert not wrong, f"{len(wrong)} of {asked} answers differ:\n" + "\n".join(wrong)
    assert not unlogged, f"{len(unlogged)} refusals not logged once:\n" + "\n".join(unlogged)


def ask_and_log(client: Client, method: str, url: str):
    """`ask`, and the names of the refusals the security log wrote for it, read before the
    walk's rollback undoes them."""
    with transaction.atomic():
        last = SecurityEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
        if method in ("get", "delete"):
            response = getattr(client, method)(url)
        else:
            response = getattr(client, method)(url, {}, content_type="application/json")
        logged = list(
            SecurityEvent.objects.filter(kind=SecurityKind.FORBIDDEN, id__gt=last)
            .order_by("id")
            .values_list("actor_name", flat=True)
        )
        transaction.set_rollback(True)
    return response, logged


def clients_of(people: dict) -> dict[str, Client]:
    made = {}
    for who in ADMINISTRATORS:
        made[who] = Client()
        made[who].force_login(people[who])
    return made
