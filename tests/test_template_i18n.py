"""{% translate %} (config/template_i18n.py) answers what Django's own tag answers, for every
constant text of the project's templates in both languages, escaped or not; texts from
variables are translated anew each time, and a changed setting drops what was kept."""

from __future__ import annotations

import re
from pathlib import Path

from django.conf import settings
from django.template import Context, Engine, Template
from django.test import override_settings
from django.utils import translation

from config import template_i18n
from config.template_i18n import KeptTranslateNode

TEXTS = re.compile(r"""\{% (?:translate|trans) ((?:"[^"]*"|'[^']*')(?: context "[^"]*")?) %\}""")


def project_texts() -> list[str]:
    found: set[str] = set()
    for path in Path(settings.BASE_DIR, "templates").rglob("*.html"):
        found.update(TEXTS.findall(path.read_text(encoding="utf-8")))
    return sorted(found)


DJANGO = Engine(libraries={"i18n": "django.templatetags.i18n"})
OURS = Engine(libraries={"i18n": "config.template_i18n"})


def both(source: str) -> tuple[Template, Template]:
    """The same template compiled by Django's library and by ours: each rendered many times,
    so that ours answers from what it kept after the first time."""
    return tuple(engine.from_string("{% load i18n %}" + source) for engine in (DJANGO, OURS))


def render(template, autoescape: bool = True) -> str:
    return template.render(Context({}, autoescape=autoescape))


def assert_same(source: str) -> None:
    django, ours = both(source)
    for _ in range(2):  # the first time and when kept, in either language, escaped or not
        for language in ("zh-hans", "en"):
            with translation.override(language):
                for autoescape in (True, False):
                    assert render(ours, autoescape) == render(django, autoescape), source


def test_the_project_s_templates_load_this_library():
    template = Template("{% load tracker_i18n %}{% translate 'Measure' %}")
    assert any(isinstance(node, KeptTranslateNode) for node in template.nodelist)
    # A new template that loads Django's library instead would be slower, not wrong: this
    # keeps them all on the one library.
    for path in Path(settings.BASE_DIR, "templates").rglob("*.html"):
        assert not re.search(r"\{% load i18n[ %]", path.read_text(encoding="utf-8")), path


def test_every_constant_text_of_the_templates_reads_as_django_translates_it():
    texts = project_texts()
    assert len(texts) > 300
    assert_same("|".join(f"{{% translate {text} %}}" for text in texts))
    django, ours = both("{% translate 'Measure' %}")
    with translation.override("zh-hans"):
        assert render(ours) != "Measure"
    with translation.override("en"):
        assert render(ours) == "Measure"


def test_as_a_variable_with_a_context_and_with_signs_to_escape():
    for source in (
        "{% translate 'Deadline' as label %}[{{ label }}][{{ label }}]",
        '{% translate "May" context "month name" %}',
        "{% translate '100% & <b>' %}",
        "{% translate 'Select measure' %}{% translate \"Waiting for the head's endorsement\" %}",
        "{% translate 'Deadline' noop %}",
        "{% translate 'Status'|upper %}",
    ):
        assert_same(source)


def test_a_text_from_a_variable_is_translated_anew_each_time():
    template = OURS.from_string("{% load i18n %}{% for w in words %}{% translate w %}|{% endfor %}")
    with translation.override("zh-hans"):
        shown = template.render(Context({"words": ["Measure", "Deadline", "Status"]}))
        expected = "".join(translation.gettext(w) + "|" for w in ("Measure", "Deadline", "Status"))
    assert shown == expected


def test_a_changed_setting_drops_what_was_kept():
    template = OURS.from_string("{% load i18n %}{% translate 'Measure' %}")
    node = next(n for n in template.nodelist if isinstance(n, KeptTranslateNode))
    with translation.override("zh-hans"):
        template.render(Context())
        assert node._kept
        before = template_i18n._current
        with override_settings(LOCALE_PATHS=[]):
            assert template_i18n._current != before
            assert template.render(Context()) == translation.gettext("Measure")
