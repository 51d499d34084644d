"""Reads about jurisdictions, units and users, scoped to who asks, and the rules of who sees
what: the jurisdictions an office reads, what a liaison works on and what a supervision
group's member sees."""

from __future__ import annotations

import contextlib
from collections import defaultdict
from typing import Any

from django.core.cache import cache
from django.db.models import Exists, F, Model, OuterRef, Q, QuerySet, Subquery

from config.lookups import InSet

from .models import JURISDICTION_TREE_CACHE_KEY as TREE_CACHE_KEY
from .models import Jurisdiction, Unit, User
from .permissions import can_manage_accounts


def jurisdiction_tree() -> dict[int, int | None]:
    return Jurisdiction.objects.tree()


def forget_jurisdiction_tree() -> None:
    with contextlib.suppress(Exception):  # a cache that is down keeps nothing
        cache.delete(TREE_CACHE_KEY)


def jurisdictions_below(jurisdiction_id: int | None) -> frozenset[int]:
    """The jurisdiction and every one below it."""
    if jurisdiction_id is None:
        return frozenset()
    children: dict[int | None, list[int]] = defaultdict(list)
    for key, parent in jurisdiction_tree().items():
        children[parent].append(key)
    found, todo = {jurisdiction_id}, [jurisdiction_id]
    while todo:
        for child in children[todo.pop()]:
            if child not in found:
                found.add(child)
                todo.append(child)
    return frozenset(found)


def jurisdictions_directly_below(jurisdiction_id: int | None) -> list[int]:
    """The jurisdictions whose parent is this one, in the order they were made."""
    return sorted(key for key, parent in jurisdiction_tree().items() if parent == jurisdiction_id)


def jurisdictions_above(*jurisdiction_ids: int | None) -> frozenset[int]:
    """The jurisdictions and every one above them: whose staff may read their work."""
    tree = jurisdiction_tree()
    found: set[int] = set()
    for start in jurisdiction_ids:
        node = start
        while node is not None and node not in found:
            found.add(node)
            node = tree.get(node)
    return frozenset(found)


def jurisdiction_scope(user: User) -> frozenset[int] | None:
    """The one rule of whose work a user reads (DESIGN.md sections 4 and 12): their own
    jurisdiction and every one below it, never sideways or up. None when that is every
    jurisdiction there is (the top's staff, the bootstrap superuser): no limit to apply."""
    cached: Any = getattr(user, "_jurisdiction_scope", False)
    if cached is not False:
        return cached
    scope: frozenset[int] | None
    if user.is_admin:
        scope = None
    else:
        scope = jurisdictions_below(getattr(user, "jurisdiction_id", None))
        if scope and scope >= frozenset(jurisdiction_tree()):
            scope = None
    user._jurisdiction_scope = scope  # type: ignore[attr-defined]
    return scope


def owns_jurisdiction(user: User, jurisdiction_id: int | None) -> bool:
    """Whether the work of `jurisdiction_id` (a round's) is the user's own, to add to and
    change: their jurisdiction or one below it, not a joint round of the level above that
    they see for their units' measures only."""
    scope = jurisdiction_scope(user)
    return scope is None or jurisdiction_id in scope


def measures_in_jurisdictions(scope: frozenset[int], via: str = "") -> Q:
    """The measures (or rows reaching them by `via`) of the jurisdictions: those of their
    rounds, and those their units lead in a round of the level above (joint rounds)."""
    return Q(**{f"{via}problem__round__jurisdiction_id__in": scope}) | Q(
        **{f"{via}lead_unit__jurisdiction_id__in": scope}
    )


