"""Bulk actions (批量操作): each action over 50 measures in one transaction through the single
measure's service, all or nothing, with a preview that changes nothing and a refusal that
names the measures blocking it."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from rectification import bulk
from rectification.models import Measure, StatusChange, today
from supervision import urges
from supervision.models import UrgeNotice
from tests.factories import MeasureFactory, ProblemFactory, RoundFactory, UnitFactory

from .helpers import put_in_state

pytestmark = pytest.mark.django_db

URL = "/api/v1/measures/bulk/"
URGE_URL = "/api/v1/urges/bulk/"


def imported(problem, n: int, **fields) -> list[Measure]:
    """Measures as a feedback import leaves them: no lead unit, no deadline yet (long-term
    until the office gives one)."""
    defaults = {"lead_unit": None, "deadline": None, "is_long_term": True}
    return [MeasureFactory(problem=problem, seq=i + 1, **{**defaults, **fields}) for i in range(n)]


def submitted(problem, n: int, unit, liaison, office) -> list[Measure]:
    return [
        put_in_state(
            MeasureFactory(problem=problem, seq=i + 1, lead_unit=unit),
            Measure.Status.SUBMITTED,
            submitted_by=liaison,
            closed_by=office,
        )
        for i in range(n)
    ]


def snapshot(measures) -> list[tuple]:
    return list(
        Measure.objects.filter(pk__in=[m.pk for m in measures])
        .order_by("pk")
        .values_list("pk", "version", "status", "lead_unit", "deadline", "lead_official")
    )


def history_count(measures) -> int:
    return StatusChange.objects.filter(measure__in=measures).count()


# --- Each action on 50 measures ------------------------------------------------------------


def test_office_sets_unit_official_units_and_deadline_of_50_measures_in_one_request(
    client_for, office, problem, unit_a, unit_b, django_assert_max_num_queries
):
    measures = imported(problem, 50)
    deadline = today() + datetime.timedelta(days=60)
    body = {
        "action": "update",
        "ids": [m.pk for m in measures],
        "fields": {
            "lead_unit": unit_a.pk,
            "cooperating_units": [unit_b.pk],
            "lead_official": "王局长",
            "deadline": deadline.isoformat(),
        },
    }
    response = client_for(office).post(URL, body, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["changed"] == 50
    rows = Measure.objects.filter(pk__in=[m.pk for m in measures])
    assert {(m.lead_unit_id, m.deadline, m.lead_official, m.version) for m in rows} == {
        (unit_a.pk, deadline, "王局长", 2)
    }
    assert all(list(m.cooperating_units.all()) == [unit_b] for m in rows)
    # Each field's change is in each measure's history, as a single edit writes it.
    edits = StatusChange.objects.filter(measure__in=measures, action="edit")
    assert edits.count() == 50 * 4
    assert set(edits.values_list("field", flat=True)) == {
        "lead_unit",
        "cooperating_units",
        "lead_official",
        "deadline",
    }


def test_deadlines_of_50_measures_move_by_n_days_with_the_reason_in_each_history(
    client_for, office, problem, unit_a
):
    measures = [MeasureFactory(problem=problem, seq=i + 1, lead_unit=unit_a) for i in range(50)]
    before = {m.pk: m.deadline for m in measures}
    response = client_for(office).post(
        URL,
        {
            "action": "shift_deadlines",
            "ids": [m.pk for m in measures],
            "days": 15,
            "reason": "区委常委会决定整体顺延",
        },
        format="json",
    )
    assert response.status_code == 200, response.content
    for m in Measure.objects.filter(pk__in=before):
        assert m.deadline == before[m.pk] + datetime.timedelta(days=15)
    rows = StatusChange.objects.filter(measure__in=measures, field="deadline")
    assert rows.count() == 50
    assert set(rows.values_list("comment", flat=True)) == {"区委常委会决定整体顺延"}


def test_moving_a_round_s_deadlines_leaves_signed_off_and_long_term_measures_as_they_are(
    client_for, office, office2, liaison_a, problem, unit_a
):
    moving = MeasureFactory(problem=problem, seq=1, lead_unit=unit_a)
    closed = put_in_state(
        MeasureFactory(problem=problem, seq=2, lead_unit=unit_a),
        Measure.Status.CLOSED,
        submitted_by=liaison_a,
        closed_by=office2,
    )
    long_term = MeasureFactory(problem=problem, seq=3, deadline=None, is_long_term=True)
    response = client_for(office).post(
        URL,
        {
            "action": "shift_deadlines",
            "filter": {"round": problem.round_id},
            "days": -3,
            "reason": "提前完成",
        },
        format="json",
    )
    assert response.status_code == 200, response.content
    assert (response.json()["changed"], response.json()["unchanged"]) == (1, 2)
    assert Measure.objects.get(pk=moving.pk).deadline == moving.deadline - datetime.timedelta(3)
    assert snapshot([closed, long_term]) == [
        (closed.pk, closed.version, "closed", unit_a.pk, closed.deadline, ""),
        (long_term.pk, 1, "not_started", long_term.lead_unit_id, None, ""),
    ]


def test_office_signs_off_50_submissions_with_one_comment(
    client_for, office, liaison_a, problem, unit_a
):
    measures = submitted(problem, 50, unit_a, liaison_a, office)
    response = client_for(office).post(
        URL,
        {"action": "approve", "ids": [m.pk for m in measures], "comment": "同意销号"},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert set(Measure.objects.filter(pk__in=[m.pk for m in measures]).values_list("status")) == {
        ("closed",)
    }
    approvals = StatusChange.objects.filter(measure__in=measures, action="approve")
    assert approvals.count() == 50
    assert set(approvals.values_list("comment", "actor")) == {("同意销号", office.pk)}


def test_office_returns_50_submissions_with_one_reason(
    client_for, office, liaison_a, problem, unit_a
):
    measures = submitted(problem, 50, unit_a, liaison_a, office)
    response = client_for(office).post(
        URL,
        {"action": "return", "ids": [m.pk for m in measures], "reason": "佐证材料不全"},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert set(Measure.objects.filter(pk__in=[m.pk for m in measures]).values_list("status")) == {
        ("in_progress",)
    }
    assert (
        StatusChange.objects.filter(
            measure__in=measures, action="return", comment="佐证材料不全"
        ).count()
        == 50
    )


def test_one_urge_notice_goes_to_each_lead_unit_over_its_selected_measures(
    client_for, office, problem, unit_a, unit_b
):
    of_a = [MeasureFactory(problem=problem, seq=i + 1, lead_unit=unit_a) for i in range(40)]
    of_b = [MeasureFactory(problem=problem, seq=i + 41, lead_unit=unit_b) for i in range(10)]
    response = client_for(office).post(
        URGE_URL,
        {
            "ids": [m.pk for m in of_a + of_b],
            "level": "urge",
            "reason": "整改进度滞后",
            "reply_due": (today() + datetime.timedelta(days=7)).isoformat(),
        },
        format="json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["units"] == 2
    notices = UrgeNotice.objects.order_by("unit__name")
    assert sorted(response.json()["notices"]) == sorted(n.pk for n in notices)
    assert {n.unit_id: n.measures.count() for n in notices} == {unit_a.pk: 40, unit_b.pk: 10}
    assert StatusChange.objects.filter(measure__in=of_a + of_b, action="urge").count() == 50


# --- All or nothing ------------------------------------------------------------------------


def test_one_submission_in_the_wrong_state_refuses_the_whole_sign_off_naming_it(
    client_for, office, liaison_a, problem, unit_a
):
    measures = submitted(problem, 50, unit_a, liaison_a, office)
    stray = MeasureFactory(problem=ProblemFactory(round=problem.round, seq=7), seq=3)
    picked = measures + [stray]
    before, written = snapshot(picked), history_count(picked)
    response = client_for(office).post(
        URL, {"action": "approve", "ids": [m.pk for m in picked]}, format="json"
    )
    assert response.status_code == 409
    body = response.json()
    assert [(b["id"], b["number"]) for b in body["blocked"]] == [(stray.pk, "7.3")]
    assert "7.3" in body["detail"] and "未启动" in body["detail"]
    assert snapshot(picked) == before
    assert history_count(picked) == written


def test_a_submission_the_office_clerk_made_blocks_their_bulk_sign_off(
    client_for, office, office2, liaison_a, problem, unit_a
):
    """The second-person rule of measure_approve holds in bulk: it is that service's rule."""
    measures = submitted(problem, 5, unit_a, liaison_a, office2)
    Measure.objects.filter(pk=measures[2].pk).update(submitted_by=office)
    response = client_for(office).post(
        URL, {"action": "approve", "ids": [m.pk for m in measures]}, format="json"
    )
    assert response.status_code == 403
    assert [b["number"] for b in response.json()["blocked"]] == ["1.3"]
    assert Measure.objects.filter(status="closed").count() == 0


