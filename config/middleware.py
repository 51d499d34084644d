"""Request-level guards that must act before a view (or Django itself) reads the body."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from rest_framework.exceptions import ParseError

from .parsers import CHECKED, read_json


class RequestSizeLimitMiddleware:
    """Answer 413 to a request whose Content-Length passes MAX_REQUEST_BYTES, unread.

    Django spools file uploads to disk before any view can look at their size; this stops
    an oversized upload at its header. A body without Content-Length is read as empty by
    Django under WSGI, so it cannot slip past.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        raw = request.META.get("CONTENT_LENGTH") or "0"
        try:
            length = int(raw)
        except ValueError:
            length = -1
        limit = settings.MAX_REQUEST_BYTES
        if length < 0:
            return self._refuse(request, 400, _("The Content-Length header is not a number."))
        if length > limit:
            message = _("The request is %(size).1f MB; the limit is %(limit).0f MB.") % {
                "size": length / 1048576,
                "limit": limit / 1048576,
            }
            return self._refuse(request, 413, message)
        return self.get_response(request)

    @staticmethod
    def _refuse(request: HttpRequest, status: int, message: str) -> HttpResponse:
        code = "request_too_large" if status == 413 else "invalid"
        if request.path.startswith("/api/"):
            response: HttpResponse = JsonResponse({"detail": message, "code": code}, status=status)
        else:
            response = HttpResponse(message, status=status, content_type="text/plain")
        # The body was not read: the connection cannot be reused for another request.
        response["Connection"] = "close"
        return response


class JSONBodyMiddleware:
    """Read a JSON request body before any view, and answer 400 to one that nothing after it
    could keep (config.parsers.read_json): not JSON, nested too deep, a lone surrogate.

    DRF's parser makes the same checks, but only when a view reads its body; here every
    endpoint refuses such a body alike, also one that answers before reading it (a missing
    object, an action that takes no body). After the locale middleware, so that the message
    is in the reader's language. DRF then takes the value read here instead of reading again.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.content_type == "application/json" and self._fits(request):
            body = request.body
            if body:
                try:
                    data = read_json(body, request.encoding)
                except ParseError as exc:
                    return _answer(request, 400, str(exc.detail), str(exc.get_codes()))
                setattr(request, CHECKED, data)
        return self.get_response(request)

    @staticmethod
    def _fits(request: HttpRequest) -> bool:
        # Django keeps a body in memory up to DATA_UPLOAD_MAX_MEMORY_SIZE; a larger one (up to
        # MAX_REQUEST_BYTES) is left to DRF, whose parser checks the same when a view reads it.
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return False
        return length <= settings.DATA_UPLOAD_MAX_MEMORY_SIZE


def _answer(request: HttpRequest, status: int, message: str, code: str) -> HttpResponse:
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": message, "code": code}, status=status)
    return HttpResponse(message, status=status, content_type="text/plain; charset=utf-8")


class NoStoreMiddleware:
    """`Cache-Control: no-store` on every answer that has not said otherwise.

    Clue lists, evidence, ledgers and names of officials must not stay in a browser's or a
    proxy's cache. Static files (whitenoise answers them first) and any view that sets its
    own Cache-Control keep theirs.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not response.has_header("Cache-Control"):
            response["Cache-Control"] = "no-store"
        return response
