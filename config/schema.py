"""OpenAPI post-processing: every operation documents the error answers it can give.

drf-spectacular documents the success of each operation; the fuzzing in CI holds every
answer to the schema, so the errors are written in here, once, with their body shapes.
"""

from __future__ import annotations

from typing import Any

ERROR = {
    "type": "object",
    "properties": {"detail": {"type": "string"}, "code": {"type": "string"}},
    "required": ["detail"],
}
VALIDATION_ERROR = {
    "type": "object",
    "description": "Each field with its messages, a `code` and each field's message codes.",
    "properties": {
        "code": {"type": "string"},
        "codes": {"type": "object", "additionalProperties": {}},
    },
    "additionalProperties": {},
}
DESCRIPTIONS = {
    "400": "Invalid input: each field names its errors",
    "401": "Not signed in, or the token has expired",
    "403": "Not allowed for this user",
    "404": "No such object, or not visible to this user",
    "405": "Method not allowed",
    "406": "The requested format cannot be produced",
    "409": "The object is not in a state where this applies",
    "412": "If-Match names a version that is not the current one",
    "413": "The request is larger than the site accepts",
    "415": "Unsupported body format",
    "428": "The write must carry If-Match",
    "429": "Too many requests",
}
READ: tuple[str, ...] = ("400", "401", "403", "404", "406", "413", "429")
WRITE: tuple[str, ...] = (*READ, "405", "409", "415")
MEASURE_WRITE: tuple[str, ...] = (*WRITE, "412", "428")


def _response(code: str) -> dict[str, Any]:
    ref = "ValidationError" if code == "400" else "Error"
    return {
        "description": DESCRIPTIONS[code],
        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{ref}"}}},
    }


def document_errors(result: dict, generator: Any, request: Any, public: bool) -> dict:
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas["Error"] = ERROR
    schemas["ValidationError"] = VALIDATION_ERROR
    for path, item in result.get("paths", {}).items():
        for method, operation in item.items():
            if method not in {"get", "post", "put", "patch", "delete"}:
                continue
            if method == "get":
                codes = READ
            elif path.startswith("/api/v1/measures/"):
                codes = MEASURE_WRITE
            else:
                codes = WRITE
            responses = operation.setdefault("responses", {})
            for code in codes:
                if code in responses and "content" in responses[code]:
                    continue
                description = responses.get(code, {}).get("description")
                responses[code] = _response(code)
                if description:
                    responses[code]["description"] = description
    return result
