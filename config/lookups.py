"""A lookup for matching keys against a set computed by a subquery, indexable on PostgreSQL."""

from __future__ import annotations

from typing import Any

from django.db.models import Lookup


class InSet(Lookup):
    """`key IN (subquery)`, on PostgreSQL as `key = ANY(ARRAY(subquery))`.

    The array is computed once, and the planner reads the outer table by its index for
    the keys in it; with a plain IN it may instead walk a whole index in the order a page
    asks for, expecting to meet the scope's rows early (they cluster in a few rounds).
    """

    lookup_name = "in_set"
    prepare_rhs = False

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, list]:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = compiler.compile(self.rhs)
        return f"{lhs} IN {rhs}", [*lhs_params, *rhs_params]

    def as_postgresql(self, compiler: Any, connection: Any) -> tuple[str, list]:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = compiler.compile(self.rhs)
        return f"{lhs} = ANY(ARRAY{rhs})", [*lhs_params, *rhs_params]
