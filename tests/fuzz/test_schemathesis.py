"""Fuzzing the API with schemathesis against its own OpenAPI schema, as office staff and as a
liaison: no 5xx, and every answer documented and shaped as the schema says.

Bounded for CI: FUZZ_EXAMPLES examples an operation (20 unless told), derandomised so that
a run is repeatable; every request runs in a savepoint rolled back after it.
"""

from __future__ import annotations

import os
from collections import Counter

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections, transaction
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from config.wsgi import application
from tests.factories import ClueFactory, PetitionFactory
from tests.rectification.helpers import add_evidence

pytestmark = [pytest.mark.fuzz, pytest.mark.django_db]

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "20"))
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
# Operations that are not the API's own: the token endpoint is exercised by the login tests
# (fuzzing it would lock the address out), sign-out would end the fuzzing session.
SKIPPED = {("POST", "/api/v1/auth/token/"), ("POST", "/api/v1/auth/logout/")}


def api_schema() -> schemathesis.schemas.BaseSchema:
    document = SchemaGenerator().get_schema(request=None, public=True)
    schema = schemathesis.openapi.from_dict(document)
    schema.app = application
    return schema


@pytest.fixture
def in_process_requests():
    # As Django's test client does: a request served in-process must not close the test's
    # database connection (and with it the transaction the test runs in).
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def fuzz_world(in_process_requests, people, measure_a, measure_b, inspection_round):
    add_evidence(measure_a, people["liaison_a"])
    ClueFactory(round=inspection_round)
    PetitionFactory(round=inspection_round)
    return people


def existing_ids() -> dict[str, list[int]]:
    """The ids of the fuzzing world's objects, by the API's resource names."""
    from accounts.models import Unit, User
    from findings.models import Aspect, Petition, Problem, ProblemClue
    from inspections.models import InspectionRound
    from rectification.models import Evidence, Extension, Measure
    from reminders.models import Notification

    models = {
        "units": Unit,
        "users": User,
        "rounds": InspectionRound,
        "aspects": Aspect,
        "problems": Problem,
        "clues": ProblemClue,
        "petitions": Petition,
        "measures": Measure,
        "evidence": Evidence,
        "extensions": Extension,
        "notifications": Notification,
    }
    return {
        name: list(model.objects.values_list("pk", flat=True)) for name, model in models.items()
    }


def with_real_ids(operation, ids: dict[str, list[int]]):
    """Half the examples of a detail route name an object that exists, so that the fuzzing
    reaches past the 404 into the views' own rules."""
    resource = operation.path.removeprefix("/api/v1/").split("/")[0]
    strategy = operation.as_strategy()
    if "{id}" not in operation.path or not ids.get(resource):
        return strategy

    def swap(pair):
        case, pick = pair
        if pick is not None:
            case.path_parameters = {**(case.path_parameters or {}), "id": pick}
        return case

    real = st.one_of(st.none(), st.sampled_from(ids[resource]))
    return st.tuples(strategy, real).map(swap)


def fuzz_as(user, stats: Counter, failures: list[str]) -> None:
    token = Token.objects.create(user=user)
    headers = {"Authorization": f"Token {token.key}", "If-Match": '"1"'}
    ids = existing_ids()
    for result in api_schema().get_all_operations():
        operation = result.ok()
        if (operation.method.upper(), operation.path) in SKIPPED:
            continue

        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            derandomize=True,
            database=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @given(case=with_real_ids(operation, ids))
        def run(case) -> None:
            with transaction.atomic():
                response = case.call(headers=headers)
                stats[response.status_code] += 1
                try:
                    case.validate_response(response, checks=CHECKS)
                except BaseException as exc:  # FailureGroup: every check that failed
                    failures.append(f"{case.method} {case.formatted_path}: {exc}"[:600])
                transaction.set_rollback(True)

        run()


@pytest.mark.parametrize("role", ["office", "liaison_a"])
def test_the_api_keeps_its_schema_under_fuzzing(fuzz_world, role):
    stats: Counter = Counter()
    failures: list[str] = []
    fuzz_as(fuzz_world[role], stats, failures)
    sent = sum(stats.values())
    server_errors = sum(n for code, n in stats.items() if code >= 500)
    answers = dict(sorted(stats.items()))
    print(f"fuzz as {role}: {sent} requests, {server_errors} 5xx, answers {answers}")
    assert not failures, f"{len(failures)} failures:\n" + "\n".join(failures[:40])
    assert server_errors == 0
