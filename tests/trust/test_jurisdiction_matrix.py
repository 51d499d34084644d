"""The visibility matrix of jurisdictions (DESIGN.md section 12): every route of the site,
discovered from the URL conf as the route walk does, asked by the office, leader and liaison of
a county, of its sibling county and of the city above both.

The route walk's world (a round with its problems, measures, clues, petitions, reports,
look-backs, evaluations, urge notices, groups, publications…) is moved into county A. Then:
- whatever county A's office opens, the city's office opens too (the city reads below it);
- of a route naming one of A's objects that A's office opens, the sibling county's office and
  leader get 404 and its liaison 404 or 403: nothing of A exists for B;
- no answer to B (pages, API, exports, searched or not) carries A's round, problem, clue or
  petition text.
A new route is discovered and asked like the others, so none can skip the rule."""

from __future__ import annotations

import pytest
from django.test import Client

from accounts.models import Jurisdiction, Unit, User
from inspections.models import InspectionRound
from tests.factories import MeasureFactory, ProblemFactory, RoundFactory, UnitFactory, UserFactory
from tests.trust.test_route_walk import (
    ROUTES,
    SECRET_CLUE,
    SECRET_PETITION,
    _text_of,
    route_methods,
    url_of,
    world,  # noqa: F401 (the fixture)
)

pytestmark = pytest.mark.django_db

# What only county A's work holds (the world's round and problem, its clue and petition).
SECRETS = ("2026年第一轮巡察", "学习领会不够深刻", SECRET_CLUE, SECRET_PETITION)
# Routes that are not about anyone's work: signing in and out, the language, the schema, the
# public pages (published reports are public by design), and the admin site.
NOT_WORK = (
    "login", "logout", "admin-login", "otp-", "password-", "set_language", "schema",
    "swagger-ui", "public-", "oidc_", "api:api-token", "api:api-logout", "api:me", "home",
)  # fmt: skip


def _is_work(name: str) -> bool:
    return not name.startswith("admin:") and not name.startswith(NOT_WORK)


@pytest.fixture
def matrix(world):  # noqa: F811
    """The world moved into county A below the city; county B beside it with its own unit,
    round and people; the city's office and leader."""
    city = Jurisdiction.objects.top()
    a = Jurisdiction.objects.create(
        name="甲县县委巡察办", level=Jurisdiction.Level.COUNTY, parent=city
    )
    b = Jurisdiction.objects.create(
        name="乙县县委巡察办", level=Jurisdiction.Level.COUNTY, parent=city
    )
    below_city = Jurisdiction.objects.filter(parent=city).exclude(pk__in=[a.pk, b.pk])
    for model in (Unit, User, InspectionRound):
        model.objects.filter(jurisdiction=city).update(jurisdiction=a)
    below_city.update(parent=a)  # the world's county below the city: now below county A
    Jurisdiction.objects.refresh_tree()
    unit_b = UnitFactory(name="乙县农业农村局", jurisdiction=b)
    round_b = RoundFactory(name="乙县专项巡察", target_unit=unit_b)
    MeasureFactory(problem=ProblemFactory(round=round_b, title="乙县问题"), lead_unit=unit_b)
    people = {
        "a_office": world["people"]["office"],
        "a_leader": world["people"]["leader"],
        "a_liaison": world["people"]["liaison_a"],
        "b_office": UserFactory(username="b_office", role=User.Role.OFFICE, jurisdiction=b),
        "b_leader": UserFactory(username="b_leader", role=User.Role.LEADER, jurisdiction=b),
        "b_liaison": UserFactory(username="b_liaison", role=User.Role.LIAISON, unit=unit_b),
        "city_office": UserFactory(username="c_office", role=User.Role.OFFICE, jurisdiction=city),
        "city_leader": UserFactory(username="c_leader", role=User.Role.LEADER, jurisdiction=city),
    }
    clients = {}
    for key, user in people.items():
        clients[key] = Client()
        clients[key].force_login(user)
    return {"objects": world["objects"], "clients": clients}


def test_the_sibling_county_sees_nothing_of_a_county_and_the_city_everything(
    matrix, inspection_round
):
    objects, clients = matrix["objects"], matrix["clients"]
    wrong, asked = [], 0
    for route in ROUTES:
        if not _is_work(route.name) or "get" not in route_methods(route):
            continue
        url = url_of(route, objects, inspection_round.pk)
        names_an_object = (
            url != url_of(route, {**objects}, inspection_round.pk)
            or any(part in route.pattern for part in ("<int:", "(?P<pk>", "<str:", "<slug:"))
            or "?round=" in url
        )
        answers = {key: clients[key].get(url) for key in clients}
        asked += len(answers)
        for side in ("a", "city"):
            for role in ("office", "leader"):
                answer = answers[f"{side}_{role}"].status_code
                if side == "city" and answers[f"a_{role}"].status_code == 200 and answer != 200:
                    wrong.append(f"GET {url} as the city's {role}: {answer}, A's {role} reads it")
        for role in ("office", "leader", "liaison"):
            b = answers[f"b_{role}"]
            a = answers[f"a_{role}"]
            if names_an_object and a.status_code == 200 and b.status_code not in (403, 404):
                wrong.append(f"GET {url} as B's {role}: {b.status_code}, expected 404")
            if b.status_code == 200:
                text = _text_of(b)
                for secret in SECRETS:
                    if secret in text:
                        wrong.append(f"GET {url} as B's {role} shows {secret}")
    assert not wrong, f"{len(wrong)} of {asked} answers wrong:\n" + "\n".join(wrong)