def test_a_measure_changed_since_the_preview_refuses_the_action(
    client_for, office, problem, unit_a
):
    measures = imported(problem, 5)
    client = client_for(office)
    body = {"action": "update", "ids": [m.pk for m in measures], "fields": {"lead_unit": unit_a.pk}}
    preview = client.post(URL, {**body, "preview": True}, format="json").json()
    Measure.objects.filter(pk=measures[1].pk).update(version=7, lead_official="别人改过")
    response = client.post(URL, {**body, "versions": preview["versions"]}, format="json")
    assert response.status_code == 409
    assert [b["number"] for b in response.json()["blocked"]] == ["1.2"]
    assert not Measure.objects.filter(lead_unit=unit_a).exists()


def test_an_id_out_of_scope_answers_as_if_it_did_not_exist_and_changes_nothing(
    client_for, liaison_a, liaison_b, office, problem, unit_a, unit_b
):
    own = MeasureFactory(problem=problem, seq=1, lead_unit=unit_a)
    theirs = MeasureFactory(problem=problem, seq=2, lead_unit=unit_b, text="乙单位的措施")
    before = snapshot([own, theirs])
    unknown = theirs.pk + 1000
    for ids in ([own.pk, theirs.pk], [own.pk, unknown]):
        response = client_for(liaison_a).post(
            URL, {"action": "shift_deadlines", "ids": ids, "days": 5, "reason": "x"}, format="json"
        )
        assert response.status_code == 400
        assert str(ids[1]) in response.json()["ids"][0]
        assert "乙单位" not in response.content.decode() and "1.2" not in response.content.decode()
    assert snapshot([own, theirs]) == before


