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


def indexed(qs: QuerySet) -> bool:
    return connections[qs.db].vendor == "postgresql"


def text_search(qs: QuerySet, word: str, *columns: str) -> QuerySet:
    """The rows of `qs` in which one of `columns` holds `word` (case-insensitive), by the grams
    index where there is one. The columns are those of the index, in its order."""
    matches = Q()
    for column in columns:
        matches |= Q(**{f"{column}__icontains": word})
    if indexed(qs):
        return qs.filter(HasGramsOf(word, *columns), matches)
    return qs.filter(matches)


def text_search_q(qs: QuerySet, word: str, *columns: str) -> Q:
    """As `text_search`, as a condition to combine with others (OR)."""
    matches = Q()
    for column in columns:
        matches |= Q(**{f"{column}__icontains": word})
    if indexed(qs):
        return Q(HasGramsOf(word, *columns)) & matches
    return matches
