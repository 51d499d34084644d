"""Sign-in and sign-out pages: local accounts, LDAP through the same form, OpenID Connect beside."""

from __future__ import annotations

from functools import wraps

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.http import Http404, HttpResponseRedirect

from . import oidc


class SignInView(auth_views.LoginView):
    """The sign-in form; with OpenID Connect on, the button to the provider too."""

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["oidc_enabled"] = settings.OIDC_ENABLED
        context["sso_failed"] = self.request.GET.get("sso") == "failed"
        return context


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
