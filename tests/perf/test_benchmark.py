"""`benchmark`: every scenario runs on a small generated data set and answers 200.

Timings are printed and stored, never asserted: this machine is shared and slow. One
test runs the benchmark once, because running it costs most of this file's time.
"""

from __future__ import annotations

import io
import json

from django.core.management import call_command

from demo.management.commands.benchmark import SCENARIOS

AGGREGATES = ["dashboard_summary", "dashboard_units", "round_stats"]


def test_every_scenario_answers_200_counts_its_queries_and_matches_its_floor(db, tmp_path):
    call_command(
        "generate_demo_data", measures=1000, seed=5, stdout=io.StringIO(), stderr=io.StringIO()
    )
    path = tmp_path / "bench.json"
    out = io.StringIO()
    call_command("benchmark", repeat=1, json=path, stdout=out)
    print(out.getvalue())
    report = json.loads(path.read_text())
    scenarios = report["scenarios"]

    assert report["measures"] == 1000
    assert list(scenarios) == SCENARIOS
    for name, entry in scenarios.items():
        assert entry["queries"] > 0, name
        assert {"median_ms", "p95_ms"} <= set(entry), name
        if "path" in entry:
            assert entry["status"] == 200, name
    for name in AGGREGATES:
        assert scenarios[name]["raw_sql_ms"] > 0, name
        assert "ratio" in scenarios[name], name
        # Where the figure comes from the selector, the floor must compute the same numbers.
        if scenarios[name].get("via") == "selector":
            assert scenarios[name]["raw_sql_matches"], name
    assert scenarios["round_stats"]["raw_sql_matches"]
    assert scenarios["ledger_export"]["peak_mb"] > 0
    # The sweep is exactly-once: the rerun on the same day finds nothing new to send.
    assert scenarios["reminder_sweep"]["fresh"]
    assert scenarios["reminder_sweep"]["reminders"] > 0
    assert scenarios["reminder_sweep_rerun"]["reminders"] == 0
    assert scenarios["me_after_sweep"]["notifications"] > 0
