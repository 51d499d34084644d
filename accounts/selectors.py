"""Reads about units and users, scoped to who asks."""

from __future__ import annotations

from django.db.models import QuerySet

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
