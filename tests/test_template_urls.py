"""{% url %} (config/template_urls.py) answers what Django's reverse answers, for every route
of the project, whether it formats the view's kept pattern or reverses the address anew."""

from __future__ import annotations

import pytest
from django.template import Context, Template
from django.test import override_settings
from django.urls import (
    NoReverseMatch,
    URLPattern,
    URLResolver,
    get_resolver,
    reverse,
    set_script_prefix,
)
from django.urls.converters import IntConverter

from config import template_urls
from config.template_urls import PatternURLNode


def routes() -> list[tuple[str, int]]:
    """(name with its namespaces, number of arguments) of every named route whose arguments
    are all integers."""
    found: list[tuple[str, int]] = []

    def walk(patterns, namespace: str, converters: list) -> None:
        for entry in patterns:
            here = [*converters, *getattr(entry.pattern, "converters", {}).values()]
            if isinstance(entry, URLResolver):
                inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
                walk(entry.url_patterns, inner, here)
            elif isinstance(entry, URLPattern) and entry.name:
                if here and all(isinstance(c, IntConverter) for c in here):
                    found.append((namespace + entry.name, len(here)))

    walk(get_resolver().url_patterns, "", [])
    return sorted(set(found))


def render(source: str, **context) -> str:
    return Template(source).render(Context(context))


def test_every_template_s_url_tag_is_this_one():
    template = Template("{% url 'measure-detail' 1 %}")
    assert any(isinstance(node, PatternURLNode) for node in template.nodelist)


def test_it_answers_what_reverse_answers_for_every_integer_route():
    found = routes()
    assert ("measure-detail", 1) in found and len(found) > 40
    for name, count in found:
        for keys in ([0] * count, [7] * count, list(range(123456, 123456 + count))):
            names = " ".join(f"k{i}" for i in range(count))
            shown = render(
                f"{{% url '{name}' {names} %}}", **{f"k{i}": k for i, k in enumerate(keys)}
            )
            assert shown == reverse(name, args=keys), name


def test_words_of_the_template_are_part_of_the_pattern_and_data_is_reversed():
    for action in ("approve", "return", "endorse"):
        assert render(f"{{% url 'measure-step' pk '{action}' %}}", pk=42) == reverse(
            "measure-step", args=[42, action]
        )
    # A word from the page's data, a negative number, keyword arguments: reversed as Django does.
    assert render("{% url 'measure-step' pk step %}", pk=5, step="review") == reverse(
        "measure-step", args=[5, "review"]
    )
    assert render("{% url 'measure-detail' pk=9 %}") == reverse("measure-detail", args=[9])
    with pytest.raises(NoReverseMatch):
        render("{% url 'measure-detail' -1 %}")
    with pytest.raises(NoReverseMatch):
        render("{% url 'measure-detail' k %}", k="not a key")


def test_as_a_variable_and_escaped():
    assert render("{% url 'measure-detail' 3 as here %}[{{ here }}]") == (
        f"[{reverse('measure-detail', args=[3])}]"
    )
    assert render("{% url 'no-such-view' 3 as here %}[{{ here }}]") == "[]"


def test_a_new_script_prefix_or_urlconf_gives_new_addresses():
    before = render("{% url 'measure-detail' 11 %}")
    set_script_prefix("/tracker/")
    try:
        assert render("{% url 'measure-detail' 11 %}") == "/tracker" + before
    finally:
        set_script_prefix("/")
    with override_settings(ROOT_URLCONF="tests.urls_for_template_urls"):
        assert render("{% url 'measure-detail' 11 %}") == "/elsewhere/11/"
    assert render("{% url 'measure-detail' 11 %}") == before
    assert template_urls._patterns  # kept again