def _measures_in_by_keys(measure_model: type[Model], scope: frozenset[int]) -> Q:
    """`measures_in_jurisdictions(scope)` said over the measures' own keys: their problem
    among the problems of the scope's rounds, or their lead unit among the scope's units.
    The same rows; but two indexed key lists, where the joins to round and unit would make
    the database read every measure of a list or a search to test the condition."""
    problem_model: Any = measure_model._meta.get_field("problem").related_model
    problems = problem_model._default_manager.filter(round__jurisdiction_id__in=scope)
    units = Unit.objects.filter(jurisdiction_id__in=scope)
    return Q(problem_id__in=problems.order_by().values("pk")) | Q(
        lead_unit_id__in=units.order_by().values("pk")
    )


def of_jurisdictions(qs: QuerySet, user: User, *paths: str) -> QuerySet:
    """`qs` narrowed to the rows whose jurisdiction, reached by any of `paths` ("round__",
    "unit__", "created_by__"), is in the user's scope (`jurisdiction_scope`)."""
    scope = jurisdiction_scope(user)
    if scope is None:
        return qs
    condition = Q(pk__in=[])
    for path in paths:
        condition |= Q(**{f"{path}jurisdiction_id__in": scope})
    return qs.filter(condition)


def in_jurisdiction_scope(qs: QuerySet, user: User, via: str | None, round_via: str) -> QuerySet:
    """`qs` narrowed to the user's jurisdictions (`jurisdiction_scope`).

    `round_via` is the path from the queried model to its round ("" on rounds, "round__" on
    problems, "problem__round__" on measures). With `via`, the path to the measures as in
    `in_liaison_scope`, a row is also in scope when it reaches a measure led by a unit of
    the scope in a round of the level above (a joint round): the county's office sees that
    round and those measures as its own, and nothing else of it. With `via=None` (clues,
    reports, evaluations: the round's own matters) only the scope's own rounds count.
    """
    scope = jurisdiction_scope(user)
    if scope is None:
        return qs
    own = Q(**{f"{round_via}jurisdiction_id__in": scope})
    if via is None:
        return of_jurisdictions(qs, user, round_via)
    measure_model, back = _measure_path(qs.model, via)
    if not back:
        return qs.filter(_measures_in_by_keys(measure_model, scope))
    keys = (
        measure_model._default_manager.filter(lead_unit__jurisdiction_id__in=scope)
        .order_by()
        .values(back[0])
        .distinct()
    )
    keys = _walk_back(measure_model, back, keys)
    return qs.filter(own | Q(InSet(F("pk"), Subquery(keys))))


def jurisdictions_visible_to(user: User) -> QuerySet[Jurisdiction]:
    qs = Jurisdiction.objects.select_related("parent")
    scope = jurisdiction_scope(user)
    return qs if scope is None else qs.filter(pk__in=scope)


def units_visible_to(user: User) -> QuerySet[Unit]:
    """The organisation tree of the user's jurisdictions; the top's staff see all of it.
    Liaisons and supervisors pick from their own jurisdiction's tree and those below."""
    qs = Unit.objects.select_related("parent")
    scope = jurisdiction_scope(user)
    return qs if scope is None else qs.filter(jurisdiction_id__in=scope)


def units_assignable_by(user: User) -> QuerySet[Unit]:
    """Units a record may newly point at: a deactivated unit stays listed but takes no work."""
    return units_visible_to(user).filter(is_active=True)


def users_visible_to(user: User) -> QuerySet[User]:
    # Office staff pick lead officials' accounts, the system administrator keeps them all;
    # everyone else sees only themselves.
    if user.is_office or can_manage_accounts(user):
        qs = User.objects.select_related("unit")
        scope = jurisdiction_scope(user)
        return qs if scope is None else qs.filter(jurisdiction_id__in=scope)
    return User.objects.filter(pk=user.pk).select_related("unit")


def _measure_path(model: type[Model], via: str) -> tuple[type[Model], list[str]]:
    """The measure model at the end of `via`, and the steps back from it to `model`."""
    back: list[str] = []
    for name in [part for part in via.split("__") if part]:
        relation: Any = model._meta.get_field(name)
        related = relation.related_model
        assert isinstance(related, type), f"{name} names no model"
        back.insert(0, relation.remote_field.name)
        model = related
    return model, back