def test_a_liaison_s_bulk_edit_of_their_own_measures_is_refused_naming_them(
    client_for, liaison_a, problem, unit_a
):
    mine = [MeasureFactory(problem=problem, seq=i + 1, lead_unit=unit_a) for i in range(3)]
    response = client_for(liaison_a).post(
        URL,
        {"action": "update", "ids": [m.pk for m in mine], "fields": {"lead_official": "我"}},
        format="json",
    )
    assert response.status_code == 403
    assert [b["number"] for b in response.json()["blocked"]] == ["1.1", "1.2", "1.3"]
    assert not Measure.objects.filter(lead_official="我").exists()


def test_a_measure_with_a_live_notice_blocks_the_bulk_urge_and_no_notice_is_issued(
    client_for, office, problem, unit_a, unit_b
):
    measures = [MeasureFactory(problem=problem, seq=i + 1, lead_unit=unit_a) for i in range(6)]
    other = MeasureFactory(problem=problem, seq=9, lead_unit=unit_b)
    due = today() + datetime.timedelta(days=7)
    urges.urge_issue(actor=office, measure=measures[4], level="remind", reason="r", reply_due=due)
    picked = measures + [other]
    written = history_count(picked)
    response = client_for(office).post(
        URGE_URL,
        {"ids": [m.pk for m in picked], "level": "urge", "reason": "滞后", "reply_due": str(due)},
        format="json",
    )
    assert response.status_code == 409
    assert [b["number"] for b in response.json()["blocked"]] == ["1.5"]
    assert UrgeNotice.objects.count() == 1
    assert history_count(picked) == written


