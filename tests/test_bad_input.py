"""Bad input answers 400 with a message on the field at fault, and saves nothing.

The client asks for zh-hans, so Django's and DRF's own messages come back in Chinese; our
own messages are checked by their field only (their catalogue is compiled at release).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.db.models import Model

from accounts.models import Unit, User
from findings.models import Aspect, Petition, Problem, ProblemClue
from inspections.models import InspectionRound
from rectification.models import Evidence, Extension, Measure

from .factories import AspectFactory, ProblemFactory, RoundFactory, UnitFactory

CHINESE = re.compile(r"[\u4e00-\u9fff]")
MISSING_PK = 999999

# Django's and DRF's own messages in their zh_Hans catalogues.
REQUIRED = "该字段是必填项。"
NOT_INTEGER = "请填写合法的整数值。"
NOT_BOOLEAN = "必须是有效的布尔值。"
NOT_NULL = "该字段不能为 null。"


def not_a_choice(value: str) -> str:
    return f"“{value}” 不是合法选项。"


def too_long(limit: int) -> str:
    return f"请确保这个字段不能超过 {limit} 个字符。"


def no_such_object(pk: Any) -> str:
    return f"无效主键 “{pk}” － 对象不存在。"


DATE_FORMAT = "日期格式错误。请从这些格式中选择：YYYY-MM-DD。"


@pytest.fixture
def things(unit_top, unit_a, unit_b, inspection_round, problem, measure_a, measure_b):
    other_round = RoundFactory(name="2026年第二轮巡察", target_unit=unit_top)
    return {
        "unit_top": unit_top,
        "unit_a": unit_a,
        "unit_b": unit_b,
        "inactive_unit": UnitFactory(name="已撤销的科室", is_active=False),
        "round": inspection_round,
        "other_round": other_round,
        "aspect": AspectFactory(round=inspection_round, seq=1, title="党的建设方面"),
        "other_aspect": AspectFactory(round=other_round, seq=1, title="别的方面"),
        "problem": problem,
        "measure_a": measure_a,
        "measure_b": measure_b,
    }


def valid_body(resource: str, t: dict) -> dict[str, Any]:
    """A body that would be accepted; each case spoils one field of it."""
    return {
        "rounds": {
            "name": "2027年第一轮巡察",
            "kind": "xuncha",
            "mode": "regular",
            "inspecting_body": "区委第二巡察组",
            "target_unit": t["unit_top"].pk,
            "feedback_date": "2027-03-01",
        },
        "aspects": {"round": t["round"].pk, "title": "意识形态工作方面"},
        "problems": {
            "round": t["round"].pk,
            "aspect": t["aspect"].pk,
            "title": "意识形态责任制落实不到位",
            "category": "ideology",
            "source": "feedback",
        },
        "measures": {
            "problem": t["problem"].pk,
            "text": "制定意识形态工作责任清单",
            "deadline": "2026-12-31",
            "is_long_term": False,
            "lead_unit": t["unit_a"].pk,
            "cooperating_units": [t["unit_b"].pk],
            "lead_official": "分管副局长",
        },
        "clues": {
            "round": t["round"].pk,
            "summary": "反映某干部违规经商办企业",
            "subject": "某科长",
            "transferred_to": "区纪委监委",
            "transferred_on": "2026-07-05",
            "disposal": "talk_or_letter",
            "status": "transferred",
            "disciplined_count": 0,
        },
        "petitions": {
            "round": t["round"].pk,
            "summary": "反映物业服务质量差",
            "received_on": "2026-07-06",
            "handler_unit": t["unit_b"].pk,
            "status": "pending",
        },
        "units": {"name": "区城市管理局", "short_name": "城管局", "kind": "department"},
        "users": {
            "username": "newliaison",
            "role": "liaison",
            "unit": t["unit_a"].pk,
            "display_name": "联络员周敏",
            "email": "zhoumin@example.gov.cn",
            "password": "Xuncha-2026-ok",
        },
    }[resource]


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

DROP = object()

# (resource, field, bad value or DROP, expected message or None when it is our own message)
CREATE_CASES: list[tuple[str, str, Any, Callable[[dict], str | None] | str | None]] = [
    ("rounds", "name", DROP, REQUIRED),
    ("rounds", "target_unit", DROP, REQUIRED),
    ("rounds", "declared_problems", "十三", NOT_INTEGER),
    ("rounds", "kind", "zhongyang", not_a_choice("zhongyang")),
    ("rounds", "mode", "surprise", not_a_choice("surprise")),
    ("rounds", "feedback_date", "2027/03/01", DATE_FORMAT),
    ("rounds", "onsite_start", "3月1日", DATE_FORMAT),
    ("rounds", "name", "轮" * 201, too_long(200)),
    ("rounds", "inspecting_body", "组" * 201, too_long(200)),
    ("rounds", "contact", "电" * 2001, too_long(2000)),
    ("rounds", "target_unit", MISSING_PK, no_such_object(MISSING_PK)),
    ("rounds", "target_unit", "inactive_unit", lambda t: no_such_object(t["inactive_unit"].pk)),
    ("rounds", "funds_recovered", "很多", "请填写合法的数字。"),
    ("aspects", "title", DROP, REQUIRED),
    ("aspects", "round", DROP, REQUIRED),
    ("aspects", "seq", "一", NOT_INTEGER),
    ("aspects", "seq", 0, "请确保该值大于或者等于 1。"),
    ("aspects", "seq", 1, None),  # already taken by the fixture's aspect
    ("aspects", "seq", 2**31, "请确保该值小于或者等于 2147483647。"),
    ("aspects", "title", "方" * 301, too_long(300)),
    ("aspects", "round", MISSING_PK, no_such_object(MISSING_PK)),
    ("problems", "title", DROP, REQUIRED),
    ("problems", "round", "第一轮", "类型错误。期望为主键，获得的类型为 str。"),
    ("problems", "category", "corruption", not_a_choice("corruption")),
    ("problems", "source", "rumour", not_a_choice("rumour")),
    ("problems", "title", "问" * 301, too_long(300)),
    ("problems", "description", "述" * 10001, too_long(10000)),
    ("problems", "aspect", "other_aspect", None),  # an aspect of another round
    ("problems", "aspect", MISSING_PK, no_such_object(MISSING_PK)),
    ("problems", "seq", 1, None),  # already taken by the fixture's problem
    ("problems", "seq", 2**31, "请确保该值小于或者等于 2147483647。"),
    ("measures", "text", DROP, REQUIRED),
    ("measures", "problem", DROP, REQUIRED),
    ("measures", "deadline", DROP, None),  # no deadline and not long-term
    ("measures", "deadline", None, None),
    ("measures", "deadline", "2026-13-01", DATE_FORMAT),
    ("measures", "deadline", "12/31/2026", DATE_FORMAT),
    ("measures", "is_long_term", "maybe", NOT_BOOLEAN),
    ("measures", "lead_official", "长" * 101, too_long(100)),
    ("measures", "text", "措" * 5001, too_long(5000)),
    ("measures", "lead_unit", MISSING_PK, no_such_object(MISSING_PK)),
    ("measures", "problem", MISSING_PK, no_such_object(MISSING_PK)),
    ("measures", "problem", None, NOT_NULL),
    ("measures", "seq", "一", NOT_INTEGER),
    ("measures", "seq", 1, None),  # already measure_a's number in the problem
    ("clues", "transferred_on", DROP, REQUIRED),
    ("clues", "summary", DROP, REQUIRED),
    ("clues", "transferred_on", "2026.07.05", DATE_FORMAT),
    ("clues", "disposal", "ignore", not_a_choice("ignore")),
    ("clues", "status", "lost", not_a_choice("lost")),
    ("clues", "subject", "人" * 101, too_long(100)),
    ("clues", "summary", "线" * 10001, too_long(10000)),
    ("clues", "disciplined_count", -1, "请确保该值大于或者等于 0。"),
    ("clues", "case_opened", "也许", NOT_BOOLEAN),
    ("clues", "round", MISSING_PK, no_such_object(MISSING_PK)),
    ("petitions", "received_on", DROP, REQUIRED),
    ("petitions", "received_on", "七月六日", DATE_FORMAT),
    ("petitions", "status", "forgotten", not_a_choice("forgotten")),
    ("petitions", "summary", "访" * 10001, too_long(10000)),
    ("petitions", "handler_unit", MISSING_PK, no_such_object(MISSING_PK)),
    (
        "petitions",
        "handler_unit",
        "inactive_unit",
        lambda t: no_such_object(t["inactive_unit"].pk),
    ),
    ("units", "name", DROP, REQUIRED),
    ("units", "kind", "ministry", not_a_choice("ministry")),
    ("units", "name", "单" * 201, too_long(200)),
    ("units", "short_name", "简" * 51, too_long(50)),
    ("units", "parent", MISSING_PK, no_such_object(MISSING_PK)),
    ("units", "webhook_url", "not a url", "请输入合法的URL。"),
    ("users", "unit", DROP, None),  # a liaison without a unit
    ("users", "unit", None, None),
    ("users", "username", DROP, REQUIRED),
    ("users", "role", "boss", not_a_choice("boss")),
    ("users", "email", "zhoumin", "请输入合法的邮件地址。"),
    ("users", "password", DROP, None),
    ("users", "password", "short", "请确保这个字段至少包含 8 个字符。"),
    ("users", "password", "password123", None),  # too common: Django's validators
    ("users", "password", "newliaison1", None),  # too close to the username
]


def resolve(value: Any, t: dict) -> Any:
    if isinstance(value, str) and value in t:
        return t[value].pk
    return value


def expected_message(expected: Any, t: dict) -> str | None:
    return expected(t) if callable(expected) else expected


def actor_for(resource: str, people: dict) -> User:
    return people["admin"] if resource in ("units", "users") else people["office"]


@pytest.mark.parametrize(
    ("resource", "field", "value", "expected"),
    [pytest.param(*case, id=f"{case[0]}-{case[1]}-{i}") for i, case in enumerate(CREATE_CASES)],
)
def test_it_refuses_a_bad_create_with_a_field_message_and_saves_nothing(
    things, people, client_for, resource, field, value, expected
):
    body = valid_body(resource, things)
    if value is DROP:
        del body[field]
    else:
        body[field] = resolve(value, things)
    model = MODELS[resource]
    rows_before = model.objects.count()

    response = client_for(actor_for(resource, people)).post(
        f"/api/v1/{resource}/", body, format="json"
    )

    assert response.status_code == 400, response.content
    errors = response.json()
    assert field in errors, errors
    message = errors[field][0]
    assert CHINESE.search(message), message
    wanted = expected_message(expected, things)
    if wanted is not None:
        assert message == wanted
    assert model.objects.count() == rows_before


@pytest.mark.parametrize(
    "resource",
    ["rounds", "aspects", "problems", "measures", "clues", "petitions", "units", "users"],
)
def test_it_accepts_the_valid_body_each_bad_case_starts_from(things, people, client_for, resource):
    # Each bad case spoils one field of this body: it must be good to begin with.
    model = MODELS[resource]
    rows_before = model.objects.count()

    response = client_for(actor_for(resource, people)).post(
        f"/api/v1/{resource}/", valid_body(resource, things), format="json"
    )

    assert response.status_code == 201, response.content
    assert model.objects.count() == rows_before + 1


def test_it_answers_in_english_when_asked(things, office, client_for):
    response = client_for(office, language="en").post(
        "/api/v1/rounds/", {"inspecting_body": "区委第二巡察组"}, format="json"
    )

    assert response.status_code == 400
    assert response.json()["name"] == ["This field is required."]


def test_it_says_which_fields_are_missing_all_at_once(things, office, client_for):
    response = client_for(office).post("/api/v1/measures/", {}, format="json")

    assert response.status_code == 400
    assert set(response.json()) >= {"problem", "text"}
    assert response.json()["text"] == [REQUIRED]


def test_it_refuses_a_body_that_is_not_json(things, office, client_for):
    rows_before = InspectionRound.objects.count()

    response = client_for(office).post(
        "/api/v1/rounds/", "{not json", content_type="application/json"
    )

    assert response.status_code == 400
    assert "JSON" in response.json()["detail"]
    assert InspectionRound.objects.count() == rows_before


def test_it_refuses_a_concluded_petition_without_its_conclusion_date(things, office, client_for):
    body = {**valid_body("petitions", things), "status": "concluded"}

    response = client_for(office).post("/api/v1/petitions/", body, format="json")

    assert response.status_code == 400
    assert sorted(set(response.json()) - {"code", "codes"}) == ["concluded_on"]
    assert CHINESE.search(response.json()["concluded_on"][0])
    assert Petition.objects.count() == 0


def test_it_accepts_a_concluded_petition_with_its_conclusion_date(things, office, client_for):
    body = {**valid_body("petitions", things), "status": "concluded", "concluded_on": "2026-08-01"}

    response = client_for(office).post("/api/v1/petitions/", body, format="json")

    assert response.status_code == 201
    assert Petition.objects.get().concluded_on.isoformat() == "2026-08-01"


# --- Updates ------------------------------------------------------------------------------------


def test_it_refuses_to_drop_the_deadline_of_a_measure_that_is_not_long_term(
    things, office, client_for
):
    measure = things["measure_a"]
    deadline, version = measure.deadline, measure.version

    response = client_for(office).patch(
        f"/api/v1/measures/{measure.pk}/",
        {"deadline": None},
        format="json",
        HTTP_IF_MATCH=f'"{version}"',
    )

    assert response.status_code == 400
    assert sorted(set(response.json()) - {"code", "codes"}) == ["deadline"]
    measure.refresh_from_db()
    assert (measure.deadline, measure.version) == (deadline, version)
    assert measure.history.count() == 0


def test_it_refuses_a_visit_that_ends_before_it_starts(things, office, client_for):
    inspection_round = things["round"]

    response = client_for(office).patch(
        f"/api/v1/rounds/{inspection_round.pk}/",
        {"onsite_start": "2026-05-10", "onsite_end": "2026-05-01"},
        format="json",
    )

    assert response.status_code == 400
    assert sorted(set(response.json()) - {"code", "codes"}) == ["onsite_end"]
    inspection_round.refresh_from_db()
    assert inspection_round.onsite_start is None


def test_it_refuses_a_unit_below_its_own_child(things, admin_user, client_for):
    top, child = things["unit_top"], things["unit_a"]

    response = client_for(admin_user).patch(
        f"/api/v1/units/{top.pk}/", {"parent": child.pk}, format="json"
    )

    assert response.status_code == 400
    assert sorted(set(response.json()) - {"code", "codes"}) == ["parent"]
    top.refresh_from_db()
    assert top.parent_id is None


def test_it_refuses_to_turn_an_account_into_a_liaison_without_a_unit(
    things, admin_user, leader, client_for
):
    response = client_for(admin_user).patch(
        f"/api/v1/users/{leader.pk}/", {"role": "liaison"}, format="json"
    )

    assert response.status_code == 400
    assert sorted(set(response.json()) - {"code", "codes"}) == ["unit"]
    leader.refresh_from_db()
    assert leader.role == User.Role.LEADER


def test_it_refuses_a_problem_number_taken_in_the_round_it_moves_to(things, office, client_for):
    # The problem keeps its number 1 while moving, and number 1 is taken there.
    ProblemFactory(round=things["other_round"], seq=1)
    loose = ProblemFactory(round=things["round"], seq=7)
    ProblemFactory(round=things["other_round"], seq=7)

    response = client_for(office).patch(
        f"/api/v1/problems/{loose.pk}/", {"round": things["other_round"].pk}, format="json"
    )

    assert response.status_code == 400
    assert sorted(set(response.json()) - {"code", "codes"}) == ["seq"]
    loose.refresh_from_db()
    assert loose.round_id == things["round"].pk


def test_it_refuses_to_move_an_aspect_with_problems_to_another_round(things, office, client_for):
    aspect = AspectFactory(round=things["round"], seq=5)
    ProblemFactory(round=things["round"], aspect=aspect, seq=5)

    response = client_for(office).patch(
        f"/api/v1/aspects/{aspect.pk}/", {"round": things["other_round"].pk}, format="json"
    )

    assert response.status_code == 400
    assert sorted(set(response.json()) - {"code", "codes"}) == ["round"]
    aspect.refresh_from_db()
    assert aspect.round_id == things["round"].pk


def test_it_refuses_an_aspect_number_taken_in_the_round_it_moves_to(things, office, client_for):
    # Both rounds have an aspect numbered 1: the fixture's own ones.
    aspect = things["aspect"]

    response = client_for(office).patch(
        f"/api/v1/aspects/{aspect.pk}/", {"round": things["other_round"].pk}, format="json"
    )

    assert response.status_code == 400
    assert sorted(set(response.json()) - {"code", "codes"}) == ["seq"]
    aspect.refresh_from_db()
    assert aspect.round_id == things["round"].pk


def test_it_refuses_to_move_a_problem_with_measures_to_another_round(things, office, client_for):
    problem = things["problem"]

    response = client_for(office).patch(
        f"/api/v1/problems/{problem.pk}/",
        {"round": things["other_round"].pk, "seq": 9, "aspect": None},
        format="json",
    )

    assert response.status_code == 400
    assert sorted(set(response.json()) - {"code", "codes"}) == ["round"]


# --- Foreign keys outside the user's scope answer like missing ones ------------------------------


def test_it_answers_an_invisible_measure_like_a_missing_one(things, liaison_a, client_for):
    client = client_for(liaison_a)
    body = {"new_deadline": "2027-01-31", "reason": "汛期施工受阻"}

    missing = client.post("/api/v1/extensions/", {**body, "measure": MISSING_PK}, format="json")
    hidden = client.post(
        "/api/v1/extensions/", {**body, "measure": things["measure_b"].pk}, format="json"
    )

    assert missing.status_code == hidden.status_code == 400
    assert missing.json()["measure"] == [no_such_object(MISSING_PK)]
    assert hidden.json()["measure"] == [no_such_object(things["measure_b"].pk)]
    assert Extension.objects.count() == 0


def test_it_answers_evidence_for_an_invisible_measure_like_a_missing_one(
    things, liaison_a, client_for
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = client_for(liaison_a)

    def upload(measure_pk: int):
        pdf = SimpleUploadedFile("证明.pdf", b"%PDF-1.4\n%%EOF\n", "application/pdf")
        return client.post(
            "/api/v1/evidence/", {"measure": measure_pk, "file": pdf}, format="multipart"
        )

    missing = upload(MISSING_PK)
    hidden = upload(things["measure_b"].pk)

    assert missing.status_code == hidden.status_code == 400
    assert missing.json()["measure"] == [no_such_object(MISSING_PK)]
    assert hidden.json()["measure"] == [no_such_object(things["measure_b"].pk)]
    assert Evidence.objects.count() == 0


def test_it_answers_a_missing_lead_official_account_on_its_field(things, office, client_for):
    body = valid_body("measures", things)
    body["lead_official_user"] = MISSING_PK

    response = client_for(office).post("/api/v1/measures/", body, format="json")

    assert response.status_code == 400
    assert response.json()["lead_official_user"] == [no_such_object(MISSING_PK)]


@pytest.mark.parametrize("field", ["lead_unit", "cooperating_units"])
def test_it_refuses_a_deactivated_unit_on_a_measure_like_a_missing_one(
    things, office, client_for, field
):
    body = valid_body("measures", things)
    inactive = things["inactive_unit"].pk
    body[field] = [inactive] if field == "cooperating_units" else inactive

    response = client_for(office).post("/api/v1/measures/", body, format="json")

    assert response.status_code == 400
    assert response.json()[field] == [no_such_object(inactive)]
    assert Measure.objects.count() == 2


def test_it_refuses_a_measure_number_too_large_for_its_column(things, office, client_for):
    body = {**valid_body("measures", things), "seq": 2**31}

    response = client_for(office).post("/api/v1/measures/", body, format="json")

    assert response.status_code == 400
    assert response.json()["seq"] == ["请确保该值小于或者等于 2147483647。"]


@pytest.mark.parametrize("resource", ["aspects", "problems"])
def test_it_refuses_a_number_too_large_for_its_column_on_update(
    things, office, client_for, resource
):
    obj = things["aspect"] if resource == "aspects" else things["problem"]

    response = client_for(office).patch(
        f"/api/v1/{resource}/{obj.pk}/", {"seq": 10**12}, format="json"
    )

    assert response.status_code == 400
    assert sorted(set(response.json()) - {"code", "codes"}) == ["seq"]
    obj.refresh_from_db()
    assert obj.seq == 1
