"""The signed-in user of a request, typed as a `User` for the code behind a login."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from rest_framework.exceptions import NotAuthenticated
from rest_framework.request import Request

from .models import User


def signed_in_user(request: HttpRequest | Request) -> User:
    """The request's user; an anonymous one is refused rather than passed on.

    Pages sit behind `login_required` and API views behind permission classes that check
    `is_authenticated`, so the refusal is a guard for a view that forgot them, never the
    usual answer.
    """
    user = request.user
    if not user.is_authenticated:
        if isinstance(request, Request):
            raise NotAuthenticated()
        raise PermissionDenied
    return user
