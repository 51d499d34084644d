"""The `{% url %}` tag, answered from each view's address pattern once it is known.

A page of a hundred measures reverses a hundred addresses or more (the workbench about four
hundred), and Django's `reverse` costs about 30 µs each: it walks the view's patterns, runs
each argument through its converter and matches the result against the route's regular
expression. Here the first `{% url 'measure-detail' m.pk %}` reverses the view once with a
stand-in key and keeps the answer as a pattern ("/measures/{0}/"); every later one with a
non-negative integer formats the pattern. Anything else (keyword arguments, a text or a
negative number from the page's data, a route that refuses the stand-in) is reversed as
Django does, so the answers are always Django's own: tests/test_template_urls.py holds that
for every route of the project.

Registered as a template builtin (settings.TEMPLATES), so that every template's `{% url %}`
is this one; the patterns are keyed by URLconf, script prefix and current app, and are
forgotten when the URLconf setting changes.
"""

from __future__ import annotations

from typing import Any

from django.core.signals import setting_changed
from django.dispatch import receiver
from django.template import Library, Variable
from django.template.defaulttags import URLNode
from django.template.defaulttags import url as django_url
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse
from django.utils.html import conditional_escape

register = Library()

# Stand-ins for integer arguments: larger than any key the database will hand out.
_STAND_IN = 987_654_321_987_654_000
_MAX_PATTERNS = 2000
_patterns: dict[tuple, tuple[str, ...] | None] = {}


@receiver(setting_changed)
def _forget(*, setting: str, **kwargs: Any) -> None:
    if setting in ("ROOT_URLCONF", "FORCE_SCRIPT_NAME"):
        _patterns.clear()


def _pattern(view_name: str, shape: tuple, current_app: str | None) -> tuple[str, ...] | None:
    """The address of `view_name` cut at its integer arguments ("/measures/", "/"), or None
    when it cannot be: reversed once with a stand-in for each integer, which must then stand
    in the address exactly once each and in order."""
    stand_ins = [str(_STAND_IN + i) if value is None else value for i, value in enumerate(shape)]
    try:
        address = reverse(view_name, args=stand_ins, current_app=current_app)
    except NoReverseMatch:
        return None
    pieces: list[str] = []
    rest = address
    for i, value in enumerate(shape):
        if value is not None:
            continue
        stand_in = str(_STAND_IN + i)
        if rest.count(stand_in) != 1 or address.count(stand_in) != 1:
            return None
        before, rest = rest.split(stand_in)
        pieces.append(before)
    pieces.append(rest)
    return tuple(pieces)


def _from_pattern(view_name: str, args: list, shape: tuple, current_app: str | None) -> str | None:
    """The address from the view's kept pattern (`shape`: None for each integer of `args`,
    the word itself for a word of the template), or None where there is no pattern."""
    key = (get_urlconf(), get_script_prefix(), current_app, view_name, shape)
    try:
        pieces = _patterns[key]
    except KeyError:
        pieces = _pattern(view_name, shape, current_app)
        if len(_patterns) < _MAX_PATTERNS:
            _patterns[key] = pieces
    if pieces is None:
        return None
    numbers = iter(str(value) for value, kind in zip(args, shape, strict=True) if kind is None)
    return pieces[0] + "".join(next(numbers) + piece for piece in pieces[1:])


def address(view_name: str, *keys: int) -> str:
    """reverse(view_name, args=keys) for keys that are non-negative integers, from the kept
    pattern: for code that writes many rows' links itself."""
    shape = tuple(None for _ in keys)
    if all(type(key) is int and key >= 0 for key in keys):
        found = _from_pattern(view_name, list(keys), shape, None)
        if found is not None:
            return found
    return reverse(view_name, args=keys)


class PatternURLNode(URLNode):
    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self._literal = [not isinstance(a.var, Variable) and not a.filters for a in self.args]

    def render(self, context: Any) -> str:
        if self.kwargs:
            return super().render(context)
        args = [arg.resolve(context) for arg in self.args]
        # Integers from the page go into the pattern; literal words of the template are part
        # of its key ('approve' in {% url 'measure-step' m.pk 'approve' %}).
        shape: list[Any] = []
        for expression, value in zip(self._literal, args, strict=True):
            if type(value) is int and value >= 0:
                shape.append(None)
            elif expression and isinstance(value, str):
                shape.append(value)
            else:
                return super().render(context)
        view_name = self.view_name.resolve(context)
        request = getattr(context, "request", None)
        current_app = getattr(request, "current_app", None)
        if current_app is None:
            current_app = getattr(getattr(request, "resolver_match", None), "namespace", None)
        address = _from_pattern(view_name, args, tuple(shape), current_app)
        if address is None:
            return super().render(context)
        if self.asvar:
            context[self.asvar] = address
            return ""
        return conditional_escape(address) if context.autoescape else address


@register.tag
def url(parser: Any, token: Any) -> PatternURLNode:
    """Django's {% url %} (same syntax, same answers), faster on a page of many rows."""
    node = django_url(parser, token)
    return PatternURLNode(node.view_name, node.args, node.kwargs, node.asvar)
