"""Django's `i18n` template library, with `{% translate "…" %}` of a constant text answered
once per language and kept on the tag.

A page of many rows translates the same few labels for every row (the workbench about eight
hundred times), and each `{% translate %}` costs Django a lazy string, three look-ups of the
active language and an escape. A constant text with no filter has one answer per language
(it is the template's own text, never escaped): the first one is Django's own (the same
node's render), kept on the node; the next are read back. Texts from variables, filters,
`noop` and a context from a variable are rendered as Django renders them. The answers are
forgotten when a setting that decides them changes (tests/test_template_i18n.py).

The project's templates load it as `{% load tracker_i18n %}` (settings.TEMPLATES
"libraries"; installed under Django's own name "i18n" it would shadow a library that the
system checks expect to be Django's); every other tag and filter is Django's.
"""

from __future__ import annotations

import itertools
from typing import Any

from django.core.signals import setting_changed
from django.dispatch import receiver
from django.template import Library, Variable
from django.templatetags import i18n as django_i18n
from django.utils import translation

register = Library()
register.tags.update(django_i18n.register.tags)
register.filters.update(django_i18n.register.filters)

_generation = itertools.count()
_current = next(_generation)

# The settings whose change may change a translation: kept answers are then dropped.
_DECIDING = {"LANGUAGE_CODE", "LANGUAGES", "LOCALE_PATHS", "INSTALLED_APPS", "USE_I18N"}


@receiver(setting_changed)
def _forget(*, setting: str, **kwargs: Any) -> None:
    global _current
    if setting in _DECIDING:
        _current = next(_generation)


def _constant(expression: Any) -> bool:
    if expression is None:
        return True
    var = expression.var
    literal = isinstance(var, str) or (isinstance(var, Variable) and var.literal is not None)
    return literal and not expression.filters


class KeptTranslateNode(django_i18n.TranslateNode):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._keep = (
            not self.noop and _constant(self.filter_expression) and _constant(self.message_context)
        )
        self._kept: dict[tuple, Any] = {}

    def render(self, context: Any) -> str:
        if not self._keep:
            return super().render(context)
        key = (_current, translation.get_language())
        try:
            value = self._kept[key]
        except KeyError:
            shown = super().render(context)
            value = context[self.asvar] if self.asvar else shown
            if len(self._kept) > 16:  # a language or two
                self._kept.clear()
            self._kept[key] = value
        if self.asvar:
            context[self.asvar] = value
            return ""
        return value


def _kept(tag: Any) -> Any:
    def compile_tag(parser: Any, token: Any) -> Any:
        node = tag(parser, token)
        return KeptTranslateNode(
            node.filter_expression, node.noop, node.asvar, node.message_context
        )

    compile_tag.__doc__ = tag.__doc__
    return compile_tag


register.tag("translate", _kept(django_i18n.do_translate))
register.tag("trans", _kept(django_i18n.do_translate))
