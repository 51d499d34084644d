"""Supervision groups (督查组) and their visits: a member acts like office on exactly the
group's units and rounds, for visits, urge notices and new problems only; a visit raises a
notice or a problem in the same step, and a refused follow-up saves no visit."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client

from accounts.models import User
from findings.models import Problem
from rectification.models import Measure, StatusChange
from supervision import groups as supervision
from supervision.models import SupervisionGroup, SupervisionVisit, UrgeNotice
from tests.factories import (
    ClueFactory,
    MeasureFactory,
    ProblemFactory,
    RoundFactory,
    UnitFactory,
    UserFactory,
)

from .helpers import put_in_state

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 11, 20)  # conftest.SHANGHAI_TODAY
GROUPS = "/api/v1/supervision-groups/"
VISITS = "/api/v1/supervision-visits/"


def day(days: int) -> str:
    return (TODAY + datetime.timedelta(days=days)).isoformat()


@pytest.fixture(autouse=True)
def _clock(shanghai_clock):
    return shanghai_clock


@pytest.fixture
def supervisor(db) -> User:
    return UserFactory(username="inspector", role=User.Role.SUPERVISOR, display_name="督查组王刚")


@pytest.fixture
def other_round(unit_top):
    return RoundFactory(name="2025年专项巡察", target_unit=unit_top)


@pytest.fixture
def group(office, supervisor, inspection_round, unit_a) -> SupervisionGroup:
    """Follows unit A in the first round only."""
    return supervision.group_create(
        actor=office,
        fields=supervision.GroupFields(
            name="第一整改督查组",
            leader=None,
            members=[supervisor],
            rounds=[inspection_round],
            units=[unit_a],
        ),
    )


@pytest.fixture
def world(group, measure_a, measure_b, other_round, unit_a):
    """measure_a is the group's; measure_b (unit B) and elsewhere (unit A, another round) not."""
    elsewhere = MeasureFactory(problem=ProblemFactory(round=other_round, seq=1), lead_unit=unit_a)
    return {"mine": measure_a, "unit_b": measure_b, "other_round": elsewhere}


def visit_body(group, unit, inspection_round, **extra):
    body = {
        "group": group.pk,
        "unit": unit.pk,
        "round": inspection_round.pk,
        "date": day(-1),
        "method": "documents",
        "findings": "台账资料不全，部分措施未见佐证",
        "rating": 2,
    }
    body.update(extra)
    return body


# --- Forming a group ---------------------------------------------------------------------------


