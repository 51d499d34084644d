"""Authorisation proven route by route: every URL of the site, discovered from the URL conf,
asked by every role with every method it allows, against an explicit expected answer.

A route (or a method of it) without a rule below fails the test, so a new route cannot be
forgotten. Each request runs in a savepoint that is rolled back, so a delete that succeeds
does not change what the next role sees. A second walk asks every readable route as the
leader and both liaisons and checks that no clue or petition text appears in any answer,
files included. Writes that validate their body before the service decides who may act are
asked again with a valid body, which every role that may not make them must be refused.
"""

from __future__ import annotations

import datetime
import io
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from django.contrib import admin
from django.core.files.base import ContentFile
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from accounts.models import Jurisdiction, User
from documents.publications import publication_approve, publication_draft
from inspections.models import RoundReport
from rectification.comments import measure_comment_post
from rectification.models import Extension, Measure, today
from reminders.models import Notification
from supervision import evaluation, lookback, urges
from supervision import groups as supervision
from supervision.jurisdiction_evaluation import jurisdiction_evaluation_create
from supervision.models import UrgeNotice
from supervision.urge_comments import urge_comment_post
from tests.factories import (
    AspectFactory,
    ClueFactory,
    MeasureFactory,
    PetitionFactory,
    UnitFactory,
    UserFactory,
)
from tests.rectification.helpers import PDF_BYTES, add_evidence, put_in_state

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
    ("api:jurisdiction-list", "get"): "200 200 200 200 200 403",
    ("api:jurisdiction-detail", "get"): "200 200 200 200 200 403",
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
    ("api:clue-document", "get"): "200 200 403 403 403 403",
    ("api:petition-list", "get"): "200 200 403 403 403 403",
    ("api:petition-list", "post"): "400 400 403 403 403 403",
    ("api:petition-detail", "get"): "200 200 403 403 403 403",
    ("api:petition-detail", "put"): "400 400 403 403 403 403",
    ("api:petition-detail", "patch"): "200 200 403 403 403 403",
    ("api:petition-detail", "delete"): "204 204 403 403 403 403",
    # The world's petition has no conclusion document.
    ("api:petition-document", "get"): "404 404 403 403 403 403",
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
    # Only the unit's head endorses, only the round's superior reviews: the world names none.
    ("api:measure-endorse", "post"): "409 403 403 403 404 403",
    ("api:measure-review", "post"): "409 403 403 403 404 403",
    # A bulk request is read before any service decides: an empty one is 400 to everyone
    # signed in (VALID_WRITES below sends a valid one).
    ("api:measure-bulk", "post"): "400 400 400 400 400 403",
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
    # Rectification reports are a round-level matter: office writes, leaders read.
    ("api:round-report-list", "get"): "200 200 200 200 200 403",
    ("api:round-report-list", "post"): "400 400 403 403 403 403",
    ("api:round-report-detail", "delete"): "204 204 403 404 404 403",
    ("api:round-report-detail", "get"): "200 200 200 404 404 403",
    ("api:round-report-detail", "patch"): "200 200 403 404 404 403",
    ("api:round-report-detail", "put"): "400 400 403 404 404 403",
    ("api:round-report-download", "get"): "200 200 200 404 404 403",
    ("api:urge-list", "get"): "200 200 200 200 200 403",
    # These writes validate the body before the service decides who may act (as
    # measure-progress and extension-list above): an empty body is 400 to every signed-in
    # role; a valid one is refused to those who may not (see VALID_WRITES below).
    ("api:urge-list", "post"): "400 400 400 400 400 403",
    ("api:urge-detail", "get"): "200 200 200 200 404 403",
    ("api:urge-accept", "post"): "409 409 403 403 404 403",
    ("api:urge-bulk", "post"): "400 400 400 400 400 403",
    ("api:urge-escalate", "post"): "400 400 400 400 404 403",
    ("api:urge-reply", "post"): "400 400 400 400 404 403",
    ("api:look-back-list", "get"): "200 200 200 200 200 403",
    ("api:look-back-list", "post"): "400 400 400 400 400 403",
    # A look-back is the office's own review: leaders read it, liaisons do not see it.
    ("api:look-back-detail", "get"): "200 200 200 404 404 403",
    ("api:look-back-item-list", "get"): "200 200 200 200 200 403",
    ("api:look-back-item-detail", "get"): "200 200 200 404 404 403",
    ("api:look-back-item-verdict", "post"): "400 400 400 404 404 403",
    ("api:evaluation-scheme-list", "get"): "200 200 200 200 200 403",
    ("api:evaluation-scheme-list", "post"): "400 400 400 400 400 403",
    ("api:evaluation-scheme-detail", "get"): "200 200 200 404 404 403",
    ("api:evaluation-scheme-detail", "patch"): "200 200 403 404 404 403",
    ("api:evaluation-scheme-detail", "put"): "200 200 403 404 404 403",
    ("api:evaluation-list", "get"): "200 200 200 200 200 403",
    ("api:evaluation-list", "post"): "400 400 400 400 400 403",
    # Evaluations: office, leaders (and supervision groups); published lists are for all.
    ("api:evaluation-detail", "get"): "200 200 200 404 404 403",
    ("api:jurisdiction-evaluation-list", "get"): "200 200 200 200 200 403",
    ("api:jurisdiction-evaluation-detail", "get"): "200 200 200 404 404 403",
    ("api:evaluation-publish", "post"): "200 200 403 404 404 403",
    ("api:evaluation-recompute", "post"): "200 200 403 404 404 403",
    ("api:evaluation-score", "post"): "400 400 400 404 404 403",
    ("api:red-black-list-list", "get"): "200 200 200 200 200 403",
    ("api:red-black-list-list", "post"): "400 400 400 400 400 403",
    ("api:red-black-list-detail", "get"): "200 200 200 200 200 403",
    # Liaisons work in the ledger of their measures, not in the round's five ledgers.
    ("api:five-ledgers-export", "get"): "200 200 200 403 403 403",
    # So do the periodic reports (半月报, 季度报), which speak for every unit of the round.
    ("api:round-periodic-docx", "get"): "200 200 200 403 403 403",
    ("api:round-periodic-xlsx", "get"): "200 200 200 403 403 403",
    ("api:publication-list", "get"): "200 200 200 200 200 403",
    ("api:publication-list", "post"): "400 400 400 400 400 403",
    # The publication is a draft: only office sees it; the published one is under public-.
    ("api:publication-detail", "get"): "200 200 404 404 404 403",
    ("api:publication-detail", "patch"): "200 200 404 404 404 403",
    ("api:publication-approve", "post"): "200 200 404 404 404 403",
    ("api:publication-withdraw", "post"): "400 400 404 404 404 403",
    ("api:evaluation-xlsx", "get"): "200 200 200 404 404 403",
    ("api:evaluation-docx", "get"): "200 200 200 404 404 403",
    ("api:red-black-list-xlsx", "get"): "200 200 200 200 200 403",
    ("api:red-black-list-docx", "get"): "200 200 200 200 200 403",
    # The dashboard is for leaders and office.
    # Supervision groups: office forms them, leaders read them, a liaison sees none.
    ("api:supervision-group-list", "get"): "200 200 200 200 200 403",
    ("api:supervision-group-list", "post"): "400 400 403 403 403 403",
    ("api:supervision-group-detail", "get"): "200 200 200 404 404 403",
    ("api:supervision-group-detail", "put"): "400 400 403 404 404 403",
    ("api:supervision-visit-list", "get"): "200 200 200 200 200 403",
    ("api:supervision-visit-list", "post"): "400 400 400 400 400 403",
    ("api:supervision-visit-detail", "get"): "200 200 200 404 404 403",
    ("api:dashboard-summary", "get"): "200 200 200 403 403 403",
    ("api:dashboard-units", "get"): "200 200 200 403 403 403",
    ("api:dashboard-trend", "get"): "200 200 200 403 403 403",
    ("api:dashboard-jurisdictions", "get"): "200 200 200 403 403 403",
    ("api:dashboard-urges", "get"): "200 200 200 403 403 403",
    ("schema", "get"): "200 200 200 200 200 403",
    ("swagger-ui", "get"): "200 200 200 200 200 302",
    ("set_language", "get"): "302 302 302 302 302 302",
    ("set_language", "post"): "302 302 302 302 302 302",
    ("login", "get"): "200 200 200 200 200 200",
    ("login", "post"): "200 200 200 200 200 200",
    ("login", "put"): "200 200 200 200 200 200",
    ("logout", "post"): "302 302 302 302 302 302",
    # OpenID Connect sign-on is off unless configured (tests/sso walks it switched on).
    ("oidc_authentication_init", "get"): "404 404 404 404 404 404",
    ("oidc_authentication_callback", "get"): "404 404 404 404 404 404",
    # The admin's sign-in, with the same two steps: staff already in go to the admin index.
    ("admin-login", "get"): "302 200 200 200 200 200",
    ("admin-login", "post"): "200 200 200 200 200 200",
    ("admin-login", "put"): "200 200 200 200 200 200",
    # Second factor (the policy is off here: nobody is sent to enrolment): enrolment is open
    # to everyone signed in; without a device the code page and the codes page send on.
    ("otp-enrol", "get"): "200 200 200 200 200 302",
    ("otp-enrol", "post"): "400 400 400 400 400 302",
    ("otp-verify", "get"): "302 302 302 302 302 302",
    ("otp-verify", "post"): "302 302 302 302 302 302",
    ("otp-recovery-codes", "get"): "302 302 302 302 302 302",
    ("password-change", "get"): "200 200 200 200 200 302",
    ("password-change", "post"): "400 400 400 400 400 302",
    ("password-change", "put"): "400 400 400 400 400 302",
    # Only the security administrator (for now: the superuser) resets a second factor.
    ("user-second-factor-reset", "get"): "200 403 403 403 403 302",
    ("user-second-factor-reset", "post"): "302 403 403 403 403 302",
    ("home", "get"): "302 302 302 302 302 302",
    ("round-list", "get"): "200 200 200 200 200 302",
    ("round-detail", "get"): "200 200 200 200 200 302",
    ("measure-list", "get"): "200 200 200 200 200 302",
    # The bulk pages are the office's; an empty selection goes back to the list with a message.
    ("measure-bulk", "post"): "302 302 403 403 403 302",
    ("urge-bulk", "post"): "302 302 403 403 403 302",
    ("measure-detail", "get"): "200 200 200 200 404 302",
    ("feedback-import-page", "get"): "200 200 403 403 403 302",
    ("feedback-import-page", "post"): "200 200 403 403 403 302",
    ("ledger-import-page", "get"): "200 200 403 403 403 302",
    ("ledger-import-page", "post"): "200 200 403 403 403 302",
    # Each role's start page; office-only forms refuse every other role before any lookup.
    ("my-tasks", "get"): "302 302 302 200 200 302",
    ("workbench", "get"): "200 200 403 403 403 302",
    ("round-timeline", "get"): "200 200 200 200 200 302",
    ("problem-create", "get"): "200 200 403 403 403 302",
    ("problem-create", "post"): "200 200 403 403 403 302",
    ("problem-edit", "get"): "200 200 403 403 403 302",
    ("problem-edit", "post"): "200 200 403 403 403 302",
    ("measures-add", "get"): "200 200 403 403 403 302",
    ("measures-add", "post"): "200 200 403 403 403 302",
    ("measure-edit", "get"): "200 200 403 403 403 302",
    ("measure-edit", "post"): "200 200 403 403 403 302",
    # Steps taken from a page answer a redirect with the refusal (or the form's error) as a
    # message; another unit's measure is 404.
    ("measure-progress", "post"): "302 302 302 302 404 302",
    ("measure-evidence", "post"): "302 302 302 302 404 302",
    ("measure-extension", "post"): "302 302 302 302 404 302",
    ("measure-step", "post"): "302 302 302 302 404 302",
    ("extension-decide", "post"): "302 302 302 302 404 302",
    ("urge-list", "get"): "200 200 200 200 200 302",
    ("urge-issue", "get"): "200 200 403 403 403 302",
    ("urge-issue", "post"): "200 200 403 403 403 302",
    ("urge-detail", "get"): "200 200 200 200 404 302",
    ("urge-step", "post"): "302 302 302 302 404 302",
    ("look-back-start", "post"): "302 302 302 302 302 302",
    ("look-back-detail", "get"): "200 200 200 404 404 302",
    ("look-back-verdict", "post"): "302 302 302 404 404 302",
    ("round-evaluation", "get"): "200 200 200 403 403 302",
    ("round-periodic", "get"): "200 200 200 403 403 302",
    ("jurisdiction-periodic", "get"): "200 200 200 403 403 302",
    ("round-evaluation", "post"): "302 302 302 403 403 302",
    ("evaluation-detail", "get"): "200 200 200 404 404 302",
    # The evaluation of the jurisdictions below: office and leaders read; the office of a
    # jurisdiction with one below it drafts (an empty form takes today and a title by year).
    ("jurisdiction-evaluation-list", "get"): "200 200 200 403 403 302",
    ("jurisdiction-evaluation-list", "post"): "302 302 403 403 403 302",
    ("jurisdiction-evaluation-detail", "get"): "200 200 200 404 404 302",
    ("jurisdiction-evaluation-detail", "post"): "302 302 403 404 404 302",
    ("evaluation-step", "post"): "302 302 302 404 404 302",
    ("red-black-list", "get"): "200 200 200 200 200 302",
    ("red-black-detail", "get"): "200 200 200 200 200 302",
    ("notification-list", "get"): "200 200 200 200 200 302",
    # The audit administrator's alone (tests/trust/test_administrators_walk.py asks them).
    ("security-log", "get"): "403 403 403 403 403 302",
    # Comment threads: whoever sees the measure or the notice reads; an empty body is refused
    # before who may write is asked. The calendar feed answers its own token only.
    ("api:measure-comments", "get"): "200 200 200 200 404 403",
    ("api:measure-comments", "post"): "400 400 400 400 404 403",
    ("api:measure-comment", "patch"): "400 400 400 400 404 403",
    ("api:urge-detail", "patch"): "405 405 405 405 405 403",
    ("api:urge-comments", "get"): "200 200 200 200 404 403",
    ("api:urge-comments", "post"): "400 400 400 400 404 403",
    ("api:urge-comment", "patch"): "400 400 400 400 404 403",
    ("measure-comment", "post"): "302 302 302 302 404 302",
    ("measure-comment-edit", "post"): "302 302 302 302 404 302",
    ("urge-comment", "post"): "302 302 302 302 404 302",
    ("urge-comment-edit", "post"): "302 302 302 302 404 302",
    ("calendar", "get"): "200 200 200 200 200 302",
    ("calendar", "post"): "200 200 200 200 200 302",
    ("calendar-feed", "get"): "404 404 404 404 404 404",
    ("notification-read-all", "post"): "302 302 302 302 302 302",
    ("notification-open", "post"): "404 404 404 302 404 302",
    ("publication-list", "get"): "200 200 200 200 200 302",
    ("publication-create", "post"): "302 302 403 403 403 302",
    ("publication-detail", "get"): "200 200 404 404 404 302",
    ("publication-detail", "post"): "200 200 404 404 404 302",
    ("publication-approve-page", "post"): "302 302 404 404 404 302",
    ("publication-withdraw-page", "post"): "302 302 404 404 404 302",
    # The public pages (双公开) are open to everyone.
    ("public-list", "get"): "200 200 200 200 200 200",
    ("public-detail", "get"): "200 200 200 200 200 200",
    ("public-docx", "get"): "200 200 200 200 200 200",
    ("round-create", "get"): "200 200 403 403 403 302",
    ("round-create", "post"): "200 200 403 403 403 302",
    ("round-edit", "get"): "200 200 403 403 403 302",
    ("round-edit", "post"): "200 200 403 403 403 302",
    # 报告报账: office records, leaders read; an empty post lacks the title.
    ("round-reports", "get"): "200 200 200 403 403 302",
    ("round-reports", "post"): "400 400 403 403 403 302",
    ("aspect-create", "get"): "200 200 403 403 403 302",
    ("aspect-create", "post"): "200 200 403 403 403 302",
    ("clue-list", "get"): "200 200 403 403 403 302",
    ("clue-create", "get"): "200 200 403 403 403 302",
    ("clue-create", "post"): "200 200 403 403 403 302",
    ("clue-edit", "get"): "200 200 403 403 403 302",
    ("clue-edit", "post"): "200 200 403 403 403 302",
    ("petition-list", "get"): "200 200 403 403 403 302",
    ("petition-create", "get"): "200 200 403 403 403 302",
    ("petition-create", "post"): "200 200 403 403 403 302",
    ("petition-edit", "get"): "200 200 403 403 403 302",
    ("petition-edit", "post"): "200 200 403 403 403 302",
    ("dashboard", "get"): "200 200 200 403 403 302",
    ("supervision-home", "get"): "200 200 200 403 403 302",
    ("group-create", "get"): "200 200 403 403 403 302",
    ("group-create", "post"): "200 200 403 403 403 302",
    ("group-detail", "get"): "200 200 200 404 404 302",
    ("group-edit", "get"): "200 200 403 403 403 302",
    ("group-edit", "post"): "200 200 403 403 403 302",
    # A leader reads the group but records no visit; a liaison does not see it.
    ("group-visit-new", "get"): "200 200 403 404 404 302",
    ("group-visit-new", "post"): "200 200 403 404 404 302",
}
# Plain function views do not say which methods they take: the rules above name them.
FUNCTION_VIEW_METHODS = {
    "set_language": ("get", "post"),
    "otp-recovery-codes": ("get",),
    "user-second-factor-reset": ("get", "post"),
    "home": ("get",),
    "round-list": ("get",),
    "round-detail": ("get",),
    "measure-list": ("get",),
    "measure-detail": ("get",),
    "measure-bulk": ("post",),
    "urge-bulk": ("post",),
    "feedback-import-page": ("get", "post"),
    "ledger-import-page": ("get", "post"),
    "my-tasks": ("get",),
    "workbench": ("get",),
    "round-timeline": ("get",),
    "problem-create": ("get", "post"),
    "problem-edit": ("get", "post"),
    "measures-add": ("get", "post"),
    "measure-edit": ("get", "post"),
    "measure-progress": ("post",),
    "measure-evidence": ("post",),
    "measure-extension": ("post",),
    "measure-step": ("post",),
    "extension-decide": ("post",),
    "urge-list": ("get",),
    "urge-issue": ("get", "post"),
    "urge-detail": ("get",),
    "urge-step": ("post",),
    "look-back-start": ("post",),
    "look-back-detail": ("get",),
    "look-back-verdict": ("post",),
    "round-evaluation": ("get", "post"),
    "round-periodic": ("get",),
    "jurisdiction-periodic": ("get",),
    "evaluation-detail": ("get",),
    "jurisdiction-evaluation-list": ("get", "post"),
    "jurisdiction-evaluation-detail": ("get", "post"),
    "evaluation-step": ("post",),
    "red-black-list": ("get",),
    "red-black-detail": ("get",),
    "notification-list": ("get",),
    "security-log": ("get",),
    "measure-comment": ("post",),
    "measure-comment-edit": ("post",),
    "urge-comment": ("post",),
    "urge-comment-edit": ("post",),
    "calendar": ("get", "post"),
    "calendar-feed": ("get",),
    "notification-read-all": ("post",),
    "notification-open": ("post",),
    "publication-list": ("get",),
    "publication-create": ("post",),
    "publication-detail": ("get", "post"),
    "publication-approve-page": ("post",),
    "publication-withdraw-page": ("post",),
    "public-list": ("get",),
    "public-detail": ("get",),
    "public-docx": ("get",),
    "round-create": ("get", "post"),
    "round-edit": ("get", "post"),
    "round-reports": ("get", "post"),
    "aspect-create": ("get", "post"),
    "clue-list": ("get",),
    "clue-create": ("get", "post"),
    "clue-edit": ("get", "post"),
    "petition-list": ("get",),
    "petition-create": ("get", "post"),
    "petition-edit": ("get", "post"),
    "dashboard": ("get",),
    "supervision-home": ("get",),
    "group-create": ("get", "post"),
    "group-detail": ("get",),
    "group-edit": ("get", "post"),
    "group-visit-new": ("get", "post"),
}


