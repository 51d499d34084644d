"""Sign-in pages: password (local accounts, and LDAP through the same form), OpenID Connect
beside, the second-factor code, enrolment, recovery codes, password change and the security
administrator's reset of a lost second factor; sign-out, ended at the provider too."""

from __future__ import annotations

from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import REDIRECT_FIELD_NAME, login, logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.decorators.http import require_GET, require_http_methods
from django_otp import login as otp_login

from audit.events import SecurityKind, security_event
from config.pages import safe_next

from . import oidc, second_factor, sessions
from .auth import signed_in_user
from .lockout import is_locked_out, lockout_response
from .models import User
from .passwords import password_change_reason, password_expires_at

# The user who gave the right password and owes the code: {"user", "backend", "at", "next"}.
PENDING = "accounts.pending_sign_in"
# Recovery codes just made, shown once by the next page that reads them.
NEW_CODES = "accounts.new_recovery_codes"


class CodeForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Code"),
        max_length=32,
        error_messages={"required": gettext_lazy("Enter the code.")},
    )


def _safe_next(request: HttpRequest, candidate: str | None) -> str:
    return safe_next(request, candidate, reverse(settings.LOGIN_REDIRECT_URL))


class SignInView(auth_views.LoginView):
    """The password step. An account with an authenticator is not signed in yet: it owes
    the code (OtpVerifyView), so that the lockout's count is reset only by both factors."""

    template_name = "registration/login.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        reason = self.request.session.pop(sessions.ENDED, None)
        if reason:
            context["session_notice"] = sessions.message(reason)
        context["oidc_enabled"] = settings.OIDC_ENABLED
        context["sso_failed"] = self.request.GET.get("sso") == "failed"
        return context

    def form_valid(self, form: Any) -> HttpResponse:
        user = form.get_user()
        if not second_factor.has_second_factor(user):
            return super().form_valid(form)
        self.request.session.cycle_key()
        self.request.session[PENDING] = {
            "user": user.pk,
            "backend": user.backend,
            "at": timezone.now().timestamp(),
            "next": self.get_success_url(),
        }
        return redirect("otp-verify")


class AdminSignInView(SignInView):
    """The admin site's sign-in with the same two steps (staff only, the admin's look)."""

    authentication_form = AdminAuthenticationForm
    template_name = "admin/login.html"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if request.method == "GET" and admin.site.has_permission(request):
            return redirect(_safe_next(request, request.GET.get("next") or reverse("admin:index")))
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(admin.site.each_context(self.request))
        context.update(title=_("Log in"), subtitle=None, app_path=self.request.get_full_path())
        if not context.get(REDIRECT_FIELD_NAME):
            context[REDIRECT_FIELD_NAME] = reverse("admin:index")
        return context


def _pending_user(request: HttpRequest) -> tuple[User, dict | None] | None:
    """Who the code page is for: a signed-in user who has not given the code in this session,
    or the one who just gave the right password."""
    if request.user.is_authenticated:
        return signed_in_user(request), None
    pending = request.session.get(PENDING)
    if not pending:
        return None
    if timezone.now().timestamp() - pending["at"] > settings.OTP_PENDING_SECONDS:
        del request.session[PENDING]
        return None
    user = User.objects.filter(pk=pending["user"], is_active=True).first()
    return (user, pending) if user is not None else None


class OtpVerifyView(View):
    template_name = "accounts/otp_verify.html"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        subject = _pending_user(request)
        if subject is None:
            return redirect("login")
        user, pending = subject
        if second_factor.verified(request):
            return redirect(_safe_next(request, request.GET.get("next")))
        if not second_factor.has_second_factor(user):
            # Reset meanwhile: the password was right, so the sign-in goes on without a code
            # (to enrolment, if the role needs one).
            request.session[sessions.ENROLLED] = False
            if pending is not None:
                del request.session[PENDING]
                login(request, user, backend=pending["backend"])
                return redirect(_safe_next(request, pending["next"]))
            return redirect(_safe_next(request, request.GET.get("next")))
        self.user, self.pending = user, pending
        return super().dispatch(request, *args, **kwargs)

    def get(self, request: HttpRequest) -> HttpResponse:
        return self._page(CodeForm())

    def post(self, request: HttpRequest) -> HttpResponse:
        form = CodeForm(request.POST)
        if not form.is_valid():
            return self._page(form, status=400)
        credentials = {"username": self.user.get_username()}
        if is_locked_out(request, credentials):
            return self._locked(request, credentials)
        device = second_factor.verify_code(
            request=request, user=self.user, code=form.cleaned_data["code"]
        )
        if device is None:
            if getattr(request, "axes_locked_out", False):
                return self._locked(request, credentials)
            form.add_error("code", _("The code is wrong or has expired."))
            return self._page(form, status=400)
        target = request.GET.get("next")
        if self.pending is not None:
            del request.session[PENDING]
            target = self.pending["next"]
            login(request, self.user, backend=self.pending["backend"])
        otp_login(request, device)
        request.session[sessions.ENROLLED] = True
        if device.name == second_factor.RECOVERY_NAME:
            left = device.token_set.count()
            messages.warning(
                request,
                _(
                    "You signed in with a recovery code; %(left)d remain. Each works once: "
                    "make new ones on the second-factor page."
                )
                % {"left": left},
            )
        return redirect(_safe_next(request, target))

    def _locked(self, request: HttpRequest, credentials: dict) -> HttpResponse:
        request.session.pop(PENDING, None)
        if request.user.is_authenticated:
            logout(request)
        return lockout_response(request, credentials=credentials)

    def _page(self, form: CodeForm, status: int = 200) -> HttpResponse:
        return render(
            self.request,
            self.template_name,
            {"form": form, "account": self.user, "next": self.request.GET.get("next", "")},
            status=status,
        )