def test_office_forms_a_group_through_the_api(
    client_for, office, supervisor, leader, inspection_round, unit_a, unit_b
):
    response = client_for(office).post(
        GROUPS,
        {
            "name": "第二整改督查组",
            "leader": leader.pk,
            "members": [supervisor.pk],
            "rounds": [inspection_round.pk],
            "units": [unit_a.pk, unit_b.pk],
        },
        format="json",
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["leader"] == leader.pk and body["members"] == [supervisor.pk]
    assert sorted(body["units"]) == sorted([unit_a.pk, unit_b.pk])
    assert body["member_names"] == ["督查组王刚"]
    assert SupervisionGroup.objects.get().created_by == office


@pytest.mark.parametrize("who", ["leader", "liaison_a", "supervisor"])
def test_only_office_forms_a_group(request, client_for, who, supervisor, inspection_round, unit_a):
    user = request.getfixturevalue(who)
    response = client_for(user).post(
        GROUPS,
        {
            "name": "督查组",
            "members": [supervisor.pk],
            "rounds": [inspection_round.pk],
            "units": [unit_a.pk],
        },
        format="json",
    )

    assert response.status_code == 403
    assert not SupervisionGroup.objects.exists()


@pytest.mark.parametrize(
    "change, field",
    [
        ({"units": []}, "units"),
        ({"rounds": []}, "rounds"),
        ({"members": "liaison"}, "members"),
        ({"name": "  "}, "name"),
        ({"members": []}, "members"),
    ],
)
def test_it_refuses_a_group_that_breaks_a_rule_and_saves_nothing(
    client_for, office, supervisor, liaison_a, inspection_round, unit_a, change, field
):
    body = {
        "name": "督查组",
        "members": [supervisor.pk],
        "rounds": [inspection_round.pk],
        "units": [unit_a.pk],
    }
    body.update(change)
    if body["members"] == "liaison":
        body["members"] = [liaison_a.pk]

    response = client_for(office).post(GROUPS, body, format="json")

    assert response.status_code == 400
    assert field in response.json()
    assert not SupervisionGroup.objects.exists()


def test_a_group_name_is_taken_once(
    client_for, office, group, supervisor, inspection_round, unit_a
):
    response = client_for(office).post(
        GROUPS,
        {
            "name": group.name,
            "members": [supervisor.pk],
            "rounds": [inspection_round.pk],
            "units": [unit_a.pk],
        },
        format="json",
    )

    assert response.status_code == 400 and "name" in response.json()
    assert SupervisionGroup.objects.count() == 1


def test_office_changes_a_group_and_a_dissolved_group_gives_no_scope(
    client_for, office, group, supervisor, world, inspection_round, unit_a
):
    member = client_for(supervisor)
    assert member.get(f"/api/v1/measures/{world['mine'].pk}/").status_code == 200

    response = client_for(office).put(
        f"{GROUPS}{group.pk}/",
        {
            "name": group.name,
            "members": [supervisor.pk],
            "rounds": [inspection_round.pk],
            "units": [unit_a.pk],
            "is_active": False,
        },
        format="json",
    )

    assert response.status_code == 200 and response.json()["is_active"] is False
    assert member.get(f"/api/v1/measures/{world['mine'].pk}/").status_code == 404
    assert member.get(GROUPS).json()["count"] == 0


# --- What a member sees ------------------------------------------------------------------------


def test_a_member_sees_exactly_the_measures_of_the_groups_units_and_rounds(
    client_for, supervisor, world
):
    member = client_for(supervisor)

    listed = {row["id"] for row in member.get("/api/v1/measures/").json()["results"]}

    assert listed == {world["mine"].pk}
    assert member.get(f"/api/v1/measures/{world['unit_b'].pk}/").status_code == 404
    assert member.get(f"/api/v1/measures/{world['other_round'].pk}/").status_code == 404
    history = member.get(f"/api/v1/measures/{world['mine'].pk}/history/")
    assert history.status_code == 200


def test_a_supervisor_on_no_group_sees_nothing(client_for, world):
    outsider = UserFactory(username="outsider", role=User.Role.SUPERVISOR)
    api = client_for(outsider)

    assert api.get("/api/v1/measures/").json()["count"] == 0
    assert api.get(GROUPS).json()["count"] == 0
    assert api.get(VISITS).json()["count"] == 0
    assert api.get(f"/api/v1/measures/{world['mine'].pk}/").status_code == 404


def test_a_member_sees_the_pages_of_the_groups_measures_only(client, supervisor, world):
    client.force_login(supervisor)

    assert client.get(f"/measures/{world['mine'].pk}/").status_code == 200
    assert client.get(f"/measures/{world['unit_b'].pk}/").status_code == 404
    round_page = client.get(f"/rounds/{world['mine'].problem.round_id}/")
    assert round_page.status_code == 200
    assert world["mine"].text in round_page.content.decode()
    assert world["unit_b"].text not in round_page.content.decode()
    assert client.get(f"/rounds/{world['other_round'].problem.round_id}/").status_code == 404


def test_a_member_signs_in_to_the_supervision_page(client, supervisor, group):
    client.force_login(supervisor)

    response = client.get("/", follow=True)

    assert response.redirect_chain[-1][0] == "/supervision/"
    assert group.name in response.content.decode()


# --- What a member may do ----------------------------------------------------------------------


def test_a_member_records_a_visit_and_urges_the_unit_in_one_step(
    client_for, supervisor, liaison_a, liaison_b, group, world, inspection_round, unit_a
):
    body = visit_body(
        group,
        unit_a,
        inspection_round,
        urge={
            "level": "urge",
            "reason": "佐证材料不全，限期补齐",
            "reply_due": day(7),
            "measures": [world["mine"].pk],
        },
    )

    response = client_for(supervisor).post(VISITS, body, format="json")

    assert response.status_code == 201, response.json()
    visit = SupervisionVisit.objects.get()
    notice = UrgeNotice.objects.get()
    assert response.json()["urge_notices"] == [notice.pk]
    assert (notice.visit, notice.group, notice.unit, notice.level) == (visit, group, unit_a, "urge")
    assert notice.issued_by == supervisor
    assert list(world["mine"].history.values_list("action", flat=True)) == [
        StatusChange.Action.URGE
    ]
    # The unit's liaison sees the notice; another unit's liaison does not.
    assert client_for(liaison_a).get("/api/v1/urges/").json()["count"] == 1
    assert client_for(liaison_b).get("/api/v1/urges/").json()["count"] == 0
    assert client_for(liaison_b).get(f"/api/v1/urges/{notice.pk}/").status_code == 404


def test_a_member_raises_a_new_problem_from_a_visit(
    client_for, supervisor, liaison_a, group, world, inspection_round, unit_a
):
    body = visit_body(
        group,
        unit_a,
        inspection_round,
        problem={
            "title": "专项检查发现合同管理不规范",
            "description": "抽查合同12份，3份未经法律审核",
            "category": "strict_governance",
            "measure_text": "开展合同管理专项清理",
            "deadline": day(60),
        },
    )

    response = client_for(supervisor).post(VISITS, body, format="json")

    assert response.status_code == 201, response.json()
    problem = Problem.objects.get(title="专项检查发现合同管理不规范")
    assert problem.source == Problem.Source.SPECIAL_CHECK
    assert problem.round == inspection_round
    assert response.json()["raised_problem"] == problem.pk
    measure = problem.measures.get()
    assert (measure.lead_unit, measure.deadline.isoformat()) == (unit_a, day(60))
    # The unit's liaison now has it, and so does the group.
    tasks = {row["id"] for row in client_for(liaison_a).get("/api/v1/measures/").json()["results"]}
    assert measure.pk in tasks
    mine = client_for(supervisor).get("/api/v1/measures/").json()["results"]
    assert measure.pk in {row["id"] for row in mine}


def test_a_member_cannot_visit_a_unit_or_round_outside_the_group(
    client_for, supervisor, group, world, inspection_round, other_round, unit_a, unit_b
):
    api = client_for(supervisor)

    wrong_unit = api.post(VISITS, visit_body(group, unit_b, inspection_round), format="json")
    wrong_round = api.post(VISITS, visit_body(group, unit_a, other_round), format="json")

    assert wrong_unit.status_code == 400 and "unit" in wrong_unit.json()
    assert wrong_round.status_code == 400 and "round" in wrong_round.json()
    assert not SupervisionVisit.objects.exists()


@pytest.mark.parametrize(
    "follow_up",
    [
        {"urge": {"level": "urge", "reason": "滞后", "reply_due": day(-3), "measures": []}},
        {"urge": {"level": "urge", "reason": " ", "reply_due": day(7), "measures": "mine"}},
        {"problem": {"title": "新问题", "measure_text": "", "deadline": day(30)}},
        {"problem": {"title": "新问题", "measure_text": "整改", "deadline": day(-30)}},
        {"problem": {"title": "", "measure_text": "整改", "deadline": day(30)}},
    ],
)
def test_a_refused_follow_up_leaves_no_visit_behind(
    client_for, supervisor, group, world, inspection_round, unit_a, follow_up
):
    if "urge" in follow_up and follow_up["urge"]["measures"] == "mine":
        follow_up["urge"]["measures"] = [world["mine"].pk]
    problems_before = Problem.objects.count()

    response = client_for(supervisor).post(
        VISITS, visit_body(group, unit_a, inspection_round, **follow_up), format="json"
    )

    assert response.status_code == 400, response.json()
    assert not SupervisionVisit.objects.exists()
    assert not UrgeNotice.objects.exists()
    assert Problem.objects.count() == problems_before
    assert not StatusChange.objects.exists()


@pytest.mark.parametrize(
    "change, field",
    [({"rating": 6}, "rating"), ({"date": day(1)}, "date"), ({"findings": ""}, "findings")],
)
def test_it_refuses_a_bad_visit(
    client_for, supervisor, group, inspection_round, unit_a, change, field
):
    response = client_for(supervisor).post(
        VISITS, visit_body(group, unit_a, inspection_round, **change), format="json"
    )

    assert response.status_code == 400 and field in response.json()
    assert not SupervisionVisit.objects.exists()


def test_a_member_urges_only_the_groups_measures(client_for, supervisor, world):
    api = client_for(supervisor)
    body = {"level": "remind", "reason": "进度滞后", "reply_due": day(7)}

    mine = api.post("/api/v1/urges/", {**body, "measure": world["mine"].pk}, format="json")
    other = api.post("/api/v1/urges/", {**body, "measure": world["unit_b"].pk}, format="json")

    assert mine.status_code == 201
    assert other.status_code == 400 and "measure" in other.json()
    assert UrgeNotice.objects.count() == 1


def test_a_member_does_not_sign_off_edit_or_start_measures(
    client_for, supervisor, office, liaison_a, world
):
    put_in_state(world["mine"], Measure.Status.SUBMITTED, submitted_by=liaison_a, closed_by=office)
    api = client_for(supervisor)
    url = f"/api/v1/measures/{world['mine'].pk}/"
    etag = api.get(url)["ETag"]

    approve = api.post(f"{url}approve/", {"comment": "同意"}, HTTP_IF_MATCH=etag)
    returned = api.post(f"{url}return/", {"reason": "退回"}, HTTP_IF_MATCH=etag)
    edit = api.patch(url, {"text": "改写"}, HTTP_IF_MATCH=etag)
    progress = api.post(f"{url}progress/", {"text": "进展", "percent": 50})

    assert [r.status_code for r in (approve, returned, edit, progress)] == [403] * 4
    world["mine"].refresh_from_db()
    assert world["mine"].status == Measure.Status.SUBMITTED


def test_a_member_sees_no_clues_petitions_or_other_groups(
    client_for, office, supervisor, inspection_round, unit_b, group
):
    ClueFactory(round=inspection_round)
    other = supervision.group_create(
        actor=office,
        fields=supervision.GroupFields(
            name="第三整改督查组",
            leader=UserFactory(role=User.Role.SUPERVISOR),
            members=[],
            rounds=[inspection_round],
            units=[unit_b],
        ),
    )
    api = client_for(supervisor)

    assert api.get("/api/v1/clues/").status_code in (403, 404)
    assert api.get("/api/v1/petitions/").status_code in (403, 404)
    assert [g["id"] for g in api.get(GROUPS).json()["results"]] == [group.pk]
    assert api.get(f"{GROUPS}{other.pk}/").status_code == 404
    assert (
        api.post(VISITS, visit_body(other, unit_b, inspection_round), format="json").status_code
        == 400
    )


def test_the_groups_leader_acts_like_a_member(client_for, office, inspection_round, unit_b):
    head = UserFactory(username="head_of_group", role=User.Role.SUPERVISOR)
    led = supervision.group_create(
        actor=office,
        fields=supervision.GroupFields(
            name="第四整改督查组",
            leader=head,
            members=[],
            rounds=[inspection_round],
            units=[unit_b],
        ),
    )

    response = client_for(head).post(
        VISITS, visit_body(led, unit_b, inspection_round), format="json"
    )

    assert response.status_code == 201, response.json()


# --- What others see ---------------------------------------------------------------------------


def test_leaders_read_groups_and_visits_but_record_none(
    client_for, leader, supervisor, group, inspection_round, unit_a
):
    client_for(supervisor).post(VISITS, visit_body(group, unit_a, inspection_round), format="json")
    api = client_for(leader)

    assert api.get(GROUPS).json()["count"] == 1
    assert api.get(VISITS).json()["count"] == 1
    response = api.post(VISITS, visit_body(group, unit_a, inspection_round), format="json")
    assert response.status_code == 403
    assert SupervisionVisit.objects.count() == 1
    assert api.get("/api/v1/clues/").status_code == 403


def test_liaisons_see_no_group_and_no_visit(
    client_for, client, liaison_a, supervisor, group, inspection_round, unit_a
):
    client_for(supervisor).post(VISITS, visit_body(group, unit_a, inspection_round), format="json")
    api = client_for(liaison_a)

    assert api.get(GROUPS).json()["count"] == 0
    assert api.get(VISITS).json()["count"] == 0
    assert api.get(f"{GROUPS}{group.pk}/").status_code == 404
    client.force_login(liaison_a)
    assert client.get("/supervision/").status_code == 403
    assert client.get(f"/supervision/groups/{group.pk}/").status_code == 404


# --- Pages -------------------------------------------------------------------------------------


def test_office_forms_a_group_in_the_browser_form(
    client, office, supervisor, inspection_round, unit_a
):
    client.force_login(office)

    response = client.post(
        "/supervision/groups/new/",
        {
            "name": "第五整改督查组",
            "members": [supervisor.pk],
            "rounds": [inspection_round.pk],
            "units": [unit_a.pk],
            "is_active": "on",
        },
    )

    group = SupervisionGroup.objects.get()
    assert (
        response.status_code == 302 and response["Location"] == f"/supervision/groups/{group.pk}/"
    )
    assert list(group.members.all()) == [supervisor]


def test_a_member_records_a_visit_with_an_urge_notice_from_the_page(
    client, supervisor, group, world, inspection_round, unit_a
):
    client.force_login(supervisor)
    url = f"/supervision/groups/{group.pk}/visits/new/"
    form = client.get(url, {"unit": unit_a.pk})
    assert world["mine"].text[:20] in form.content.decode()

    response = client.post(
        url,
        {
            "unit": unit_a.pk,
            "round": inspection_round.pk,
            "date": day(0),
            "method": "site",
            "findings": "现场查看整改推进情况，进度滞后",
            "rating": "2",
            "follow_up": "urge",
            "urge_level": "urge",
            "urge_reason": "请于一周内书面说明",
            "urge_reply_due": day(7),
            "measures": [world["mine"].pk],
        },
    )

    assert response.status_code == 302
    notice = UrgeNotice.objects.get()
    assert notice.visit == SupervisionVisit.objects.get()
    detail = client.get(f"/supervision/groups/{group.pk}/")
    assert "现场查看整改推进情况" in detail.content.decode()


def test_the_visit_page_keeps_what_was_typed_when_refused(
    client, supervisor, group, inspection_round, unit_a
):
    client.force_login(supervisor)

    response = client.post(
        f"/supervision/groups/{group.pk}/visits/new/",
        {
            "unit": unit_a.pk,
            "round": inspection_round.pk,
            "date": day(0),
            "method": "talk",
            "findings": "个别谈话了解情况",
            "rating": "3",
            "follow_up": "problem",
            "problem_title": "新发现问题",
            "measure_text": "",
            "measure_deadline": day(30),
        },
    )

    assert response.status_code == 200
    assert "个别谈话了解情况" in response.content.decode()
    assert not SupervisionVisit.objects.exists()


# --- Query counts ------------------------------------------------------------------------------


def _populate(office, supervisor, group, inspection_round, n: int) -> None:
    units = [UnitFactory() for _ in range(n)]
    group.units.add(*units)
    for unit in units:
        MeasureFactory(problem=ProblemFactory(round=inspection_round), lead_unit=unit)
        supervision.visit_record(
            actor=supervisor,
            group=group,
            unit=unit,
            inspection_round=inspection_round,
            date=TODAY,
            method="briefing",
            findings="听取汇报",
            rating=4,
        )


@pytest.mark.parametrize("n", [2, 6])
def test_the_group_api_lists_cost_the_same_for_any_size(
    client_for, office, supervisor, group, inspection_round, n, django_assert_max_num_queries
):
    _populate(office, supervisor, group, inspection_round, n)
    api = client_for(office)
    # Groups: count, page, members, rounds, units (5).
    with django_assert_max_num_queries(5):
        assert api.get(GROUPS).json()["count"] == 1
    # Visits: count, the page with group, unit, round and recorder, their urge notices (3).
    with django_assert_max_num_queries(3):
        assert api.get(VISITS).json()["count"] == n


@pytest.mark.parametrize("n", [2, 6])
def test_the_supervision_pages_cost_the_same_for_any_size(
    client, office, supervisor, group, inspection_round, n, django_assert_max_num_queries
):
    _populate(office, supervisor, group, inspection_round, n)
    client.force_login(supervisor)
    # Session, user, the groups with their members, rounds and units (4), the latest visits,
    # the unread count (8).
    with django_assert_max_num_queries(8):
        assert client.get("/supervision/").status_code == 200
    # Session, user, the group with its members, rounds and units (4), the units' numbers,
    # live notices and visit counts (3), may the user act, the unread count, the visits'
    # count, page and urge notices (3): 14, whatever the number of units and visits.
    with django_assert_max_num_queries(14):
        assert client.get(f"/supervision/groups/{group.pk}/").status_code == 200


# --- Evaluation ----------------------------------------------------------------------------------


def test_a_member_scores_the_manual_items_of_the_groups_units_only(
    client, client_for, office, supervisor, group, world, unit_a, unit_b, inspection_round
):
    from supervision import evaluation

    draft = evaluation.evaluation_create(actor=office, inspection_round=inspection_round)
    api = client_for(supervisor)
    url = f"/api/v1/evaluations/{draft.pk}/score/"

    mine = api.post(url, {"unit": unit_a.pk, "key": "supervision", "score": "7"}, format="json")
    other = api.post(url, {"unit": unit_b.pk, "key": "supervision", "score": "7"}, format="json")

    assert mine.status_code == 200, mine.json()
    assert other.status_code == 403
    scores = {s.unit_id: s.items.get("supervision", {}).get("score") for s in draft.scores.all()}
    assert scores[unit_a.pk] == 7 and scores[unit_b.pk] is None
    client.force_login(supervisor)
    assert client.get(f"/rounds/{inspection_round.pk}/evaluation/").status_code == 200


def test_the_group_pages_links_open_the_groups_measures_of_the_unit_and_no_others(
    office, group, world, unit_a, client_for
):
    page = Client()
    page.force_login(office)
    html = page.get(f"/supervision/groups/{group.pk}/").content.decode()
    link = f"/measures/?group={group.pk}&amp;lead_unit={unit_a.pk}"
    assert link in html

    listed = page.get(link.replace("&amp;", "&")).content.decode()
    assert f"/measures/{world['mine'].pk}/" in listed
    assert f"/measures/{world['other_round'].pk}/" not in listed  # unit A, another round
    assert f'name="group" value="{group.pk}"' in listed  # kept when the list is filtered
    api = client_for(office).get("/api/v1/measures/", {"group": group.pk}).json()
    assert [m["id"] for m in api["results"]] == [world["mine"].pk]
