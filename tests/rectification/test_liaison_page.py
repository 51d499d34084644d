"""The liaison's measure page and task list, and the office's sign-off of a measure with no
evidence: what each sees and what a slip of the hand cannot do."""

from __future__ import annotations

import datetime

from django.contrib.staticfiles import finders
from django.test import Client
from django.utils import timezone

from rectification.models import Measure

from ..factories import MeasureFactory
from .helpers import add_evidence, put_in_state

S = Measure.Status


def signed_in(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(user)
    return client


def test_an_in_progress_measure_shows_submit_and_extension_as_open_cards_like_progress(
    measure_a, liaison_a
):
    Measure.objects.filter(pk=measure_a.pk).update(status=S.IN_PROGRESS)
    html = signed_in(liaison_a).get(f"/measures/{measure_a.pk}/").content.decode()
    for box in ("progress", "submit-box", "extension-box"):
        assert f'<section class="card" id="{box}">' in html, box
    assert "申请销号" in html and "申请延期" in html
    # Neither form is folded away behind a summary line.
    for form in ("submit-form", "extension-form"):
        before = html[: html.index(f'id="{form}"')]
        assert before.count("<details") == before.count("</details>"), form


def test_a_measure_waiting_for_sign_off_counts_once_on_my_tasks(problem, unit_a, liaison_a, office):
    today = timezone.localdate()
    todo = MeasureFactory(problem=problem, seq=1, lead_unit=unit_a)
    waiting = MeasureFactory(
        problem=problem, seq=2, lead_unit=unit_a, deadline=today - datetime.timedelta(days=2)
    )
    put_in_state(waiting, S.SUBMITTED, submitted_by=liaison_a, closed_by=office)
    done = MeasureFactory(problem=problem, seq=3, lead_unit=unit_a)
    put_in_state(done, S.CLOSED, submitted_by=liaison_a, closed_by=office)

    client = signed_in(liaison_a)
    page = client.get("/tasks/")
    counts = page.context["counts"]
    assert (counts["todo"], counts["submitted"], counts["closed"]) == (1, 1, 1)
    assert counts["overdue"] == 1  # said of the waiting one, not counted as a fourth
    assert [m.pk for m in page.context["page"]] == [todo.pk]
    assert [m.pk for m in client.get("/tasks/?tab=submitted").context["page"]] == [waiting.pk]
    assert [m.pk for m in client.get("/tasks/?tab=closed").context["page"]] == [done.pk]
    html = page.content.decode()
    assert html.count('data-count="submitted"') == 1


def submitted_without_evidence(measure: Measure, liaison, office) -> Measure:
    return put_in_state(measure, S.SUBMITTED, submitted_by=liaison, closed_by=office)


def test_signing_off_without_evidence_is_refused_until_confirmed(measure_a, liaison_a, office):
    measure = submitted_without_evidence(measure_a, liaison_a, office)
    client = signed_in(office)
    page = client.get(f"/measures/{measure.pk}/").content.decode()
    assert 'name="without_evidence"' in page

    step = f"/measures/{measure.pk}/approve/"
    refused = client.post(step, {"version": measure.version}, follow=True)
    measure.refresh_from_db()
    assert measure.status == S.SUBMITTED
    assert "没有佐证材料" in refused.content.decode()

    client.post(step, {"version": measure.version, "without_evidence": "1"})
    measure.refresh_from_db()
    assert measure.status == S.CLOSED


def test_a_measure_with_evidence_is_signed_off_without_the_question(measure_a, liaison_a, office):
    measure = submitted_without_evidence(measure_a, liaison_a, office)
    add_evidence(measure, liaison_a)
    client = signed_in(office)
    assert 'name="without_evidence"' not in client.get(f"/measures/{measure.pk}/").content.decode()
    assert 'name="without_evidence"' not in client.get("/workbench/").content.decode()
    client.post(f"/measures/{measure.pk}/approve/", {"version": measure.version})
    measure.refresh_from_db()
    assert measure.status == S.CLOSED


def test_the_workbench_asks_the_question_for_a_submission_with_no_evidence(
    measure_a, liaison_a, office
):
    submitted_without_evidence(measure_a, liaison_a, office)
    html = signed_in(office).get("/workbench/").content.decode()
    assert html.count('name="without_evidence"') == 1


def test_every_page_names_its_favicon(liaison_a):
    html = signed_in(liaison_a).get("/tasks/").content.decode()
    assert '<link rel="icon" type="image/svg+xml" href="/static/favicon.svg">' in html
    assert finders.find("favicon.svg")