# --- Preview, selection, bad input ---------------------------------------------------------


def test_a_preview_counts_what_would_change_and_changes_nothing(
    client_for, office, liaison_a, problem, unit_a
):
    measures = imported(problem, 8)
    Measure.objects.filter(pk__in=[m.pk for m in measures[:3]]).update(lead_unit=unit_a)
    before, written = snapshot(measures), history_count(measures)
    response = client_for(office).post(
        URL,
        {
            "action": "update",
            "ids": [m.pk for m in measures],
            "fields": {"lead_unit": unit_a.pk},
            "preview": True,
        },
        format="json",
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["preview"], body["selected"], body["changed"], body["unchanged"]) == (
        True,
        8,
        5,
        3,
    )
    assert body["versions"] == {str(m.pk): 1 for m in measures}
    assert snapshot(measures) == before
    assert history_count(measures) == written


def test_a_preview_of_an_urge_issues_no_notice(client_for, office, problem, unit_a):
    measures = [MeasureFactory(problem=problem, seq=i + 1, lead_unit=unit_a) for i in range(3)]
    response = client_for(office).post(
        URGE_URL,
        {
            "ids": [m.pk for m in measures],
            "level": "urge",
            "reason": "滞后",
            "reply_due": str(today() + datetime.timedelta(days=3)),
            "preview": True,
        },
        format="json",
    )
    assert response.status_code == 200
    assert (response.json()["changed"], response.json()["notices"]) == (3, [])
    assert not UrgeNotice.objects.exists()
    assert not StatusChange.objects.filter(action="urge").exists()


def test_select_all_matching_takes_the_filter_not_a_list_of_ids(
    client_for, office, problem, unit_a, unit_b
):
    other_round = ProblemFactory(round=RoundFactory(target_unit=unit_a), seq=1)
    in_round_a = [MeasureFactory(problem=problem, seq=i + 1, lead_unit=unit_a) for i in range(4)]
    MeasureFactory(problem=problem, seq=9, lead_unit=unit_b)
    MeasureFactory(problem=other_round, seq=1, lead_unit=unit_a)
    response = client_for(office).post(
        URL,
        {
            "action": "update",
            "filter": {"round": problem.round_id, "lead_unit": unit_a.pk},
            "fields": {"lead_official": "张科长"},
        },
        format="json",
    )
    assert response.status_code == 200, response.content
    assert set(Measure.objects.filter(lead_official="张科长").values_list("pk", flat=True)) == {
        m.pk for m in in_round_a
    }