def route_methods(route: Route) -> tuple[str, ...]:
    if route.methods is not None:
        return route.methods
    return FUNCTION_VIEW_METHODS.get(route.name, ())


# --- The world ------------------------------------------------------------------------------


@pytest.fixture
def world(
    people, office2, unit_top, unit_a, unit_b, inspection_round, problem, measure_a, measure_b
):
    people["admin"].is_superuser = True
    people["admin"].save()
    aspect = AspectFactory(round=inspection_round, seq=9, title="空方面")
    clue = ClueFactory(round=inspection_round, summary=SECRET_CLUE, subject=SECRET_SUBJECT)
    clue.document_name = "办结报告.pdf"
    clue.document.save("办结报告.pdf", ContentFile(PDF_BYTES))
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
    office = people["office"]
    # An urge notice to unit A about measure_a: liaison B must not see it.
    urge = urges.urge_issue(
        actor=office,
        measure=measure_a,
        level=UrgeNotice.Level.REMIND,
        reason="请加快整改进度",
        reply_due=today() + datetime.timedelta(days=7),
    )
    # A signed-off measure of unit A, so that a look-back has something to check.
    closed_a = put_in_state(
        MeasureFactory(problem=problem, seq=3, lead_unit=unit_a),
        Measure.Status.CLOSED,
        submitted_by=people["liaison_a"],
        closed_by=office,
    )
    look_back = lookback.look_back_start(actor=office, inspection_round=inspection_round)
    look_back_item = look_back.items.get(measure=closed_a)
    # A draft evaluation (the scheme is saved with it), and a published one with its list.
    # Both scored by the second clerk, so that office (and the superuser) may publish them.
    draft = evaluation.evaluation_create(actor=office2, inspection_round=inspection_round)
    # A county below the office's jurisdiction, and the office's evaluation of it.
    Jurisdiction.objects.create(
        name="下级县委巡察办", level=Jurisdiction.Level.COUNTY, parent=Jurisdiction.objects.top()
    )
    published = evaluation.evaluation_create(actor=office2, inspection_round=inspection_round)
    evaluation.evaluation_publish(evaluation_id=published.pk, actor=office)
    red_black = evaluation.red_black_publish(
        actor=office, evaluation_id=published.pk, best_count=1, worst_count=1
    )
    report = RoundReport.objects.create(
        round=inspection_round,
        due=datetime.date(2026, 8, 20),
        sent_on=datetime.date(2026, 8, 18),
        original_name="整改情况报告.pdf",
        recorded_by=office,
    )
    report.file.save("整改情况报告.pdf", ContentFile(PDF_BYTES))
    # A draft the second clerk wrote (office may approve it), and a published report.
    draft_publication = publication_draft(actor=office2, inspection_round=inspection_round)
    shown = publication_approve(
        actor=office,
        publication=publication_draft(actor=office2, inspection_round=inspection_round),
    )
    # A supervision group following unit A, led by a leader, with one visit.
    group = supervision.group_create(
        actor=office,
        fields=supervision.GroupFields(
            name="第一整改督查组",
            leader=UserFactory(username="group_head", role=User.Role.LEADER),
            members=[],
            rounds=[inspection_round],
            units=[unit_a],
        ),
    )
    visit = supervision.visit_record(
        actor=office,
        group=group,
        unit=unit_a,
        inspection_round=inspection_round,
        date=today(),
        method="briefing",
        findings="听取整改工作汇报",
        rating=3,
    )
    objects = {
        "supervision-group": group,
        "supervision-visit": visit,
        "group": group,
        "unit": spare_unit,
        "jurisdiction": spare_unit.jurisdiction,
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
        "round-report": report,
        "urge": urge,
        "look-back": look_back,
        "look-back-item": look_back_item,
        "look-back-verdict": look_back_item,
        "look-back-start": inspection_round,
        "evaluation-scheme": draft.scheme,
        "evaluation": draft,
        "jurisdiction-evaluation": jurisdiction_evaluation_create(
            actor=office2,
            jurisdiction=Jurisdiction.objects.top(),
            title="下级考核",
        ),
        "red-black": red_black,
        "publication": draft_publication,
        "public": shown,
        "measure_b": measure_b,
        # A comment of office on measure A and on the urge notice: the ones edited.
        "measure-comment-item": measure_comment_post(
            measure=measure_a, actor=office, text="请补充佐证材料"
        ).comment,
        "urge-comment-item": urge_comment_post(
            notice=urge, actor=office, text="请按期回复"
        ).comment,
    }
    return {"people": people, "objects": objects}


