"""Separation of duties: the one check of every two-person step.

A step that a second person approves (a measure's sign-off, a publication's approval, and
every such step to come) names everyone who wrote what is approved; the approver must be
none of them. Each step asks here, so that the rule cannot be walked around by one step
that forgot a kind of author.
"""

from __future__ import annotations

from collections.abc import Iterable

from config.errors import NotAllowed

from .models import User


def require_second_person(approver: User, authors: Iterable[int | None], refusal: str) -> None:
    """Refuse `approver` if they are one of `authors` (user ids); `refusal` says why."""
    if approver.pk in {author for author in authors if author is not None}:
        raise NotAllowed(refusal)
