"""Reads about units and users, scoped to who asks, and the rules of what a liaison works on and
what a supervision group's member sees."""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, F, Model, OuterRef, Q, QuerySet, Subquery

from config.lookups import InSet

from .models import Unit, User
from .permissions import can_manage_accounts


def units_visible_to(user: User) -> QuerySet[Unit]:
    # The organisation tree is not secret: everyone picks units from it.
    return Unit.objects.select_related("parent")


def units_assignable_by(user: User) -> QuerySet[Unit]:
    """Units a record may newly point at: a deactivated unit stays listed but takes no work."""
    return units_visible_to(user).filter(is_active=True)


def users_visible_to(user: User) -> QuerySet[User]:
    # Office staff pick lead officials' accounts, the system administrator keeps them all;
    # everyone else sees only themselves.
    if user.is_office or can_manage_accounts(user):
        return User.objects.select_related("unit")
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
    model: Any = measure_model._meta.get_field(back[0]).related_model
    for step in back[1:]:
        keys = (
            model._default_manager.filter(InSet(F("pk"), Subquery(keys)))
            .order_by()
            .values(step)
            .distinct()
        )
        model = model._meta.get_field(step).related_model
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
