"""Reads about units and users, scoped to who asks, and the rule of what a liaison works on."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from .models import Unit, User


def units_visible_to(user: User) -> QuerySet[Unit]:
    # The organisation tree is not secret: everyone picks units from it.
    return Unit.objects.select_related("parent")


def units_assignable_by(user: User) -> QuerySet[Unit]:
    """Units a record may newly point at: a deactivated unit stays listed but takes no work."""
    return units_visible_to(user).filter(is_active=True)


def users_visible_to(user: User) -> QuerySet[User]:
    # Office staff pick lead officials' accounts; everyone else sees only themselves.
    if user.is_office:
        return User.objects.select_related("unit")
    return User.objects.filter(pk=user.pk).select_related("unit")


def liaison_scope(unit_id: int | None, via: str = "") -> Q:
    """The one rule of a liaison's scope: the measures their unit leads or cooperates on.

    `via` is the relation path from the queried model to its measures ("problems__measures__"
    from a round, "measures__" from a problem, "" on measures themselves), so each layer
    states the rule without importing the layers above it. The filter joins a many-to-many
    relation: take it through `in_liaison_scope` to keep each row once.
    """
    return Q(**{f"{via}lead_unit_id": unit_id}) | Q(**{f"{via}cooperating_units": unit_id})


def in_liaison_scope(qs: QuerySet, unit_id: int | None, via: str) -> QuerySet:
    """`qs` narrowed to the rows that reach a measure of the unit's, each row once."""
    reached = qs.model._default_manager.filter(liaison_scope(unit_id, via)).values("pk")
    return qs.filter(pk__in=reached)
