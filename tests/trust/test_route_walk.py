"""Authorisation proven route by route: every URL of the site, discovered from the URL conf,
asked by every role with every method it allows, against an explicit expected answer.

A route (or a method of it) without a rule below fails the test, so a new route cannot be
forgotten. Each request runs in a savepoint that is rolled back, so a delete that succeeds
does not change what the next role sees. A second walk asks every readable route as the
leader and both liaisons and checks that no clue or petition text appears in any answer,
files included.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from django.contrib import admin
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from accounts.models import User
from rectification.models import Extension, Measure, Notification
from tests.factories import (
    AspectFactory,
    ClueFactory,
    PetitionFactory,
    UnitFactory,
    UserFactory,
)
from tests.rectification.helpers import add_evidence

pytestmark = pytest.mark.django_db

ROLES = ("admin", "office", "leader", "liaison_a", "liaison_b", "anonymous")
SECRET_CLUE = "线索甲某收受礼金"
SECRET_SUBJECT = "甲某某"
SECRET_PETITION = "信访乙某拖欠工资"


@dataclass(frozen=True)
class Route:
    pattern: str
    name: str
    methods: tuple[str, ...] | None  # None: a plain function view, the rule names them
    model_admin: admin.ModelAdmin | None = None


def _methods(callback) -> tuple[str, ...] | None:
    actions = getattr(callback, "actions", None)
    cls = getattr(callback, "cls", None) or getattr(callback, "view_class", None)
    if actions:  # a DRF viewset route: the router's methods the viewset accepts
        allowed = getattr(cls, "http_method_names", ())
        return tuple(sorted(m for m in actions if m in allowed and m not in ("head", "options")))
    if cls is None:
        return None
    names = getattr(cls, "http_method_names", ())
    return tuple(sorted(m for m in names if m not in ("head", "options") and hasattr(cls, m)))


def discover(patterns=None, prefix: str = "", namespace: str = "") -> Iterator[Route]:
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from discover(entry.url_patterns, prefix + str(entry.pattern), inner)
        elif isinstance(entry, URLPattern):
            callback = entry.callback
            model_admin = getattr(callback, "model_admin", None)
            yield Route(
                prefix + str(entry.pattern),
                namespace + (entry.name or "<unnamed>"),
                _methods(callback),
                model_admin,
            )


ROUTES = list(discover())


def codes(spec: str) -> dict[str, int]:
    """'200 200 200 200 404 403': admin, office, leader, liaison A, liaison B, anonymous."""
    values = [int(v) for v in spec.split()]
    assert len(values) == len(ROLES)
    return dict(zip(ROLES, values, strict=True))


# The rules: (route name, method) -> the answer of each role. The object of a detail route is
# the one named in OBJECTS: measure_a is led by unit A, so liaison B does not see it.
RULES: dict[tuple[str, str], str] = {
    ("api:api-token", "post"): "400 400 400 400 400 400",
    ("api:api-logout", "post"): "204 204 204 204 204 403",
    ("api:me", "get"): "200 200 200 200 200 403",
    ("api:unit-list", "get"): "200 200 200 200 200 403",
    ("api:unit-list", "post"): "400 403 403 403 403 403",
    ("api:unit-detail", "get"): "200 200 200 200 200 403",
    ("api:unit-detail", "put"): "400 403 403 403 403 403",
    ("api:unit-detail", "patch"): "200 403 403 403 403 403",
    ("api:unit-detail", "delete"): "204 403 403 403 403 403",
    ("api:user-list", "get"): "200 403 403 403 403 403",
    ("api:user-list", "post"): "400 403 403 403 403 403",
    ("api:user-detail", "get"): "200 403 403 403 403 403",
    ("api:user-detail", "put"): "400 403 403 403 403 403",
    ("api:user-detail", "patch"): "200 403 403 403 403 403",
    ("api:user-detail", "delete"): "204 403 403 403 403 403",
    ("api:round-list", "get"): "200 200 200 200 200 403",
    ("api:round-list", "post"): "400 400 403 403 403 403",
    ("api:round-detail", "get"): "200 200 200 200 200 403",
    ("api:round-detail", "put"): "400 400 403 403 403 403",
    ("api:round-detail", "patch"): "200 200 403 403 403 403",
    ("api:round-detail", "delete"): "409 409 403 403 403 403",
    ("api:round-stats", "get"): "200 200 200 200 200 403",
    ("api:aspect-list", "get"): "200 200 200 200 200 403",
    ("api:aspect-list", "post"): "400 400 403 403 403 403",
    ("api:aspect-detail", "get"): "200 200 200 404 404 403",
    ("api:aspect-detail", "put"): "400 400 403 404 404 403",
    ("api:aspect-detail", "patch"): "200 200 403 404 404 403",
    ("api:aspect-detail", "delete"): "204 204 403 404 404 403",
    ("api:clue-list", "get"): "200 200 403 403 403 403",
    ("api:clue-list", "post"): "400 400 403 403 403 403",
    ("api:clue-detail", "get"): "200 200 403 403 403 403",
    ("api:clue-detail", "put"): "400 400 403 403 403 403",
    ("api:clue-detail", "patch"): "200 200 403 403 403 403",
    ("api:clue-detail", "delete"): "204 204 403 403 403 403",
    ("api:petition-list", "get"): "200 200 403 403 403 403",
    ("api:petition-list", "post"): "400 400 403 403 403 403",
    ("api:petition-detail", "get"): "200 200 403 403 403 403",
    ("api:petition-detail", "put"): "400 400 403 403 403 403",
    ("api:petition-detail", "patch"): "200 200 403 403 403 403",
    ("api:petition-detail", "delete"): "204 204 403 403 403 403",
    ("api:problem-list", "get"): "200 200 200 200 200 403",
    ("api:problem-list", "post"): "400 400 403 403 403 403",
    ("api:problem-detail", "get"): "200 200 200 200 200 403",
    ("api:problem-detail", "put"): "400 400 403 403 403 403",
    ("api:problem-detail", "patch"): "200 200 403 403 403 403",
    ("api:problem-detail", "delete"): "409 409 403 403 403 403",
    ("api:measure-list", "get"): "200 200 200 200 200 403",
    ("api:measure-list", "post"): "400 400 403 403 403 403",
    ("api:measure-detail", "get"): "200 200 200 200 404 403",
    ("api:measure-detail", "put"): "428 428 403 403 404 403",
    ("api:measure-detail", "patch"): "428 428 403 403 404 403",
    ("api:measure-detail", "delete"): "428 428 403 403 404 403",
    ("api:measure-approve", "post"): "409 409 403 403 404 403",
    ("api:measure-history", "get"): "200 200 200 200 404 403",
    ("api:measure-progress", "get"): "200 200 200 200 404 403",
    ("api:measure-progress", "post"): "400 400 400 400 404 403",
    ("api:measure-reopen", "post"): "409 409 403 403 404 403",
    ("api:measure-return", "post"): "409 409 403 403 404 403",
    ("api:measure-start", "post"): "409 403 403 409 404 403",
    ("api:measure-submit", "post"): "400 403 403 400 404 403",
    ("api:evidence-list", "get"): "200 200 200 200 200 403",
    ("api:evidence-list", "post"): "415 415 415 415 415 403",
    ("api:evidence-detail", "get"): "200 200 200 200 404 403",
    ("api:evidence-detail", "delete"): "204 204 403 204 404 403",
    ("api:evidence-download", "get"): "200 200 200 200 404 403",
    ("api:extension-list", "get"): "200 200 200 200 200 403",
    ("api:extension-list", "post"): "400 400 400 400 400 403",
    ("api:extension-detail", "get"): "200 200 200 200 404 403",
    ("api:extension-approve", "post"): "200 200 403 403 404 403",
    ("api:extension-reject", "post"): "400 400 403 403 404 403",
    ("api:notification-list", "get"): "200 200 200 200 200 403",
    ("api:notification-read-all", "post"): "200 200 200 200 200 403",
    ("api:notification-detail", "get"): "404 404 404 200 404 403",
    ("api:notification-read", "post"): "404 404 404 200 404 403",
    ("api:ledger-export", "get"): "200 200 200 200 200 403",
    ("api:ledger-import", "post"): "415 415 403 403 403 403",
    ("api:feedback-parse", "post"): "400 400 403 403 403 403",
    ("api:feedback-import", "post"): "400 400 403 403 403 403",
    ("api:round-public-report", "get"): "200 200 200 403 403 403",
    ("schema", "get"): "200 200 200 200 200 403",
    ("swagger-ui", "get"): "200 200 200 200 200 302",
    ("set_language", "get"): "302 302 302 302 302 302",
    ("set_language", "post"): "302 302 302 302 302 302",
    ("login", "get"): "200 200 200 200 200 200",
    ("login", "post"): "200 200 200 200 200 200",
    ("login", "put"): "200 200 200 200 200 200",
    ("logout", "post"): "302 302 302 302 302 302",
    ("home", "get"): "302 302 302 302 302 302",
    ("round-list", "get"): "200 200 200 200 200 302",
    ("round-detail", "get"): "200 200 200 200 200 302",
    ("measure-list", "get"): "200 200 200 200 200 302",
    ("measure-detail", "get"): "200 200 200 200 404 302",
    ("feedback-import-page", "get"): "200 200 403 403 403 302",
    ("feedback-import-page", "post"): "200 200 403 403 403 302",
    ("ledger-import-page", "get"): "200 200 403 403 403 302",
    ("ledger-import-page", "post"): "200 200 403 403 403 302",
}
# Plain function views do not say which methods they take: the rules above name them.
FUNCTION_VIEW_METHODS = {
    "set_language": ("get", "post"),
    "home": ("get",),
    "round-list": ("get",),
    "round-detail": ("get",),
    "measure-list": ("get",),
    "measure-detail": ("get",),
    "feedback-import-page": ("get", "post"),
    "ledger-import-page": ("get", "post"),
}


def route_methods(route: Route) -> tuple[str, ...]:
    if route.methods is not None:
        return route.methods
    return FUNCTION_VIEW_METHODS.get(route.name, ())


# --- The world ------------------------------------------------------------------------------


@pytest.fixture
def world(people, unit_top, unit_a, unit_b, inspection_round, problem, measure_a, measure_b):
    people["admin"].is_superuser = True
    people["admin"].save()
    aspect = AspectFactory(round=inspection_round, seq=9, title="空方面")
    clue = ClueFactory(round=inspection_round, summary=SECRET_CLUE, subject=SECRET_SUBJECT)
    petition = PetitionFactory(round=inspection_round, summary=SECRET_PETITION)
    Measure.objects.filter(pk=measure_a.pk).update(status=Measure.Status.IN_PROGRESS)
    evidence = add_evidence(measure_a, people["liaison_a"])
    add_evidence(measure_b, people["liaison_b"])
    extension = Extension.objects.create(
        measure=measure_a,
        requested_by=people["liaison_a"],
        old_deadline=measure_a.deadline,
        new_deadline=measure_a.deadline.replace(year=measure_a.deadline.year + 1),
        reason="需要更多时间",
    )
    notification = Notification.objects.create(
        recipient=people["liaison_a"], kind="green", measure=measure_a, title="提醒", body="b"
    )
    bystander = UserFactory(username="bystander", role=User.Role.LEADER)
    spare_unit = UnitFactory(name="空单位")
    objects = {
        "unit": spare_unit,
        "user": bystander,
        "round": inspection_round,
        "aspect": aspect,
        "clue": clue,
        "petition": petition,
        "problem": problem,
        "measure": measure_a,
        "evidence": evidence,
        "extension": extension,
        "notification": notification,
        "round-stats": inspection_round,
        "round-public-report": inspection_round,
        "round-detail": inspection_round,
        "measure-detail": measure_a,
    }
    return {"people": people, "objects": objects}


def url_of(route: Route, objects: dict, query_round: int) -> str:
    path = "/" + route.pattern.replace("^", "").replace("$", "")
    if "<" in path or "(?P<" in path:
        base = route.name.split(":")[-1]
        key = base if base in objects else base.split("-")[0]
        obj = objects[key]
        path = re.sub(r"\(\?P<pk>[^)]*\)|<int:pk>", str(obj.pk), path)
    if route.name in ("api:ledger-export", "feedback-import-page", "ledger-import-page"):
        path += f"?round={query_round}"
    return path


def clients(people: dict) -> dict[str, Client]:
    made = {}
    for role in ROLES:
        client = Client()
        if role != "anonymous":
            client.force_login(people[role])
        made[role] = client
    return made


def ask(client: Client, method: str, url: str):
    with transaction.atomic():
        if method in ("get", "delete"):
            response = getattr(client, method)(url)
        else:
            response = getattr(client, method)(url, {}, content_type="application/json")
        transaction.set_rollback(True)
    return response


# --- The walk -------------------------------------------------------------------------------


def admin_expected(route: Route, method: str) -> dict[str, int]:
    """The admin site: staff with rights only; everyone else is sent to its login."""
    name = route.name.removeprefix("admin:")
    outsiders = 302
    if name == "login":
        return (
            {**dict.fromkeys(ROLES, 200), "admin": 302}
            if method == "get"
            else dict.fromkeys(ROLES, 200)
        )
    if name == "logout":  # POST only since Django 5
        return {**dict.fromkeys(ROLES, 302), "admin": 405}
    model_admin = route.model_admin
    superuser = 200
    if name in ("autocomplete",):
        superuser = 403
    elif name == "view_on_site":
        superuser = 404
    elif name == "<unnamed>":  # <object_id>/ redirects to its change page; the rest is 404
        superuser = 404 if "<url>" in route.pattern else 302
    elif model_admin is not None:
        refused_add = name.endswith("_add") and not model_admin.has_add_permission(_Root())
        refused_delete = name.endswith("_delete") and not model_admin.has_delete_permission(_Root())
        if refused_add or refused_delete:
            superuser = 403
        elif method == "post":
            superuser = 200
    if method == "post" and name not in ("password_change",) and model_admin is None:
        superuser = {"index": 405, "app_list": 405, "jsi18n": 405}.get(name, superuser)
    return {**dict.fromkeys(ROLES, outsiders), "admin": superuser}


class _Root:
    """What a model admin's permission hooks read of a superuser request."""

    class user:
        is_admin = True
        is_superuser = True
        is_active = True
        is_staff = True

        @staticmethod
        def has_perm(perm, obj=None) -> bool:
            return True