def test_a_page_s_query_string_selects_the_same_measures_as_the_list(office, problem, unit_a):
    matching = [MeasureFactory(problem=problem, seq=i + 1, lead_unit=unit_a) for i in range(3)]
    MeasureFactory(problem=problem, seq=9, lead_unit=UnitFactory())
    targets = bulk.select(office, filter=f"?lead_unit={unit_a.pk}&page=2&ordering=seq")
    assert [t.id for t in targets] == sorted(m.pk for m in matching)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"action": "update", "ids": [1], "fields": {}}, "fields"),
        ({"action": "update", "fields": {"lead_official": "x"}}, "ids"),
        ({"action": "update", "ids": [1], "filter": {}, "fields": {"lead_official": "x"}}, "ids"),
        ({"action": "shift_deadlines", "ids": [1], "reason": "x"}, "days"),
        ({"action": "shift_deadlines", "ids": [1], "days": 3, "reason": " "}, "reason"),
        ({"action": "return", "ids": [1], "reason": ""}, "reason"),
        ({"action": "update", "filter": {"rund": 1}, "fields": {"lead_official": "x"}}, "filter"),
        ({"action": "update", "ids": ["a"], "fields": {"lead_official": "x"}}, "ids"),
        ({"action": "archive", "ids": [1]}, "action"),
        ({"action": "update", "ids": [1], "fields": {"lead_unit": 999999}}, "fields"),
    ],
)
def test_bad_input_answers_400_naming_the_field(client_for, office, problem, body, field):
    measure = MeasureFactory(problem=problem, seq=1)
    if body.get("ids") == [1]:
        body = {**body, "ids": [measure.pk]}
    response = client_for(office).post(URL, body, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert Measure.objects.get(pk=measure.pk).version == 1


def test_a_selection_over_the_maximum_is_refused_before_anything_is_written(
    client_for, office, problem, settings
):
    settings.BULK_MAX_MEASURES = 4
    measures = imported(problem, 5)
    client = client_for(office)
    by_filter = client.post(
        URL,
        {
            "action": "update",
            "filter": {"round": problem.round_id},
            "fields": {"lead_official": "x"},
        },
        format="json",
    )
    by_ids = client.post(
        URL,
        {"action": "update", "ids": [m.pk for m in measures], "fields": {"lead_official": "x"}},
        format="json",
    )
    assert (by_filter.status_code, by_ids.status_code) == (400, 400)
    assert "4" in by_filter.json()["filter"][0] and "4" in by_ids.json()["ids"][0]
    assert not Measure.objects.filter(lead_official="x").exists()


# --- Queries: a constant per measure written -----------------------------------------------


def _queries(run) -> int:
    with CaptureQueriesContext(connection) as captured:
        run()
    return len(captured)


# Each measure costs what its single service costs (its lock, its save, its history rows and
# the audit chain's entries for them) plus the savepoint around it: two for the savepoint,
# and for an edit of four fields the cooperating units read and set. An urge notice costs its
# unit, not its measures (one notice, one lock and one history insert for them all).
PER_MEASURE = {"update": 18, "shift_deadlines": 10, "approve": 9, "return": 9, "urge": 0}


@pytest.mark.parametrize("action", ["update", "shift_deadlines", "approve", "return", "urge"])
def test_the_queries_of_a_bulk_action_grow_by_a_constant_per_measure(
    action, office, office2, liaison_a, unit_a, unit_b
):
    def make(n: int) -> list[bulk.Target]:
        problem = ProblemFactory(round=RoundFactory(target_unit=unit_a), seq=1)
        if action in ("approve", "return"):
            measures = submitted(problem, n, unit_a, liaison_a, office2)
        else:
            measures = [
                MeasureFactory(problem=problem, seq=i + 1, lead_unit=unit_a) for i in range(n)
            ]
        return bulk.select(office, ids=[m.pk for m in measures])

    def act(targets):
        if action == "update":
            changes = {"lead_unit": unit_b, "cooperating_units": [unit_a], "lead_official": "李"}
            return lambda: bulk.bulk_update(actor=office, targets=targets, changes=changes)
        if action == "shift_deadlines":
            return lambda: bulk.bulk_shift_deadlines(
                actor=office, targets=targets, days=7, reason="顺延"
            )
        if action == "approve":
            return lambda: bulk.bulk_approve(actor=office, targets=targets, comment="同意")
        if action == "return":
            return lambda: bulk.bulk_return(actor=office, targets=targets, reason="补充")
        return lambda: urges.urge_issue_bulk(
            actor=office,
            targets=targets,
            level="urge",
            reason="滞后",
            reply_due=today() + datetime.timedelta(days=5),
        )

    small, large = make(5), make(50)
    at_5, at_50 = _queries(act(small)), _queries(act(large))
    per_measure = (at_50 - at_5) / 45
    assert per_measure <= PER_MEASURE[action], (at_5, at_50)
    if action == "urge":
        assert UrgeNotice.objects.count() == 2
    else:
        assert not Measure.objects.filter(pk__in=[t.id for t in large], version=1).exists()


# --- The pages -----------------------------------------------------------------------------


def test_the_lists_offer_the_office_a_checkbox_per_row_and_all_matching(
    client, office, liaison_a, problem, unit_a
):
    measures = [MeasureFactory(problem=problem, seq=i + 1, lead_unit=unit_a) for i in range(3)]
    client.force_login(office)
    for url in ("/measures/?status=not_started", f"/rounds/{problem.round_id}/"):
        page = client.get(url).content.decode()
        for m in measures:
            assert f'name="ids" value="{m.pk}"' in page
        assert 'name="all_matching"' in page
    assert (
        'value="status=not_started"' in client.get("/measures/?status=not_started").content.decode()
    )
    client.force_login(liaison_a)
    assert 'name="ids"' not in client.get("/measures/").content.decode()


def test_office_previews_then_sets_the_unit_and_deadline_of_ticked_measures_on_the_page(
    client, office, problem, unit_a
):
    measures = imported(problem, 4)
    client.force_login(office)
    deadline = today() + datetime.timedelta(days=30)
    form = {
        "ids": [m.pk for m in measures[:3]],
        "next": "/measures/",
        "action": "update",
        "lead_unit": unit_a.pk,
        "deadline": deadline.isoformat(),
    }
    chosen = client.post("/measures/bulk/", {"ids": form["ids"], "next": "/measures/"})
    assert chosen.status_code == 200 and "已选择 3 项措施" in chosen.content.decode()
    preview = client.post("/measures/bulk/", {**form, "step": "preview"})
    text = preview.content.decode()
    assert "将修改 3 项措施" in text and 'id="bulk-apply"' in text
    assert not Measure.objects.filter(lead_unit=unit_a).exists()
    versions = preview.context["versions"]
    done = client.post("/measures/bulk/", {**form, "step": "apply", "versions": versions})
    assert done.status_code == 302 and done["Location"] == "/measures/"
    assert set(
        Measure.objects.filter(lead_unit=unit_a, deadline=deadline).values_list("pk", flat=True)
    ) == {m.pk for m in measures[:3]}


def test_the_page_names_the_blocking_measure_and_changes_nothing(
    client, office, liaison_a, problem, unit_a
):
    submitted(problem, 3, unit_a, liaison_a, office)
    stray = MeasureFactory(problem=problem, seq=8, lead_unit=unit_a)
    client.force_login(office)
    response = client.post(
        "/measures/bulk/",
        {
            "all_matching": "1",
            "filter": f"round={problem.round_id}",
            "action": "return",
            "reason": "材料不全",
            "step": "apply",
        },
    )
    assert response.status_code == 200
    assert f'data-blocked="{stray.pk}"' in response.content.decode()
    assert "1.8" in response.content.decode()
    assert Measure.objects.filter(status="submitted").count() == 3


def test_office_issues_one_urge_per_unit_from_the_bulk_page(client, office, problem, unit_a):
    measures = [MeasureFactory(problem=problem, seq=i + 1, lead_unit=unit_a) for i in range(3)]
    client.force_login(office)
    form = {
        "ids": [m.pk for m in measures],
        "next": "/workbench/",
        "level": "urge",
        "reason": "进度滞后",
        "reply_due": (today() + datetime.timedelta(days=5)).isoformat(),
    }
    assert 'id="bulk-urge"' in client.post("/measures/bulk/", {"ids": form["ids"]}).content.decode()
    preview = client.post("/urges/bulk/", {**form, "step": "preview"})
    assert "将修改 3 项措施" in preview.content.decode() and not UrgeNotice.objects.exists()
    done = client.post(
        "/urges/bulk/", {**form, "step": "apply", "versions": preview.context["versions"]}
    )
    assert done.status_code == 302
    assert UrgeNotice.objects.get().measures.count() == 3


def test_the_bulk_pages_are_the_office_s(client, liaison_a, leader, problem, unit_a):
    measure = MeasureFactory(problem=problem, seq=1, lead_unit=unit_a)
    for user in (liaison_a, leader):
        client.force_login(user)
        assert client.post("/measures/bulk/", {"ids": [measure.pk]}).status_code == 403
        assert client.post("/urges/bulk/", {"ids": [measure.pk]}).status_code == 403