@method_decorator(login_required, name="dispatch")
class OtpEnrolView(View):
    """Enrolment: a QR code and the key to type, confirmed by a code; once enrolled, the page
    shows the state and makes new recovery codes."""

    template_name = "accounts/otp_enrol.html"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        user = signed_in_user(request)
        self.enrolled = second_factor.has_second_factor(user)
        if self.enrolled and not second_factor.verified(request):
            # A password alone never replaces an authenticator.
            return redirect("otp-verify")
        return super().dispatch(request, *args, **kwargs)

    def get(self, request: HttpRequest) -> HttpResponse:
        return self._page()

    def post(self, request: HttpRequest) -> HttpResponse:
        user = signed_in_user(request)
        if self.enrolled:
            if request.POST.get("action") != "recovery_codes":
                return self._page(status=400)
            request.session[NEW_CODES] = second_factor.recovery_codes_issue(user=user)
            return redirect("otp-recovery-codes")
        form = CodeForm(request.POST)
        if not form.is_valid():
            return self._page(form, status=400)
        device = second_factor.enrolment_device(user)
        codes = second_factor.enrol_confirm(
            request=request, user=user, device=device, code=form.cleaned_data["code"]
        )
        if codes is None:
            if getattr(request, "axes_locked_out", False):
                credentials = {"username": user.get_username()}
                logout(request)
                return lockout_response(request, credentials=credentials)
            form.add_error("code", _("The code is wrong or has expired."))
            return self._page(form, status=400)
        otp_login(request, device)
        request.session[sessions.ENROLLED] = True
        request.session[NEW_CODES] = codes
        next_url = request.GET.get("next")
        recovery = reverse("otp-recovery-codes")
        return redirect(f"{recovery}?{urlencode({'next': next_url})}" if next_url else recovery)

    def _page(self, form: CodeForm | None = None, status: int = 200) -> HttpResponse:
        user = signed_in_user(self.request)
        context: dict[str, Any] = {
            "enrolled": self.enrolled,
            "required": second_factor.otp_required(user),
            "next": self.request.GET.get("next", ""),
        }
        if not self.enrolled:
            device = second_factor.enrolment_device(user)
            context.update(
                form=form or CodeForm(),
                qr_svg=second_factor.qr_svg(device),
                manual_key=second_factor.manual_key(device),
                issuer=settings.OTP_TOTP_ISSUER,
            )
        return render(self.request, self.template_name, context, status=status)


@require_GET
@login_required
def recovery_codes(request: HttpRequest) -> HttpResponse:
    """The recovery codes just made, shown this once."""
    codes = request.session.pop(NEW_CODES, None)
    if not codes:
        messages.info(request, _("Recovery codes are shown only once; make new ones here."))
        return redirect("otp-enrol")
    return render(
        request,
        "accounts/recovery_codes.html",
        {"codes": codes, "next": _safe_next(request, request.GET.get("next"))},
    )


class PasswordChangeView(auth_views.PasswordChangeView):
    """Change one's password: forced after an administrator's creation or reset and when it
    has expired, open to anyone at any time."""

    template_name = "accounts/password_change.html"

    def get_success_url(self) -> str:
        return _safe_next(self.request, self.request.GET.get("next"))

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        user = signed_in_user(self.request)
        context.update(
            reason=password_change_reason(user),
            max_age_days=settings.PASSWORD_MAX_AGE_DAYS,
            expires_at=password_expires_at(user),
        )
        return context

    def form_valid(self, form: Any) -> HttpResponse:
        form.user.must_change_password = False
        response = super().form_valid(form)
        security_event.send(
            sender=__name__,
            kind=SecurityKind.PASSWORD_CHANGED,
            request=self.request,
            user=form.user,
            detail={"user": form.user.pk, "by": "self"},
        )
        messages.success(self.request, _("Your password was changed."))
        return response

    def form_invalid(self, form: Any) -> HttpResponse:
        response = super().form_invalid(form)
        response.status_code = 400
        return response


@require_http_methods(["GET", "POST"])
@login_required
def reset_second_factor_page(request: HttpRequest, pk: int) -> HttpResponse:
    """The security administrator's page for a lost authenticator: confirm, then reset."""
    actor = signed_in_user(request)
    target = get_object_or_404(User, pk=pk)
    if not second_factor.can_reset_second_factor(actor, target):
        raise PermissionDenied
    if request.method == "POST":
        second_factor.reset_second_factor(target, actor, request=request)
        messages.success(request, _("The second factor of %(user)s was reset.") % {"user": target})
        return HttpResponseRedirect(request.path)
    return render(
        request,
        "accounts/reset_second_factor.html",
        {"account": target, "enrolled": second_factor.has_second_factor(target)},
    )


class SignOutView(auth_views.LogoutView):
    """Signing out here; a session that came through the provider is ended there as well."""

    def post(self, request, *args, **kwargs):
        end_session = oidc.end_session_url(request)  # before the session and its token go
        response = super().post(request, *args, **kwargs)
        return HttpResponseRedirect(end_session) if end_session else response


def oidc_only(view):
    """The OpenID Connect addresses answer 404 while it is off."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not settings.OIDC_ENABLED:
            raise Http404
        return view(request, *args, **kwargs)

    return wrapped


oidc_start = oidc_only(oidc.SignOnStartView.as_view())
oidc_callback = oidc_only(oidc.SignOnCallbackView.as_view())
