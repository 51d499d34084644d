"""The gate after sign-in: session limits, the second-factor step and forced password changes.

For a signed-in request, in this order: a session past its idle timeout or absolute limit
ends; an account with an authenticator that has not given its code in this session goes to
the code page; an account whose role needs a second factor and has none goes to enrolment;
an account that must change its password goes to the password page. Until then only those
pages, sign-out, the language switch and static files answer; the API answers 401 or 403.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from . import sessions
from .passwords import password_change_reason
from .second_factor import has_second_factor, otp_required, verified

OTP_VERIFY, OTP_ENROL, PASSWORD_CHANGE = "otp-verify", "otp-enrol", "password-change"


@cache
def _always_open() -> tuple[str, ...]:
    return tuple(
        reverse(name)
        for name in ("login", "logout", "admin:logout", "set_language", "api:api-logout")
    )


def _open_during(step: str) -> tuple[str, ...]:
    pages = [OTP_VERIFY, OTP_ENROL, "otp-recovery-codes"]
    if step == PASSWORD_CHANGE:
        pages.append(PASSWORD_CHANGE)
    return tuple(reverse(name) for name in pages)


def pending_step(request: HttpRequest) -> str | None:
    """The URL name of the page the signed-in user must pass before any other, or None."""
    user = request.user
    if not verified(request):
        enrolled = request.session.get(sessions.ENROLLED)
        if enrolled is None:
            enrolled = request.session[sessions.ENROLLED] = has_second_factor(user)  # type: ignore[arg-type]
        if enrolled:
            return OTP_VERIFY
        if otp_required(user):  # type: ignore[arg-type]
            return OTP_ENROL
    if password_change_reason(user):  # type: ignore[arg-type]
        return PASSWORD_CHANGE
    return None


class SignOnGateMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # Without a session cookie nobody is signed in: the session is left unread, so that
        # public pages do not vary by cookie and stay cacheable.
        if has_session_cookie(request) and request.user.is_authenticated:
            answer = self._session_over(request) or self._step_pending(request)
            if answer is not None:
                return answer
        return self.get_response(request)

    def _session_over(self, request: HttpRequest) -> HttpResponse | None:
        reason = sessions.end_reason(request.session, timezone.now())
        if reason is None:
            return None
        sessions.end(request, reason)
        if _is_api(request):
            return JsonResponse(
                {"detail": sessions.message(reason), "code": f"session_{reason}"}, status=401
            )
        return redirect_to_login(request.get_full_path() if request.method == "GET" else "/")

    def _step_pending(self, request: HttpRequest) -> HttpResponse | None:
        path = request.path
        if path.startswith(settings.STATIC_URL) or path in _always_open():
            return None
        step = pending_step(request)
        if step is None or path in _open_during(step):
            return None
        if _is_api(request):
            messages = {
                OTP_VERIFY: _("Enter the code of your second factor on the sign-in page first."),
                OTP_ENROL: _("Your account must enrol a second factor on the website first."),
                PASSWORD_CHANGE: _("You must change your password on the website first."),
            }
            return JsonResponse(
                {"detail": messages[step], "code": step.replace("-", "_") + "_required"},
                status=403,
            )
        target = reverse(step)
        if request.method == "GET" and path != "/":
            return redirect(f"{target}?{urlencode({'next': request.get_full_path()})}")
        return redirect(target)


def has_session_cookie(request: HttpRequest) -> bool:
    return settings.SESSION_COOKIE_NAME in request.COOKIES


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")
