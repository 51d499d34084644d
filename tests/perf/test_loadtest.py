"""`loadtest`: gunicorn on loopback, the Locust mix at a user count, the step's figures.

Only that the tool works end to end on a small data set: its timings are never asserted.
"""

from __future__ import annotations

import io
import json

import pytest
from django.conf import global_settings
from django.core.management import call_command

from demo.management.commands.loadtest import busiest_liaisons


@pytest.mark.postgres
def test_a_step_runs_the_mix_against_gunicorn_and_reports_its_figures(
    transactional_db, tmp_path, settings
):
    # gunicorn reads committed rows and checks passwords with the real hashers.
    settings.PASSWORD_HASHERS = global_settings.PASSWORD_HASHERS
    call_command(
        "generate_demo_data", measures=300, seed=5, stdout=io.StringIO(), stderr=io.StringIO()
    )
    path = tmp_path / "load.json"
    out = io.StringIO()
    call_command("loadtest", users="3", run_time="8s", p95_ms=60_000, json=path, stdout=out)
    print(out.getvalue())
    report = json.loads(path.read_text())

    (step,) = report["steps"]
    assert step["users"] == 3
    assert step["requests"] > 0
    assert step["failures"] == 0
    assert step["p95_ms"] >= step["median_ms"] > 0
    assert "Aggregated" in step["endpoints_csv"]
    assert report["best"]["users"] == 3
    assert report["accounts"]["office"] >= 1 and report["accounts"]["leader"] >= 1


def test_liaisons_are_taken_one_per_unit_before_a_second_of_any(db):
    call_command(
        "generate_demo_data", measures=300, seed=5, stdout=io.StringIO(), stderr=io.StringIO()
    )
    names = busiest_liaisons(3)
    units = [name.rsplit("_", 1)[0] for name in names]
    assert len(names) == 3
    assert len(set(units)) == len(units)


def test_the_office_accounts_are_those_who_see_the_round_they_open(tree):
    """A county's office opening another county's round gets a 404, which the load test
    would count as an error of the site: only the round's own office and those above it."""
    from demo.management.commands.loadtest import accounts

    county_round = tree["rounds"]["a"].pk
    assert set(accounts("office", county_round)) == {"office_a", "office_city"}
    assert set(accounts("office")) == {"office_a", "office_b", "office_city"}