def _walk_back(measure_model: type[Model], back: list[str], keys: QuerySet) -> QuerySet:
    """From `keys` (the first step's keys of some measures) to the keys of the model at the
    end of `back`, one distinct set at a time."""
    model: Any = measure_model._meta.get_field(back[0]).related_model
    for step in back[1:]:
        keys = (
            model._default_manager.filter(InSet(F("pk"), Subquery(keys)))
            .order_by()
            .values(step)
            .distinct()
        )
        model = model._meta.get_field(step).related_model
    return keys


def liaison_memberships(measure_model: type[Model], unit_id: int | None) -> QuerySet:
    """The one rule of a liaison's scope: the measures their unit leads or cooperates on, as
    the unit's rows of the measures' membership table (rectification.MeasureUnit), one index
    range by unit and problem.

    The table is a model of the rectification layer above; it is reached through the
    measure's own relation to it, so that this layer states the rule without importing it.
    """
    relation: Any = measure_model._meta.get_field("memberships")
    return relation.related_model._default_manager.filter(unit_id=unit_id).order_by()


def liaison_scope(measure_model: type[Model], unit_id: int | None, key: str = "pk") -> QuerySet:
    """The measures of a liaison's scope (`liaison_memberships`), answered as their `key`
    ("pk", or a foreign key such as "problem"), each once.

    The problem is kept on the rows, so the problems of a unit's scope are read from the
    index alone, and its measures from the same range; a key the rows do not hold is read
    from the measures by their keys.
    """
    rows = liaison_memberships(measure_model, unit_id)
    if key == "pk":
        return rows.values("measure").distinct()
    if key == "problem":
        return rows.values("problem").distinct()
    return (
        measure_model._default_manager.filter(InSet(F("pk"), Subquery(rows.values("measure"))))
        .order_by()
        .values(key)
        .distinct()
    )


def in_liaison_scope(qs: QuerySet, unit_id: int | None, via: str) -> QuerySet:
    """`qs` narrowed to the rows that reach a measure of the unit's, each row once.

    `via` is the relation path from the queried model to its measures ("problems__measures__"
    from a round, "measures__" from a problem, "" on measures themselves), so each layer
    states the rule without importing the layers above it. The rows are found by their
    keys, walking the path back from the scope's measures one distinct set at a time (a
    unit's few thousand measures lie in a few hundred problems of a few rounds), never by
    a check on each row.
    """
    measure_model, back = _measure_path(qs.model, via)
    if not back:
        return qs.filter(InSet(F("pk"), Subquery(liaison_scope(measure_model, unit_id))))
    keys = liaison_scope(measure_model, unit_id, key=back[0])
    keys = _walk_back(measure_model, back, keys)
    return qs.filter(InSet(F("pk"), Subquery(keys)))


def groups_supervising(user: User) -> QuerySet:
    """The one rule of a supervision group's scope (DESIGN.md section 10): the active groups
    `user` leads or belongs to, whose rounds' measures led by its units the user sees like an
    office user.

    The groups are a model of the supervision layer above; they are reached through the
    user's own relation to them, so that this layer states the rule without importing it.
    """
    relation: Any = User._meta.get_field("supervision_groups")
    group_model: Any = relation.related_model
    if not user.is_authenticated or not user.pk:
        return group_model._default_manager.none()
    return (
        group_model._default_manager.filter(Q(members=user) | Q(leader=user), is_active=True)
        .distinct()
        .order_by("name")
    )


def supervised_measures_filter(user: User, via: str = "") -> Exists:
    """A filter on measures (or on a model reaching them by `via`) for the measures of the
    rounds and units of the user's groups."""
    groups = groups_supervising(user).filter(
        rounds=OuterRef(f"{via}problem__round"), units=OuterRef(f"{via}lead_unit")
    )
    return Exists(groups)
