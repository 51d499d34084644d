"""The OpenAPI schema builds cleanly and its pages answer."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from drf_spectacular.drainage import GENERATOR_STATS
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.validation import validate_schema


@pytest.fixture
def clean_generator_stats():
    # Warnings are remembered process-wide; start from none so only this build is judged.
    GENERATOR_STATS.reset()
    yield GENERATOR_STATS
    GENERATOR_STATS.reset()


def test_it_builds_the_schema_without_warnings_or_errors(db, clean_generator_stats):
    schema = SchemaGenerator().get_schema(request=None, public=True)

    assert dict(clean_generator_stats._warn_cache) == {}
    assert dict(clean_generator_stats._error_cache) == {}
    validate_schema(schema)
    assert "/api/v1/measures/{id}/" in schema["paths"]
    assert "/api/v1/rounds/{id}/stats/" in schema["paths"]


def test_it_passes_the_spectacular_command_with_fail_on_warn(db, tmp_path, clean_generator_stats):
    target = tmp_path / "schema.yml"

    # --fail-on-warn turns any warning into a CommandError, which fails this test.
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))

    assert target.read_text().startswith("openapi: 3.0.3")


@pytest.mark.parametrize("path", ["/api/schema/", "/api/docs/"])
def test_it_serves_the_schema_and_docs_to_a_signed_in_user(liaison_a, client, path):
    client.force_login(liaison_a)

    response = client.get(path)

    assert response.status_code == 200
    assert len(response.content) > 100


def test_it_serves_the_schema_as_openapi(office, client):
    client.force_login(office)

    response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")

    assert response.status_code == 200
    assert response.json()["info"]["title"] == "巡视巡察整改跟踪系统 API"


@pytest.mark.parametrize("component", ["EvaluationScore", "JurisdictionScore"])
def test_a_score_without_a_total_may_have_a_blank_band(db, component, clean_generator_stats):
    """A score with no item that could be scored has no total and a blank band: the schema
    says so, so that a client validating answers takes "" for one."""
    schema = SchemaGenerator().get_schema(request=None, public=True)
    band = schema["components"]["schemas"][component]["properties"]["band"]
    refs = {choice.get("$ref", "").rsplit("/", 1)[-1] for choice in band.get("oneOf", [])}
    assert "BlankEnum" in refs
    assert schema["components"]["schemas"]["BlankEnum"]["enum"] == [""]


def test_the_whole_round_s_score_may_have_no_unit_name(db, clean_generator_stats):
    """The round's own row of an evaluation has no unit, and so no unit name."""
    schema = SchemaGenerator().get_schema(request=None, public=True)
    unit_name = schema["components"]["schemas"]["EvaluationScore"]["properties"]["unit_name"]
    assert unit_name.get("nullable") is True
