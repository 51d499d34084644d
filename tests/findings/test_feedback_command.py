"""`manage.py parse_feedback`: one JSON object for scripts, a readable tree for people."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import CommandError, call_command

from tests.documents.test_feedback_api import SIP, THREE_LEVELS, WUXI, needs_samples


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("parse_feedback", *args, stdout=out)
    return out.getvalue()


def test_json_output_is_exactly_one_object_with_the_expected_counts():
    needs_samples()
    data = json.loads(run(str(WUXI), "--json"))
    assert set(data) == {"declared", "problems"}
    assert data["declared"] == {"aspects": 4, "problems": 13, "measures": 80}
    assert len(data["problems"]) == 7
    assert sum(len(p["measures"]) for p in data["problems"]) == 22
    assert set(data["problems"][0]) == {"aspect", "seq", "title", "measures"}
    assert set(data["problems"][0]["measures"][0]) == {"seq", "text"}


def test_json_output_keeps_chinese_readable():
    needs_samples()
    assert "学习新思想不深入" in run(str(WUXI), "--json")


def test_the_readable_tree_shows_totals_problems_and_warnings(tmp_path):
    path = tmp_path / "feedback.txt"
    path.write_text(THREE_LEVELS.replace("5条", "6条"), encoding="utf-8")
    output = run(str(path))
    lines = output.splitlines()
    assert "2" in lines[0] and "6" in lines[0]  # announced
    assert "3" in lines[1] and "5" in lines[1]  # found
    assert "【党的领导】" in output
    assert "1. 学习不深入" in output
    assert "    1.2 开展专题研讨。" in output
    assert "6条整改措施" in output  # the parser's warning about the difference


def test_a_gbk_file_is_read(tmp_path):
    path = tmp_path / "feedback-gbk.txt"
    path.write_bytes(THREE_LEVELS.encode("gb18030"))
    assert len(json.loads(run(str(path), "--json"))["problems"]) == 3


def test_a_text_without_problems_fails_with_the_parsers_reason():
    needs_samples()
    with pytest.raises(CommandError, match="38个问题"):
        run(str(SIP), "--json")


def test_a_missing_file_fails_clearly(tmp_path):
    with pytest.raises(CommandError, match="missing.txt"):
        run(str(tmp_path / "missing.txt"))
