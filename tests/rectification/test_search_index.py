"""Search by the grams index (config/search.py) finds exactly what `icontains` finds: for words
of one to four characters, Chinese, Latin letters in either case and digits, over a few thousand
generated measures and their problems' titles."""

from __future__ import annotations

import datetime
import random

import pytest
from django.db import connection
from django.db.models import Q
from django.test.utils import CaptureQueriesContext

from config import search
from findings.models import Problem
from rectification.filters import MeasureFilter
from rectification.models import Measure

from ..factories import RoundFactory, UnitFactory

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]

# A small alphabet, so that short words occur often and their bigrams also occur apart.
ALPHABET = "制度落实整改责任监督aAbBxX12 "
WORDS = [
    "制",
    "a",
    "B",
    "1",
    "制度",
    "落实",
    "ab",
    "AB",
    "x1",
    "12",
    "度制",
    "整改责",
    "aB1",
    "监督制",
    "制度落实",
    "Ab12",
    "责任监督",
    "zz",
    "无此词",
    "巡察",
    "巡察制度",
    "察",
]


def text(rng: random.Random, length: int) -> str:
    return "".join(rng.choice(ALPHABET) for _ in range(length))


@pytest.fixture
def measures():
    rng = random.Random(20)
    unit = UnitFactory()
    problems = []
    for _ in range(3):
        inspection_round = RoundFactory(target_unit=unit)
        problems += Problem.objects.bulk_create(
            Problem(round=inspection_round, seq=n, title=text(rng, rng.randint(2, 12)))
            for n in range(1, 101)
        )
    day = datetime.date(2026, 12, 31)
    Measure.objects.bulk_create(
        Measure(
            problem=problems[n % len(problems)],
            seq=n // len(problems) + 1,
            # A few rows hold a word whose characters occur nowhere else: a rare word.
            text=text(rng, rng.randint(3, 30)) + ("巡察制度" if n % 97 == 0 else ""),
            lead_official=text(rng, rng.randint(0, 4)),
            result_summary=text(rng, rng.randint(0, 10)) if n % 3 else "",
            lead_unit=unit,
            deadline=day,
        )
        for n in range(3000)
    )
    connection.cursor().execute("ANALYZE")
    return Measure.objects.order_by("id")


def plain(measures, word: str) -> list[int]:
    """Today's search: `icontains` over the three fields and the problem's title."""
    titles = Problem.objects.filter(title__icontains=word).values("pk")
    found = measures.filter(
        Q(text__icontains=word)
        | Q(lead_official__icontains=word)
        | Q(result_summary__icontains=word)
        | Q(problem__in=titles)
    )
    return list(found.values_list("pk", flat=True))


@pytest.mark.parametrize("mode", ["index", "by-stats", "scan"])
def test_the_index_finds_what_icontains_finds(measures, monkeypatch, mode):
    """With the index always, by the statistics' choice, and never: the same rows."""
    common = {"index": 1.1, "scan": 0.0}.get(mode, search.COMMON)
    monkeypatch.setattr(search, "COMMON", common)
    search._frequencies.clear()
    differ, indexed = [], 0
    for word in WORDS:
        # A rare word's keys are read as the filter is built: both counted.
        with CaptureQueriesContext(connection) as queries:
            searched = MeasureFilter({"q": word}, queryset=measures).qs
            found = list(searched.values_list("pk", flat=True))
        indexed += any("search_grams(" in q["sql"] for q in queries.captured_queries)
        if found != plain(measures, word):
            differ.append(word)

    assert differ == []
    assert indexed == {"index": len(WORDS), "scan": 0}.get(mode, indexed)
    if mode == "by-stats":
        assert 0 < indexed < len(WORDS), "the statistics sent every word the same way"


def test_a_common_word_walks_the_list_and_a_rare_one_reads_the_index(measures):
    search._frequencies.clear()
    assert not search.by_index(measures, "制", "measure_search_grams")
    assert search.by_index(measures, "巡察制度", "measure_search_grams")
    assert search.by_index(measures, "无此词", "measure_search_grams")


def test_words_cover_rare_and_common(measures):
    counts = {word: len(plain(measures, word)) for word in WORDS}
    assert counts["无此词"] == 0 and counts["zz"] == 0
    assert 0 < counts["制度落实"] < 300 and counts["制"] > 1000
    assert 0 < counts["巡察"] < 50


def test_the_index_serves_a_rare_word(measures):
    """The plans read the grams indexes (not a scan of every row) for a rare word, and the
    list is then read from the keys they found."""
    search._frequencies.clear()
    with CaptureQueriesContext(connection) as queries:
        searched = MeasureFilter({"q": "巡察"}, queryset=measures).qs.order_by()
    plans = []
    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")
        for query in queries.captured_queries:
            cursor.execute(f"EXPLAIN {query['sql']}")
            plans.append("\n".join(row[0] for row in cursor.fetchall()))
        cursor.execute("RESET enable_seqscan")
    plan = "\n".join(plans)
    assert "measure_search_grams" in plan and "problem_title_grams" in plan
    sql = str(searched.values("pk").query)
    assert "search_grams(" not in sql and "ANY(ARRAY" not in sql
    assert list(searched.order_by("pk").values_list("pk", flat=True)) == sorted(
        plain(measures, "巡察")
    )


def test_a_rare_word_in_too_many_rows_is_searched_by_its_sets(measures, monkeypatch):
    """Past RARE_WORD_KEYS the keys are not read first: the sets are subqueries, as before."""
    from rectification import filters

    search._frequencies.clear()
    monkeypatch.setattr(filters, "RARE_WORD_KEYS", 1)
    searched = MeasureFilter({"q": "巡察"}, queryset=measures).qs
    assert "search_grams(" in str(searched.values("pk").query)
    found = list(searched.values_list("pk", flat=True))
    assert len(found) > 1 and found == plain(measures, "巡察")