# The step a route with a <slug:step> or <slug:decision> is asked with.
STEPS = {
    "measure-step": "submit",
    "extension-decide": "approve",
    "urge-step": "reply",
    "evaluation-step": "publish",
}
# Routes that name their round in the query string.
ROUND_IN_QUERY = (
    "api:ledger-export",
    "api:five-ledgers-export",
    "feedback-import-page",
    "ledger-import-page",
    "publication-create",
)


def url_of(route: Route, objects: dict, query_round: int) -> str:
    path = "/" + route.pattern.replace("^", "").replace("$", "")
    if "<int:pk>" in path or "(?P<pk>" in path:
        # The object of the longest leading part of the name: look-back-item-detail finds
        # "look-back-item" before "look-back", round-report-detail "round-report" before "round".
        words = route.name.split(":")[-1].split("-")
        key = next(
            "-".join(words[:n]) for n in range(len(words), 0, -1) if "-".join(words[:n]) in objects
        )
        path = re.sub(r"\(\?P<pk>[^)]*\)|<int:pk>", str(objects[key].pk), path)
    path = path.replace("<int:round_pk>", str(objects["round"].pk))
    path = path.replace("<int:problem_pk>", str(objects["problem"].pk))
    path = re.sub(r"<slug:(step|decision)>", lambda _: STEPS[route.name], path)
    if "<int:comment_pk>" in path or "(?P<comment_id>" in path:
        comment = objects["urge-comment-item" if "urge" in route.name else "measure-comment-item"]
        path = re.sub(r"\(\?P<comment_id>[^)]*\)|<int:comment_pk>", str(comment.pk), path)
    path = path.replace("<str:token>", "no-such-feed")  # a feed's token: none answers but its own
    assert "<" not in path, f"no value for a part of {route.name}'s URL: {path}"
    if route.name in ROUND_IN_QUERY:
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


