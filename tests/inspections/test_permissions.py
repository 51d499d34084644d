"""Who may do what, resource by resource: the permission matrix of DESIGN.md section 7.

Every row names a role, a request and the exact answer. Lists are checked against the
objects each role may see, so an outsider's list never shows another unit's work.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from django.db.models import Model

from accounts.models import Unit, User
from findings.models import Aspect, Petition, Problem, ProblemClue
from inspections.models import InspectionRound
from rectification.models import Measure, StatusChange

from ..factories import (
    AspectFactory,
    ClueFactory,
    MeasureFactory,
    PetitionFactory,
    ProblemFactory,
    RoundFactory,
    UnitFactory,
    UserFactory,
)

ROLES = ["admin", "office", "leader", "liaison_a", "liaison_b"]
API = "/api/v1"


@pytest.fixture
def world(people, unit_top, unit_a, unit_b, inspection_round, problem, measure_a, measure_b):
    """Objects around which the matrix is built, by resource and by a key naming their scope.

    - "shared": the round and problem holding measure_a (unit A) and measure_b (unit B);
    - "mine": led by unit C with unit A cooperating, so only liaison A of the liaisons sees it;
    - "hidden": led by unit C alone, so no liaison sees it;
    - "empty": nothing hangs below it, so it can be deleted (and no liaison sees it).
    """
    unit_c = UnitFactory(name="城建档案馆", short_name="档案馆", parent=unit_top)

    round_mine = RoundFactory(name="2026年第二轮巡察", target_unit=unit_top)
    aspect_mine = AspectFactory(round=round_mine, seq=1, title="党的建设方面")
    aspect_empty = AspectFactory(round=round_mine, seq=2, title="选人用人方面")
    problem_mine = ProblemFactory(round=round_mine, aspect=aspect_mine, seq=1)
    problem_empty = ProblemFactory(round=round_mine, seq=2)
    measure_mine = MeasureFactory(problem=problem_mine, seq=1, lead_unit=unit_c)
    measure_mine.cooperating_units.add(unit_a)

    round_hidden = RoundFactory(name="2026年第三轮巡察", target_unit=unit_top)
    problem_hidden = ProblemFactory(round=round_hidden, seq=1)
    measure_hidden = MeasureFactory(problem=problem_hidden, seq=1, lead_unit=unit_c)

    round_empty = RoundFactory(name="2026年第四轮巡察", target_unit=unit_top)

    # A history row protects measure_a from deletion.
    StatusChange.objects.create(
        measure=measure_a,
        from_status=Measure.Status.NOT_STARTED,
        to_status=Measure.Status.IN_PROGRESS,
        action=StatusChange.Action.START,
        actor=people["liaison_a"],
    )
    bystander = UserFactory(username="bystander", role=User.Role.LEADER)

    return {
        "rounds": {
            "shared": inspection_round,
            "mine": round_mine,
            "hidden": round_hidden,
            "empty": round_empty,
        },
        "aspects": {"mine": aspect_mine, "empty": aspect_empty},
        "problems": {
            "shared": problem,
            "mine": problem_mine,
            "hidden": problem_hidden,
            "empty": problem_empty,
        },
        "measures": {
            "a": measure_a,
            "b": measure_b,
            "mine": measure_mine,
            "hidden": measure_hidden,
        },
        "clues": {"one": ClueFactory(round=round_mine)},
        "petitions": {"one": PetitionFactory(round=round_mine, handler_unit=unit_b)},
        "units": {
            "top": unit_top,
            "a": unit_a,
            "b": unit_b,
            "c": unit_c,
            "empty": UnitFactory(name="已撤销的科室"),
        },
        "users": {
            **{role: people[role] for role in ROLES},
            "bystander": bystander,
        },
    }


# What each role finds in a list, by the keys of `world`. Absent roles see every row.
VISIBLE: dict[str, dict[str, set[str]]] = {
    "rounds": {"liaison_a": {"shared", "mine"}, "liaison_b": {"shared"}},
    "aspects": {"liaison_a": {"mine"}, "liaison_b": set()},
    "problems": {"liaison_a": {"shared", "mine"}, "liaison_b": {"shared"}},
    "measures": {"liaison_a": {"a", "mine"}, "liaison_b": {"b"}},
}

MODELS: dict[str, type[Model]] = {
    "rounds": InspectionRound,
    "aspects": Aspect,
    "problems": Problem,
    "measures": Measure,
    "clues": ProblemClue,
    "petitions": Petition,
    "units": Unit,
    "users": User,
}


def create_body(resource: str, world: dict) -> dict[str, Any]:
    round_mine = world["rounds"]["mine"]
    return {
        "rounds": {
            "name": "2027年第一轮巡察",
            "inspecting_body": "区委第二巡察组",
            "target_unit": world["units"]["top"].pk,
        },
        "aspects": {"round": round_mine.pk, "title": "意识形态工作方面"},
        "problems": {"round": round_mine.pk, "title": "意识形态责任制落实不到位"},
        "measures": {
            "problem": world["problems"]["mine"].pk,
            "text": "制定意识形态工作责任清单",
            "deadline": "2026-12-31",
            "lead_unit": world["units"]["a"].pk,
        },
        "clues": {
            "round": round_mine.pk,
            "summary": "反映某干部违规经商办企业",
            "transferred_to": "区纪委监委",
            "transferred_on": "2026-07-05",
        },
        "petitions": {
            "round": round_mine.pk,
            "summary": "反映物业服务质量差",
            "received_on": "2026-07-06",
        },
        "units": {"name": "区城市管理局", "short_name": "城管局"},
        "users": {
            "username": "newclerk",
            "role": User.Role.OFFICE,
            "display_name": "巡察办王芳",
            "password": "Xuncha-2026-ok",
        },
    }[resource]


# One field each PATCH changes, and the value it sends.
UPDATES: dict[str, tuple[str, Any]] = {
    "rounds": ("inspecting_body", "区委第五巡察组"),
    "aspects": ("title", "改名后的方面"),
    "problems": ("title", "改名后的问题"),
    "measures": ("text", "改写后的整改措施"),
    "clues": ("status", ProblemClue.Status.IN_HANDLING),
    "petitions": ("status", Petition.Status.IN_HANDLING),
    "units": ("short_name", "新简称"),
    "users": ("display_name", "新名字"),
}


@dataclass(frozen=True)
class Case:
    resource: str
    action: str  # list, retrieve, create, update, delete
    target: str | None  # key in world[resource]; None for list and create
    expected: dict[str, int]  # role -> status code

    def rows(self) -> list:
        return [
            pytest.param(
                self.resource,
                self.action,
                self.target,
                role,
                code,
                id=f"{self.resource}-{self.action}-{self.target or 'all'}-{role}-{code}",
            )
            for role, code in self.expected.items()
        ]


def codes(admin: int, office: int, leader: int, liaison_a: int, liaison_b: int) -> dict[str, int]:
    return dict(zip(ROLES, [admin, office, leader, liaison_a, liaison_b], strict=True))


def scoped_cases(resource: str, mine: str, hidden: str, empty: str, protected: str) -> list[Case]:
    """Rounds, aspects, problems: office writes, everyone reads within their scope."""
    return [
        Case(resource, "list", None, codes(200, 200, 200, 200, 200)),
        Case(resource, "retrieve", mine, codes(200, 200, 200, 200, 404)),
        Case(resource, "retrieve", hidden, codes(200, 200, 200, 404, 404)),
        Case(resource, "create", None, codes(201, 201, 403, 403, 403)),
        Case(resource, "update", mine, codes(200, 200, 403, 403, 404)),
        Case(resource, "update", hidden, codes(200, 200, 403, 404, 404)),
        Case(resource, "delete", empty, codes(204, 204, 403, 404, 404)),
        Case(resource, "delete", protected, codes(409, 409, 403, 403, 404)),
    ]


def office_only_cases(resource: str) -> list[Case]:
    """Clues and petitions: office and admin only; everyone else is refused outright."""
    return [
        Case(resource, "list", None, codes(200, 200, 403, 403, 403)),
        Case(resource, "retrieve", "one", codes(200, 200, 403, 403, 403)),
        Case(resource, "create", None, codes(201, 201, 403, 403, 403)),
        Case(resource, "update", "one", codes(200, 200, 403, 403, 403)),
        Case(resource, "delete", "one", codes(204, 204, 403, 403, 403)),
    ]


CASES: list[Case] = [
    *scoped_cases("rounds", mine="mine", hidden="hidden", empty="empty", protected="mine"),
    *scoped_cases("aspects", mine="mine", hidden="empty", empty="empty", protected="mine"),
    *scoped_cases("problems", mine="mine", hidden="hidden", empty="empty", protected="mine"),
    Case("measures", "list", None, codes(200, 200, 200, 200, 200)),
    Case("measures", "retrieve", "mine", codes(200, 200, 200, 200, 404)),
    Case("measures", "retrieve", "b", codes(200, 200, 200, 404, 200)),
    Case("measures", "retrieve", "hidden", codes(200, 200, 200, 404, 404)),
    Case("measures", "create", None, codes(201, 201, 403, 403, 403)),
    Case("measures", "update", "mine", codes(200, 200, 403, 403, 404)),
    Case("measures", "update", "b", codes(200, 200, 403, 404, 403)),
    Case("measures", "delete", "mine", codes(204, 204, 403, 403, 404)),
    Case("measures", "delete", "a", codes(409, 409, 403, 403, 404)),
    *office_only_cases("clues"),
    *office_only_cases("petitions"),
    Case("units", "list", None, codes(200, 200, 200, 200, 200)),
    Case("units", "retrieve", "c", codes(200, 200, 200, 200, 200)),
    Case("units", "create", None, codes(201, 403, 403, 403, 403)),
    Case("units", "update", "c", codes(200, 403, 403, 403, 403)),
    Case("units", "delete", "empty", codes(204, 403, 403, 403, 403)),
    Case("units", "delete", "a", codes(409, 403, 403, 403, 403)),
    Case("users", "list", None, codes(200, 403, 403, 403, 403)),
    Case("users", "retrieve", "bystander", codes(200, 403, 403, 403, 403)),
    Case("users", "create", None, codes(201, 403, 403, 403, 403)),
    Case("users", "update", "bystander", codes(200, 403, 403, 403, 403)),
    Case("users", "delete", "bystander", codes(204, 403, 403, 403, 403)),
    # liaison A is the actor of a history row, which protects the account.
    Case("users", "delete", "liaison_a", codes(409, 403, 403, 403, 403)),
]


def matrix() -> list:
    return [row for case in CASES for row in case.rows()]


@pytest.mark.parametrize(("resource", "action", "target", "role", "expected"), matrix())
def test_it_answers_each_role_as_the_matrix_says(
    world, people, client_for, resource, action, target, role, expected
):
    client = client_for(people[role])
    model = MODELS[resource]
    obj = world[resource][target] if target else None
    detail = f"{API}/{resource}/{obj.pk}/" if obj else None
    rows_before = model.objects.count()
    # Writes to a measure name the version they change (428 without).
    version = {"HTTP_IF_MATCH": f'"{obj.version}"'} if resource == "measures" and obj else {}

    if action == "list":
        response = client.get(f"{API}/{resource}/", {"page_size": 500})
    elif action == "retrieve":
        response = client.get(detail)
    elif action == "create":
        response = client.post(f"{API}/{resource}/", create_body(resource, world), format="json")
    elif action == "update":
        field, value = UPDATES[resource]
        before = getattr(obj, field)
        response = client.patch(detail, {field: value}, format="json", **version)
    else:
        response = client.delete(detail, **version)

    assert response.status_code == expected, response.content

    # What happened in the database agrees with the answer.
    if action == "create":
        assert model.objects.count() == rows_before + (1 if expected == 201 else 0)
    elif action == "update":
        obj.refresh_from_db()
        assert getattr(obj, field) == (value if expected == 200 else before)
    elif action == "delete":
        assert model.objects.filter(pk=obj.pk).exists() == (expected != 204)
    elif action == "retrieve" and expected == 200:
        assert response.json()["id"] == obj.pk


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("resource", ["rounds", "aspects", "problems", "measures"])
def test_it_lists_only_what_the_role_may_see(world, people, client_for, role, resource):
    response = client_for(people[role]).get(f"{API}/{resource}/", {"page_size": 500})

    assert response.status_code == 200
    if role in VISIBLE[resource]:
        expected_ids = {world[resource][key].pk for key in VISIBLE[resource][role]}
    else:
        expected_ids = set(MODELS[resource].objects.values_list("pk", flat=True))
    got = [row["id"] for row in response.json()["results"]]
    assert sorted(got) == sorted(expected_ids)
    assert response.json()["count"] == len(expected_ids)


@pytest.mark.parametrize("role", ["admin", "office"])
@pytest.mark.parametrize("resource", ["clues", "petitions"])
def test_it_lists_every_clue_and_petition_to_the_office(world, people, client_for, role, resource):
    response = client_for(people[role]).get(f"{API}/{resource}/")

    assert response.status_code == 200
    assert [row["id"] for row in response.json()["results"]] == [world[resource]["one"].pk]


@pytest.mark.parametrize("role", ROLES)
def test_it_shows_every_unit_to_everyone(world, people, client_for, role):
    response = client_for(people[role]).get(f"{API}/units/", {"page_size": 500})

    assert response.status_code == 200
    ids = {row["id"] for row in response.json()["results"]}
    assert ids == set(Unit.objects.values_list("pk", flat=True))
    assert len(ids) == 5


def test_it_lists_every_account_to_the_admin(world, people, client_for):
    response = client_for(people["admin"]).get(f"{API}/users/", {"page_size": 500})

    assert response.status_code == 200
    usernames = {row["username"] for row in response.json()["results"]}
    assert usernames == {"admin", "clerk", "leader", "liaison_a", "liaison_b", "bystander"}


@pytest.mark.parametrize(
    ("role", "unit_key"),
    [
        ("admin", None),
        ("office", None),
        ("leader", None),
        ("liaison_a", "a"),
        ("liaison_b", "b"),
    ],
)
def test_it_tells_each_role_who_they_are(world, people, client_for, role, unit_key):
    user = people[role]

    response = client_for(user).get(f"{API}/me/")

    assert response.status_code == 200
    body = response.json()
    assert body["id"] == user.pk
    assert body["username"] == user.username
    assert body["role"] == user.role
    assert body["unit"] == (world["units"][unit_key].pk if unit_key else None)
    assert body["unread_notifications"] == 0


@pytest.mark.parametrize(
    "path",
    [
        "me/",
        "units/",
        "users/",
        "rounds/",
        "aspects/",
        "problems/",
        "measures/",
        "clues/",
        "petitions/",
        "evidence/",
        "extensions/",
    ],
)
def test_it_refuses_anonymous_reads(world, client_for, path):
    response = client_for(None).get(f"{API}/{path}")

    assert response.status_code == 403
    assert "results" not in response.json()


@pytest.mark.parametrize("resource", ["rounds", "units", "problems", "measures"])
def test_it_refuses_anonymous_writes(world, client_for, resource):
    rows_before = MODELS[resource].objects.count()

    response = client_for(None).post(f"{API}/{resource}/", create_body(resource, world))

    assert response.status_code == 403
    assert MODELS[resource].objects.count() == rows_before


def test_it_hides_a_round_from_a_liaison_whose_unit_only_cooperates_elsewhere(
    world, people, client_for
):
    # liaison B's unit takes part in nothing of the "mine" round: not even its stats answer.
    response = client_for(people["liaison_b"]).get(
        f"{API}/rounds/{world['rounds']['mine'].pk}/stats/"
    )

    assert response.status_code == 404


def test_it_shows_a_cooperating_liaison_the_round_stats(world, people, client_for):
    response = client_for(people["liaison_a"]).get(
        f"{API}/rounds/{world['rounds']['mine'].pk}/stats/"
    )

    assert response.status_code == 200
    assert response.json()["total"] == 1
    assert "clues" not in response.json()


def test_it_lists_problems_by_round_and_number(office, client_for, inspection_round, unit_a):
    for seq in (3, 1, 2):
        problem = ProblemFactory(round=inspection_round, seq=seq, title=f"问题{seq}")
        MeasureFactory(problem=problem, seq=1, lead_unit=unit_a)

    response = client_for(office).get(f"{API}/problems/")

    assert [row["seq"] for row in response.json()["results"]] == [1, 2, 3]
