"""The one rule of a supervision group's scope: the measures of its rounds led by its units.

A member (or the leader) of an active group sees those measures like an office user and
writes only the group's visits, urge notices and new problems (DESIGN.md section 10).
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q, QuerySet

from accounts.models import User

from .models import SupervisionGroup


def groups_supervising(user: User) -> QuerySet[SupervisionGroup]:
    """The active groups `user` leads or belongs to."""
    if not user.is_authenticated or not user.pk:
        return SupervisionGroup.objects.none()
    return (
        SupervisionGroup.objects.filter(Q(members=user) | Q(leader=user), is_active=True)
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


def is_supervisor(user: User) -> bool:
    return groups_supervising(user).exists()
