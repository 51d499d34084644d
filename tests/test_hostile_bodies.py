"""A body nothing could keep answers 400 at every write endpoint, never a 500.

Python reads a JSON string holding a lone surrogate ("\\ud800") that PostgreSQL, a file or
the answer cannot encode, and fails a body nested 10,000 levels deep with a RecursionError.
The endpoints are taken from the OpenAPI schema, so a new one is held to this too.
"""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from django.test import Client
from drf_spectacular.generators import SchemaGenerator
from rest_framework.exceptions import ParseError

from config.parsers import MAX_DEPTH, JSONParser
from findings.models import ProblemClue

CHINESE = re.compile(r"[\u4e00-\u9fff]")
DEEP = 10_000
SURROGATE = "\\ud800x"  # as the JSON text carries it: a high surrogate with no low one after


def nested(depth: int) -> str:
    return '{"x":' * (depth - 1) + "{}" + "}" * (depth - 1)


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    return SchemaGenerator().get_schema(request=None, public=True)


def write_operations(schema: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    """(method, path with ids filled in, JSON request schema or {}) of every write."""
    found = []
    for path, item in schema["paths"].items():
        for method in ("post", "put", "patch"):
            if method not in item:
                continue
            content = item[method].get("requestBody", {}).get("content", {})
            body = next(iter(content.values()), {}).get("schema", {})
            found.append((method.upper(), re.sub(r"\{\w+\}", "1", path), body))
    return found


def resolve(schema: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node or len(node.get("allOf", [])) == 1:
        if "$ref" in node:
            node = schema["components"]["schemas"][node["$ref"].rsplit("/", 1)[1]]
        else:
            node = node["allOf"][0]
    return node


def string_fields(schema: dict[str, Any], body: dict[str, Any]) -> list[str]:
    properties = resolve(schema, body).get("properties", {}) if body else {}
    return [
        name
        for name, node in properties.items()
        if resolve(schema, node).get("type") == "string"
        and resolve(schema, node).get("format") != "binary"
    ]


def send(client: Client, method: str, path: str, text: str) -> Any:
    return client.generic(method, path, text.encode(), content_type="application/json")


def refusal_of(response: Any, code: str) -> str | None:
    """None when the answer is the refusal it should be, else what is wrong with it."""
    if response.status_code != 400:
        return f"{response.status_code} {response.content[:200]!r}"
    body = response.json()
    if body.get("code") != code or not CHINESE.search(body.get("detail", "")):
        return f"400 but {body}"
    return None


def test_every_write_endpoint_refuses_a_lone_surrogate_in_each_string_field(schema, office, client):
    client.force_login(office)
    operations = write_operations(schema)
    failures, sent = [], 0
    for method, path, body in operations:
        for field in string_fields(schema, body) or ["text"]:
            sent += 1
            response = send(client, method, path, f'{{"{field}": "{SURROGATE}"}}')
            if problem := refusal_of(response, "invalid_unicode"):
                failures.append(f"{method} {path} {field}: {problem}")

    assert len(operations) >= 60, "the schema lists fewer writes than the API has"
    assert sent >= 150  # about three string fields a write
    assert not failures, "\n".join(failures)


def test_every_write_endpoint_refuses_a_body_nested_ten_thousand_deep(schema, office, client):
    client.force_login(office)
    deep = nested(DEEP)
    failures = [
        f"{method} {path}: {problem}"
        for method, path, _body in write_operations(schema)
        if (problem := refusal_of(send(client, method, path, deep), "too_deep"))
    ]

    assert not failures, "\n".join(failures)


def test_a_lone_surrogate_in_a_key_or_deep_inside_a_list_is_refused(office, client):
    client.force_login(office)

    as_key = send(client, "POST", "/api/v1/clues/", f'{{"{SURROGATE}": 1}}')
    in_list = send(client, "POST", "/api/v1/clues/", f'{{"a": [[1, ["{SURROGATE}"]]]}}')

    assert refusal_of(as_key, "invalid_unicode") is None
    assert refusal_of(in_list, "invalid_unicode") is None
    assert ProblemClue.objects.count() == 0


def test_a_surrogate_pair_is_one_character_and_passes(office, client, inspection_round):
    client.force_login(office)
    body = (
        f'{{"round": {inspection_round.pk}, "summary": "反映\\ud83d\\ude00问题", '
        '"transferred_to": "区纪委监委", "transferred_on": "2026-07-05"}'
    )

    response = send(client, "POST", "/api/v1/clues/", body)

    assert response.status_code == 201, response.content
    assert ProblemClue.objects.get().summary == "反映\U0001f600问题"


def test_the_depth_limit_is_inclusive(office, client):
    client.force_login(office)

    at_limit = send(client, "POST", "/api/v1/clues/", nested(MAX_DEPTH))
    past_it = send(client, "POST", "/api/v1/clues/", nested(MAX_DEPTH + 1))

    # At the limit the body is read and judged by the serializer: its fields are missing.
    assert at_limit.status_code == 400 and "summary" in at_limit.json(), at_limit.json()
    assert refusal_of(past_it, "too_deep") is None


def test_the_refusal_speaks_english_when_asked(office, client):
    client.force_login(office)

    response = client.generic(
        "POST",
        "/api/v1/clues/",
        nested(DEEP).encode(),
        content_type="application/json",
        headers={"accept-language": "en"},
    )

    assert response.status_code == 400
    assert response.json() == {
        "detail": f"The request body is nested more than {MAX_DEPTH} levels deep.",
        "code": "too_deep",
    }


def test_a_body_that_is_not_json_or_not_in_its_charset_is_refused_in_chinese(office, client):
    client.force_login(office)

    broken = send(client, "POST", "/api/v1/clues/", "{not json")
    latin = client.generic(
        "POST", "/api/v1/clues/", b'{"a": "\xff"}', content_type="application/json"
    )
    rot13 = client.generic(
        "POST", "/api/v1/clues/", b"{}", content_type="application/json; charset=rot13"
    )

    assert refusal_of(broken, "parse_error") is None
    assert refusal_of(latin, "invalid_encoding") is None
    assert refusal_of(rot13, "invalid_encoding") is None


def test_an_anonymous_request_is_refused_the_same_without_reaching_sign_in(client):
    response = send(client, "POST", "/api/v1/auth/token/", nested(DEEP))

    assert refusal_of(response, "too_deep") is None


def test_a_body_too_large_to_hold_in_memory_is_judged_by_drf_s_parser(office, client, settings):
    # Past DATA_UPLOAD_MAX_MEMORY_SIZE the middleware leaves the body to the view's parser.
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    client.force_login(office)
    padded = f'{{"text": "{"问" * 1000}", "more": {nested(DEEP)}}}'

    deep = send(client, "POST", "/api/v1/clues/", padded)
    odd = send(client, "POST", "/api/v1/clues/", f'{{"text": "{"问" * 1000}{SURROGATE}"}}')

    assert refusal_of(deep, "too_deep") is None
    assert refusal_of(odd, "invalid_unicode") is None


@pytest.mark.parametrize(
    ("text", "code"),
    [(nested(DEEP), "too_deep"), (f'["{SURROGATE}"]', "invalid_unicode"), ("[1,", "parse_error")],
)
def test_drf_s_parser_itself_refuses_what_the_middleware_would(text, code):
    # A view reached without the middleware (a request factory, a future mount) still refuses.
    with pytest.raises(ParseError) as refused:
        JSONParser().parse(io.BytesIO(text.encode()), "application/json", {})

    assert refused.value.get_codes() == code


# --- Form and multipart bodies: Django decodes them with errors="replace" ------------------------

# The bytes a lone surrogate would have in UTF-8 if it could be written there (it cannot).
SURROGATE_BYTES = "%ED%A0%80"


def test_a_lone_surrogate_in_an_api_form_body_arrives_replaced(office, client, inspection_round):
    client.force_login(office)
    body = (
        f"round={inspection_round.pk}&summary=%E5%8F%8D%E6%98%A0{SURROGATE_BYTES}x"
        "&transferred_to=x&transferred_on=2026-07-05"
    )

    response = client.post("/api/v1/clues/", body, content_type="application/x-www-form-urlencoded")

    assert response.status_code == 201, response.content
    assert ProblemClue.objects.get().summary.startswith("反映\ufffd")


def test_a_lone_surrogate_in_a_multipart_body_arrives_replaced(office, client, inspection_round):
    client.force_login(office)
    boundary = "b0undary"
    parts = {
        "round": str(inspection_round.pk).encode(),
        "summary": b"\xed\xa0\x80x",
        "transferred_to": "区纪委监委".encode(),
        "transferred_on": b"2026-07-05",
    }
    body = (
        b"".join(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode()
            + value
            + b"\r\n"
            for name, value in parts.items()
        )
        + f"--{boundary}--\r\n".encode()
    )

    response = client.generic(
        "POST", "/api/v1/clues/", body, content_type=f"multipart/form-data; boundary={boundary}"
    )

    assert response.status_code == 201, response.content
    assert "\ufffd" in ProblemClue.objects.get().summary


def test_a_lone_surrogate_in_a_page_form_arrives_replaced(office, client, inspection_round):
    client.force_login(office)
    body = (
        f"round={inspection_round.pk}&summary=x{SURROGATE_BYTES}&transferred_to=x"
        "&transferred_on=2026-07-05&status=transferred&disciplined_count=0"
    )

    response = client.post("/clues/new/", body, content_type="application/x-www-form-urlencoded")

    assert response.status_code == 302, response.content.decode()[:2000]
    assert ProblemClue.objects.get().summary.startswith("x\ufffd")