def ask(client: Client, method: str, url: str, body: dict | None = None):
    with transaction.atomic():
        if method in ("get", "delete"):
            response = getattr(client, method)(url)
        else:
            response = getattr(client, method)(url, body or {}, content_type="application/json")
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
    elif model_admin is not None and (
        (model_admin.model._meta.app_label, model_admin.model._meta.model_name) in AUDIT_ADMIN_ONLY
    ):
        superuser = 403  # the audit trail and the security log: the audit administrator's alone
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


# Read by the audit administrator alone (三员分立), the superuser refused like everyone else.
AUDIT_ADMIN_ONLY = {("audit", "auditentry"), ("axes", "accesslog"), ("axes", "accessfailurelog")}


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


# --- Writes that validate their body first still refuse who may not make them -------------

# (route name, the body, the answer of each role): a body each service accepts from office.
# An object outside the user's scope named in a body is 400, as if it did not exist.
VALID_WRITES = [
    ("api:urge-list", lambda o: {"measure": o["measure_b"].pk, **URGE}, "201 201 403 400 403 403"),
    ("api:urge-escalate", lambda o: URGE, "201 201 403 403 404 403"),
    # A measure out of scope is 400 as if it did not exist; in scope, the services refuse.
    (
        "api:measure-bulk",
        lambda o: {
            "action": "update",
            "ids": [o["measure_b"].pk],
            "fields": {"lead_official": "李"},
        },
        "200 200 403 400 403 403",
    ),
    ("api:urge-bulk", lambda o: {"ids": [o["measure_b"].pk], **URGE}, "200 200 403 400 403 403"),
    ("api:urge-reply", lambda o: {"text": "已整改"}, "201 403 403 201 404 403"),
    ("api:look-back-list", lambda o: {"round": o["round"].pk}, "201 201 403 403 403 403"),
    ("api:look-back-item-verdict", lambda o: {"verdict": "holding"}, "200 200 403 404 404 403"),
    ("api:evaluation-scheme-list", lambda o: {"round": o["round"].pk}, "201 201 403 403 403 403"),
    ("api:evaluation-list", lambda o: {"round": o["round"].pk}, "201 201 403 403 403 403"),
    (
        "api:evaluation-score",
        lambda o: {"unit": o["measure"].lead_unit_id, "key": "supervision", "score": "5"},
        "200 200 403 404 404 403",
    ),
    (
        "api:red-black-list-list",
        lambda o: {"evaluation": o["red-black"].evaluation_id, "best_count": 1},
        "201 201 403 400 400 403",
    ),
    ("api:publication-list", lambda o: {"round": o["round"].pk}, "201 201 403 403 403 403"),
    ("api:publication-withdraw", lambda o: {"reason": "数据有误"}, "200 200 403 403 403 403"),
    (
        "api:supervision-group-list",
        lambda o: {
            "name": "第二整改督查组",
            "leader": o["user"].pk,
            "rounds": [o["round"].pk],
            "units": [o["measure"].lead_unit_id],
        },
        "201 201 403 403 403 403",
    ),
    (
        "api:supervision-visit-list",
        lambda o: {
            "group": o["group"].pk,
            "unit": o["measure"].lead_unit_id,
            "round": o["round"].pk,
            "date": "2026-01-05",
            "method": "site",
            "findings": "现场检查",
            "rating": 3,
        },
        "201 201 403 400 400 403",
    ),
]
URGE = {"level": "urge", "reason": "仍未整改到位", "reply_due": "2099-12-31"}


def test_a_valid_write_is_refused_to_every_role_that_may_not_make_it(world, inspection_round):
    people, objects = world["people"], world["objects"]
    objects = {**objects, "publication": objects["public"]}  # withdraw a published report
    routes = {route.name: route for route in ROUTES}
    wrong = []
    for name, body, spec in VALID_WRITES:
        url = url_of(routes[name], objects, inspection_round.pk)
        by_role = clients(people)
        for role, expected in codes(spec).items():
            response = ask(by_role[role], "post", url, body(objects))
            if response.status_code != expected:
                wrong.append(f"POST {url} as {role}: {response.status_code}, expected {expected}")
    assert not wrong, "\n".join(wrong)


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
