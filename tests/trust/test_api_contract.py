"""What the fuzzing found, kept as regression tests: every error is JSON with a `code`, the
page size is checked, nullable fields are documented as such, every error is documented."""

from __future__ import annotations

import pytest
from drf_spectacular.generators import SchemaGenerator

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("page_size", ["0", "-1", "501", "abc", "1e3"])
def test_an_invalid_page_size_answers_400_with_a_code(client_for, office, page_size):
    response = client_for(office).get("/api/v1/measures/", {"page_size": page_size})
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert "page_size" in response.json()


@pytest.mark.parametrize("page_size", ["1", "500"])
def test_a_valid_page_size_is_used(client_for, office, measure_a, page_size):
    response = client_for(office).get("/api/v1/measures/", {"page_size": page_size})
    assert response.status_code == 200


def test_every_field_error_carries_codes(client_for, office):
    response = client_for(office).post("/api/v1/petitions/", {"summary": ""}, format="json")
    body = response.json()
    assert response.status_code == 400 and body["code"] == "invalid"
    assert body["codes"]["round"] == ["required"]
    assert body["codes"]["summary"] == ["blank"]


def test_a_service_field_error_carries_its_code(client_for, liaison_a, measure_a):
    client = client_for(liaison_a)
    client.post(f"/api/v1/measures/{measure_a.pk}/start/", {})
    response = client.post(f"/api/v1/measures/{measure_a.pk}/submit/", {"result_summary": "x"})
    assert response.status_code == 400
    assert response.json()["codes"] == {"evidence": ["invalid"]}


def test_an_unknown_api_path_answers_json_404(client_for, office):
    response = client_for(office).get("/api/v1/rounds/-5/public-report/")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json()["code"] == "not_found"


def test_an_office_users_own_record_has_no_unit(client_for, office):
    assert client_for(office).get("/api/v1/me/").json()["unit_name"] is None


def test_the_schema_documents_nullable_names_and_every_error():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    components = schema["components"]["schemas"]
    assert components["Me"]["properties"]["unit_name"]["nullable"] is True
    assert components["Measure"]["properties"]["lead_unit_name"]["nullable"] is True
    patch = schema["paths"]["/api/v1/measures/{id}/"]["patch"]["responses"]
    assert {"400", "403", "404", "409", "412", "428"} <= set(patch)
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            assert {"400", "403", "404"} <= set(operation["responses"]), (method, path)


def test_the_schema_documents_each_content_type_an_evidence_download_answers():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    download = schema["paths"]["/api/v1/evidence/{id}/download/"]["get"]["responses"]["200"]
    assert {"application/pdf", "image/png", "application/zip"} <= set(download["content"])
