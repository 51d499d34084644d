"""Text search by index on PostgreSQL: a word's grams looked up in a GIN index, then the same
`icontains` as everywhere else decides.

Most search words are two Chinese characters, shorter than a trigram, so pg_trgm cannot narrow
them. `search_grams(VARIADIC text[])` (a SQL function, findings migration 0005) gives the
one- and two-character pieces of its arguments, upper-cased as `icontains` compares
them; a GIN index over it on measures and on problems answers "which rows hold every bigram of
the word" (its one character, for a one-character word). A row that holds the word holds its
bigrams, so the index never misses a row; the `icontains` recheck drops the rows that hold the
bigrams apart. The result is exactly that of `icontains` alone. SQLite has no such index and
searches as before.
"""

from __future__ import annotations

import time
from typing import Any

from django.db import connections
from django.db.models import BooleanField, Func, Q, QuerySet, Value
from django.db.models.expressions import Combinable


class HasGramsOf(Func):
    """`search_grams(columns…) @> search_word_grams(word)`: the index's necessary condition."""

    output_field = BooleanField()
    # A boolean expression is filtered on as is; the default would compare it with TRUE.
    conditional = True

    def __init__(self, word: str, *columns: str | Combinable) -> None:
        super().__init__(*columns, Value(word))

    def as_sql(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, list]:  # type: ignore[override]
        *columns, word = self.get_source_expressions()
        sqls, params = [], []
        for column in columns:
            sql, column_params = compiler.compile(column)
            sqls.append(sql)
            params.extend(column_params)
        word_sql, word_params = compiler.compile(word)
        return (
            f"search_grams({', '.join(sqls)}) @> search_word_grams({word_sql})",
            [*params, *word_params],
        )


# A word whose rarest gram is in at least this share of rows is searched without the index:
# the list's ordering index, walked and filtered, meets a page's rows (and the capped count's)
# sooner than a bitmap of that many rows is built and read.
COMMON = 0.05
# How long a process keeps an index's gram frequencies (ANALYZE refreshes them in the database).
STATISTICS_SECONDS = 600

_frequencies: dict[tuple[str, str], tuple[float, dict[str, float]]] = {}


def gram_frequencies(using: str, index: str) -> dict[str, float]:
    """The share of rows holding each common gram, from the index's statistics (pg_stats)."""
    now = time.monotonic()
    cached = _frequencies.get((using, index))
    if cached and now - cached[0] < STATISTICS_SECONDS:
        return cached[1]
    with connections[using].cursor() as cursor:
        cursor.execute(
            "SELECT most_common_elems::text::text[], most_common_elem_freqs FROM pg_stats"
            " WHERE tablename = %s LIMIT 1",
            [index],
        )
        row = cursor.fetchone()
    found = dict(zip(row[0], row[1], strict=False)) if row and row[0] else {}
    _frequencies[(using, index)] = (now, found)
    return found


def word_grams(word: str) -> list[str]:
    """The grams the index is asked for (as search_word_grams says them)."""
    upper = word.upper()
    if len(upper) < 2:
        return [upper]
    return sorted({upper[i : i + 2] for i in range(len(upper) - 1)})


def by_index(qs: QuerySet, word: str, index: str) -> bool:
    """Whether to search `qs` for `word` by the grams index `index`: on PostgreSQL, and when
    one of the word's grams is rare (not among the index's common grams, or below COMMON)."""
    if connections[qs.db].vendor != "postgresql":
        return False
    frequencies = gram_frequencies(qs.db, index)
    return min(frequencies.get(gram, 0.0) for gram in word_grams(word)) < COMMON


def text_search(qs: QuerySet, word: str, index: str, *columns: str) -> QuerySet:
    """The rows of `qs` in which one of `columns` holds `word` (case-insensitive), by the grams
    index `index` (over exactly these columns, in this order) when the word is rare enough."""
    matches = Q()
    for column in columns:
        matches |= Q(**{f"{column}__icontains": word})
    if by_index(qs, word, index):
        # The grams condition alone at the top, so that the heap rows it finds are checked by
        # the `icontains` only (not by computing their grams again).
        return qs.filter(HasGramsOf(word, *columns)).filter(matches)
    return qs.filter(matches)