def admin_url(route: Route, objects: dict) -> str | None:
    path = "/" + route.pattern.replace("^", "").replace("$", "")
    if "(?P<" not in path and "<" not in path:
        return path
    model_admin = route.model_admin
    if "object_id" in path and model_admin is not None:
        instance = model_admin.model._default_manager.order_by("pk").first()
        if instance is None:
            return None
        path = re.sub(r"<path:object_id>|\(\?P<object_id>[^)]*\)", str(instance.pk), path)
    path = re.sub(r"\(\?P<app_label>[^)]*\)", "rectification", path)
    path = re.sub(r"<int:content_type_id>|<path:object_id>", "1", path)
    path = re.sub(r"\(\?P<url>\.\*\)", "no-such-page/", path)
    return path if "<" not in path and "(?" not in path else None


def test_every_route_has_a_rule_for_every_method_it_takes():
    missing = [
        f"{route.name} {method.upper()}"
        for route in ROUTES
        if not route.name.startswith("admin:")
        for method in route_methods(route) or ("?",)
        if (route.name, method) not in RULES
    ]
    assert not missing, "routes without an authorisation rule: " + ", ".join(missing)
    known = {(r.name, m) for r in ROUTES for m in route_methods(r)}
    stale = [f"{name} {method}" for name, method in RULES if (name, method) not in known]
    assert not stale, "rules for routes that no longer exist: " + ", ".join(stale)


