"""The API's JSON parser: a body is refused at the door unless everything after it can keep it.

Python's json module reads a string holding a lone surrogate ("\\ud800") that no database,
file or answer can encode, and gives up on a body nested a few thousand levels deep with a
RecursionError; both used to surface as a 500 from wherever the value went next. Set as the
default parser (REST_FRAMEWORK in config/settings.py), this refuses either with a 400 for
every endpoint at once. Form and multipart bodies need no such guard: Django decodes them
with errors="replace", so a surrogate's bytes arrive as U+FFFD.
"""

from __future__ import annotations

import json
import re
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework import parsers
from rest_framework.exceptions import ParseError

# No request of this API nests deeper than a handful of levels.
MAX_DEPTH = 64

_SURROGATE = re.compile("[\ud800-\udfff]")


# Where JSONBodyMiddleware leaves a body it has read, so that DRF does not read it again.
CHECKED = "_checked_json"


def read_json(body: bytes, encoding: str | None = None, *, strict: bool = True) -> Any:
    """The JSON value of a request body, or ParseError (400) with a message saying why not."""
    encoding = encoding or settings.DEFAULT_CHARSET
    try:
        text = body.decode(encoding)
    except (LookupError, UnicodeError, TypeError):
        # An unknown charset, bytes that are not in it, or a text transform (rot13).
        raise ParseError(
            _("The request body is not valid %(charset)s text.") % {"charset": encoding},
            code="invalid_encoding",
        ) from None
    try:
        data = json.loads(text, parse_constant=_refuse_constant if strict else None)
    except RecursionError:
        raise _too_deep() from None
    except ValueError as exc:
        raise ParseError(
            _("The request body is not valid JSON: %(error)s") % {"error": exc},
            code="parse_error",
        ) from None
    check_json(data)
    return data


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser with the checks of `read_json`; the default of REST_FRAMEWORK."""

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        context = parser_context or {}
        django_request = getattr(context.get("request"), "_request", None)
        if django_request is not None and hasattr(django_request, CHECKED):
            return getattr(django_request, CHECKED)
        body = stream.read() if stream is not None else b""
        return read_json(body, context.get("encoding"), strict=self.strict)


def _refuse_constant(name: str) -> Any:
    # NaN and Infinity are JavaScript, not JSON: refused as DRF's strict mode does.
    raise ValueError(f"{name} is not a JSON value")


def _too_deep() -> ParseError:
    return ParseError(
        _("The request body is nested more than %(limit)d levels deep.") % {"limit": MAX_DEPTH},
        code="too_deep",
    )


def check_json(data: Any) -> None:
    """Refuse a decoded body nested deeper than MAX_DEPTH or holding a lone surrogate in any
    key or value. Iterative, so that it cannot itself run out of stack."""
    stack: list[tuple[Any, int]] = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, str):
            if _SURROGATE.search(value):
                raise _lone_surrogate()
        elif isinstance(value, dict | list):
            if depth > MAX_DEPTH:
                raise _too_deep()
            items: Any = value
            if isinstance(value, dict):
                if any(_SURROGATE.search(key) for key in value):
                    raise _lone_surrogate()
                items = value.values()
            stack.extend((item, depth + 1) for item in items if isinstance(item, str | dict | list))


def _lone_surrogate() -> ParseError:
    return ParseError(
        _(
            "The request body holds a character that is not valid Unicode (a lone surrogate "
            "such as \\ud800)."
        ),
        code="invalid_unicode",
    )
