# ruff: noqa: E501 - the reference templates are the templates' own lines
"""The rows that rectification/templatetags/measure_rows.py writes are the rows the
templates wrote before (kept here as the reference), cell for cell, in both languages."""

from __future__ import annotations

import datetime
import re

import pytest
from django.template import Context, Template
from django.utils import timezone, translation

from rectification.models import Measure, today
from tests.factories import MeasureFactory, ProblemFactory, UnitFactory

pytestmark = pytest.mark.django_db

ROUND_ROWS = """{% load i18n tracker %}{% translate "Select" as l_select %}{% translate "Select measure" as l_select_measure %}{% translate "Measure" as l_measure %}{% translate "Lead unit" as l_lead_unit %}{% translate "Deadline" as l_deadline %}{% translate "Status" as l_status %}{% translate "Warning" as l_warning %}{% translate "Long-term" as l_long_term %}
    {% for m in measures %}
      <tr data-measure="{{ m.pk }}">
        {% if office %}<td class="pick" data-label="{{ l_select }}"><label class="check"><input type="checkbox" name="ids" value="{{ m.pk }}" form="bulk-round" aria-label="{{ l_select_measure }} {{ seq }}.{{ m.seq }}"></label></td>{% endif %}
        <td data-label="#">{{ m.seq }}</td>
        <td data-label="{{ l_measure }}"><a href="{% url 'measure-detail' m.pk %}">{{ m.text|truncatechars:80 }}</a></td>
        <td data-label="{{ l_lead_unit }}">{{ m.lead_unit|default:"—" }}</td>
        <td data-label="{{ l_deadline }}">{% if m.is_long_term %}{{ l_long_term }}{% else %}{{ m.deadline|date:"Y-m-d"|default:"—" }}{% endif %}</td>
        <td data-label="{{ l_status }}"><span class="badge status-{{ m.status }}">{{ m.get_status_display }}</span></td>
        <td data-label="{{ l_warning }}">{% with c=m.warning_colour %}{% if c != "none" %}<span class="badge colour-{{ c }}">{{ c|colour_label }}</span>{% endif %}{% endwith %}</td>
      </tr>
    {% endfor %}"""

TABLE_ROWS = """{% load i18n tracker %}{% translate "Select" as l_select %}{% translate "Select measure" as l_select_measure %}{% translate "Measure" as l_measure %}{% translate "Lead unit" as l_lead_unit %}{% translate "Deadline" as l_deadline %}{% translate "Status" as l_status %}{% translate "Long-term" as l_long_term %}{% translate "Edit" as l_edit %}{% for m in rows %}{% with c=m.warning_colour %}
    <tr data-measure="{{ m.pk }}">
      {% if select %}<td class="pick" data-label="{{ l_select }}"><label class="check"><input type="checkbox" name="ids" value="{{ m.pk }}" form="{{ select }}" aria-label="{{ l_select_measure }} {{ m.problem.seq }}.{{ m.seq }}"></label></td>{% endif %}
      <td data-label="#" class="nowrap"><a href="{% url 'measure-detail' m.pk %}">{{ m.problem.seq }}.{{ m.seq }}</a></td>
      <td data-label="{{ l_measure }}"><a href="{% url 'measure-detail' m.pk %}">{{ m.text|truncatechars:60 }}</a></td>
      <td data-label="{{ l_lead_unit }}">{{ m.lead_unit|unit_short }}</td>
      <td data-label="{{ l_deadline }}">{% if m.is_long_term %}{{ l_long_term }}{% else %}{{ m.deadline|date:"Y-m-d"|default:"—" }}{% endif %}{% if c != "none" %} <span class="badge colour-{{ c }}">{{ c|colour_label }}</span>{% endif %}</td>
      <td data-label="{{ l_status }}"><span class="badge status-{{ m.status }}">{{ m.get_status_display }}</span></td>
      {% if edit %}<td><a class="button small secondary" href="{% url 'measure-edit' m.pk %}">{{ l_edit }}</a></td>{% endif %}
    </tr>{% endwith %}
  {% empty %}<tr><td colspan="7" class="empty">{{ empty_text }}</td></tr>
  {% endfor %}"""


def markup(html: str) -> str:
    """The markup without the whitespace between tags (the templates' indentation)."""
    return re.sub(r">\s+<", "><", html).strip()


@pytest.fixture
def measures(inspection_round, unit_a):
    """Every colour of warning, long-term with and without a deadline, no lead unit, a
    unit without a short name, texts past the cut and with signs to escape."""
    plain = UnitFactory(name="没有简称的单位", short_name="")
    problem = ProblemFactory(round=inspection_round, seq=7)
    day = today()
    made = []
    for i, offset in enumerate([-9, 0, 3, 12, 40, None, 5, None]):
        long_term = offset is None or i == 6
        made.append(
            MeasureFactory(
                problem=problem,
                seq=i + 1,
                text=("建立健全<制度>&“台账”" * (i + 1))[: 30 + i * 20],
                lead_unit=(unit_a, None, plain)[i % 3],
                deadline=None if offset is None else day + datetime.timedelta(days=offset),
                is_long_term=long_term,
                status=(status := Measure.Status.values[i % len(Measure.Status.values)]),
                closed_at=timezone.now() if status == Measure.Status.CLOSED else None,
            )
        )
    return list(
        Measure.objects.filter(pk__in=[m.pk for m in made])
        .select_related("problem", "lead_unit")
        .order_by("seq")
    )


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize("office", [True, False])
def test_a_round_s_rows_are_the_template_s(measures, language, office):
    context = {"measures": measures, "seq": 7, "office": office}
    new = "{% load measure_rows %}{% round_measure_rows measures seq office %}"
    with translation.override(language):
        expected = markup(Template(ROUND_ROWS).render(Context(context)))
        assert expected.count("<tr ") == len(measures)
        assert markup(Template(new).render(Context(context))) == expected


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize(("select", "edit"), [("bulk-overdue", True), ("", False), ('x"y', "")])
def test_a_measure_table_s_rows_are_the_template_s(measures, language, select, edit):
    new = "{% load measure_rows %}{% measure_table_rows rows select edit empty_text %}"
    for rows in (measures, []):
        context = {"rows": rows, "select": select, "edit": edit, "empty_text": "没有<措施>"}
        with translation.override(language):
            expected = markup(Template(TABLE_ROWS).render(Context(context)))
            assert markup(Template(new).render(Context(context))) == expected
