"""Table rows of measures, written in Python, as Django's admin writes its change list rows.

A round's page shows a hundred measures and the workbench sixty in its tables; Django's
template engine costs about 0.2 ms a row of seven cells, most of a page's time. These tags
write the same markup with format_html (every value escaped as the template escaped it),
the labels translated once per table and the links from config.template_urls' patterns.
tests/rectification/test_measure_rows.py renders the templates they replace beside them.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import template
from django.utils.dateformat import format as format_date
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import Truncator
from django.utils.translation import gettext, gettext_noop

from config.template_urls import address

from ..models import today
from .tracker import colour_label, unit_short

register = template.Library()


def _label(text: str) -> SafeString:
    # As {% translate "…" %} gives it: the template's own text, not escaped.
    return mark_safe(gettext(text))  # noqa: S308 - our own catalogue's text


# The cells' labels (data-label, for the narrow screen's folded rows) and texts of a table.
_CELL_LABELS = {
    "select": gettext_noop("Select"),
    "select_measure": gettext_noop("Select measure"),
    "measure": gettext_noop("Measure"),
    "lead_unit": gettext_noop("Lead unit"),
    "deadline": gettext_noop("Deadline"),
    "status": gettext_noop("Status"),
    "long_term": gettext_noop("Long-term"),
}


def _labels(**more: str) -> dict[str, SafeString]:
    """The labels translated once for a table: the cells' and `more`."""
    return {name: _label(text) for name, text in {**_CELL_LABELS, **more}.items()}


def _deadline(measure: Any, long_term: SafeString) -> Any:
    if measure.is_long_term:
        return long_term
    return format_date(measure.deadline, "Y-m-d") if measure.deadline else "—"


def _colour_badge(colour: str) -> SafeString:
    if colour == "none":
        return mark_safe("")
    return format_html('<span class="badge colour-{}">{}</span>', colour, colour_label(colour))


def _pick_cell(labels: dict[str, SafeString], m: Any, form: str, problem_seq: int) -> SafeString:
    """The row's checkbox for the bulk form `form`, named by the measure's number."""
    return format_html(
        '<td class="pick" data-label="{}"><label class="check"><input type="checkbox"'
        ' name="ids" value="{}" form="{}" aria-label="{} {}.{}"></label></td>',
        labels["select"],
        m.pk,
        form,
        labels["select_measure"],
        problem_seq,
        m.seq,
    )


@register.simple_tag
def round_measure_rows(measures: Iterable[Any], problem_seq: int, select: bool) -> SafeString:
    """The rows of rectification/round_detail.html: one problem's measures of the page."""
    labels = _labels(warning=gettext_noop("Warning"))
    day = today()
    rows = []
    for m in measures:
        pick = _pick_cell(labels, m, "bulk-round", problem_seq) if select else ""
        rows.append(
            format_html(
                '<tr data-measure="{}">{}<td data-label="#">{}</td>'
                '<td data-label="{}"><a href="{}">{}</a></td>'
                '<td data-label="{}">{}</td>'
                '<td data-label="{}">{}</td>'
                '<td data-label="{}"><span class="badge status-{}">{}</span></td>'
                '<td data-label="{}">{}</td></tr>',
                m.pk,
                pick,
                m.seq,
                labels["measure"],
                address("measure-detail", m.pk),
                Truncator(m.text).chars(80),
                labels["lead_unit"],
                m.lead_unit or "—",
                labels["deadline"],
                _deadline(m, labels["long_term"]),
                labels["status"],
                m.status,
                m.get_status_display(),
                labels["warning"],
                _colour_badge(m.warning_colour(day)),
            )
        )
    return mark_safe("\n".join(rows))  # noqa: S308 - each row built by format_html


@register.simple_tag
def measure_table_rows(rows: Iterable[Any], select: str, edit: bool, empty_text: str) -> SafeString:
    """The rows of rectification/_measure_table.html (the workbench's, the dashboard's and
    the measure list's), or its one row saying there are none."""
    labels = _labels(edit=gettext_noop("Edit"))
    day = today()
    written = []
    for m in rows:
        colour = m.warning_colour(day)
        href = address("measure-detail", m.pk)
        pick = _pick_cell(labels, m, select, m.problem.seq) if select else ""
        badge = format_html(" {}", _colour_badge(colour)) if colour != "none" else ""
        edit_cell = (
            format_html(
                '<td><a class="button small secondary" href="{}">{}</a></td>',
                address("measure-edit", m.pk),
                labels["edit"],
            )
            if edit
            else ""
        )
        written.append(
            format_html(
                '<tr data-measure="{}">{}<td data-label="#" class="nowrap"><a href="{}">{}.{}</a>'
                '</td><td data-label="{}"><a href="{}">{}</a></td>'
                '<td data-label="{}">{}</td>'
                '<td data-label="{}">{}{}</td>'
                '<td data-label="{}"><span class="badge status-{}">{}</span></td>{}</tr>',
                m.pk,
                pick,
                href,
                m.problem.seq,
                m.seq,
                labels["measure"],
                href,
                Truncator(m.text).chars(60),
                labels["lead_unit"],
                unit_short(m.lead_unit),
                labels["deadline"],
                _deadline(m, labels["long_term"]),
                badge,
                labels["status"],
                m.status,
                m.get_status_display(),
                edit_cell,
            )
        )
    if not written:
        return format_html('<tr><td colspan="7" class="empty">{}</td></tr>', empty_text)
    return mark_safe("\n".join(written))  # noqa: S308 - each row built by format_html
