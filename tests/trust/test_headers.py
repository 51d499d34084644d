"""Response headers of a site holding sensitive records: a strict CSP, nothing cached, and
the API's schema and documentation only for signed-in users."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from tests.factories import ClueFactory
from tests.rectification.helpers import add_evidence

pytestmark = pytest.mark.django_db

TEMPLATES = Path(settings.BASE_DIR) / "templates"


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_pages_carry_a_csp_without_unsafe_inline(office):
    response = signed_in(office).get(reverse("round-list"))
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "style-src 'self'" in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert "frame-ancestors 'none'" in policy and "object-src 'none'" in policy


@pytest.mark.parametrize("path", sorted(p for p in TEMPLATES.rglob("*.html")), ids=str)
def test_no_template_has_inline_script_or_style(path):
    text = path.read_text()
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text), "inline <script>"
    assert not re.search(r"<style\b", text), "inline <style>"
    assert not re.search(r"\sstyle=", text), "style attribute"
    assert not re.search(r"\son[a-z]+=", text), "event handler attribute"


def test_sensitive_answers_are_not_stored_by_caches(office, liaison_a, measure_a, client_for):
    clue = ClueFactory(round=measure_a.problem.round)
    evidence = add_evidence(measure_a, liaison_a)
    client = signed_in(office)
    for path in (
        "/api/v1/clues/",
        f"/api/v1/clues/{clue.pk}/",
        f"/api/v1/evidence/{evidence.pk}/download/",
        f"/api/v1/ledger/export/?round={measure_a.problem.round_id}",
        f"/api/v1/rounds/{measure_a.problem.round_id}/public-report/",
        reverse("measure-detail", args=[measure_a.pk]),
    ):
        response = client.get(path)
        assert response.status_code == 200, path
        assert response["Cache-Control"] == "no-store", path


def test_the_schema_and_swagger_ui_need_a_login(office):
    anonymous = Client()
    assert anonymous.get("/api/schema/").status_code in (401, 403)
    docs = anonymous.get("/api/docs/")
    assert docs.status_code == 302 and "/login/" in docs["Location"]

    client = signed_in(office)
    assert client.get("/api/schema/").status_code == 200
    page = client.get("/api/docs/")
    assert page.status_code == 200
    html = page.content.decode()
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html) and "<style" not in html
    assert "cdn" not in html.lower()  # Swagger's files are served by the site (closed networks)
    script = client.get("/api/docs/?script=")
    assert script.status_code == 200 and "SwaggerUIBundle" in script.content.decode()
