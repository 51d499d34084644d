"""The business pages and API refuse the three administrators (三员分立), whatever view they are."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from .permissions import is_administrator, may_open_route


class SeparatedAdministratorsMiddleware:
    """A signed-in administrator opens the admin site and their own account's pages only.

    Decided here, below every app, so that a business page written tomorrow refuses them
    too; the role checks of the pages and services (`is_office`, `sees_jurisdiction`) are
    False for administrators as a second line. The home page sends them to the admin site.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view_func: Any, view_args: Any, view_kwargs: Any
    ) -> HttpResponse | None:
        match = request.resolver_match
        # The route first: the user is read (and the answer varies on the cookie) only for
        # routes an administrator may not open, never for the public pages.
        if match is None or may_open_route(match) or not is_administrator(request.user):
            return None
        if match.url_name == "home":
            return redirect("admin:index")
        message = _(
            "Administrators manage the system; they do no inspection or rectification work."
        )
        if request.path.startswith("/api/"):
            return JsonResponse({"detail": message, "code": "permission_denied"}, status=403)
        raise PermissionDenied(message)