def test_every_route_answers_every_role_as_its_rule_says(world, inspection_round):
    people, objects = world["people"], world["objects"]
    wrong, asked = [], 0
    for route in ROUTES:
        by_role = clients(people)  # fresh sessions: a sign-out probe ends the one it used
        if route.name.startswith("admin:"):
            url = admin_url(route, objects)
            if url is None:
                continue
            methods = ("get",)
            expected_of = lambda m, r=route: admin_expected(r, m)  # noqa: E731
        else:
            url = url_of(route, objects, inspection_round.pk)
            methods = route_methods(route)
            expected_of = lambda m, r=route: codes(RULES[(r.name, m)])  # noqa: E731
        for method in methods:
            expected = expected_of(method)
            for role in ROLES:
                response = ask(by_role[role], method, url)
                asked += 1
                if response.status_code != expected[role]:
                    wrong.append(
                        f"{method.upper()} {url} as {role}: {response.status_code}, "
                        f"expected {expected[role]}"
                    )
    assert not wrong, f"{len(wrong)} of {asked} answers differ:\n" + "\n".join(wrong)
    print(f"route walk: {len(ROUTES)} routes, {asked} requests, every answer as its rule says")


# --- Clues and petitions never reach a leader or a liaison ------------------------------------


def _text_of(response) -> str:
    content = b"".join(response.streaming_content) if response.streaming else response.content
    if content[:2] == b"PK":  # xlsx, docx: search the XML inside
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            return "".join(
                archive.read(name).decode("utf-8", "replace") for name in archive.namelist()
            )
    return content.decode("utf-8", "replace")


def test_clues_and_petitions_never_reach_a_leader_or_a_liaison(world, inspection_round):
    people, objects = world["people"], world["objects"]
    by_role = clients(people)
    leaks, asked = [], 0
    # Searched by part of a name: a page that echoes the query must not count as a leak.
    searches = ["", "?q=甲某", "?search=甲某", "?page_size=500"]
    for route in ROUTES:
        if route.name.startswith("admin:") or "get" not in route_methods(route):
            continue
        url = url_of(route, objects, inspection_round.pk)
        for role in ("leader", "liaison_a", "liaison_b"):
            for suffix in searches if "?" not in url else [""]:
                response = by_role[role].get(url + suffix)
                asked += 1
                text = _text_of(response)
                for secret in (SECRET_CLUE, SECRET_SUBJECT, SECRET_PETITION):
                    if secret in text:
                        leaks.append(f"{url + suffix} as {role} shows {secret}")
    assert not leaks, "\n".join(leaks)
    print(f"leak walk: {asked} requests as leader and liaisons, no clue or petition text")
