"""The authentication backend that counts failed logins (django-axes) on every login path."""

from __future__ import annotations

from axes.backends import AxesStandaloneBackend


class LockoutBackend(AxesStandaloneBackend):
    """django-axes' backend, for logins that come with a request.

    A login path (the sign-in page, the admin's, the token endpoint) always passes its
    request. Code that checks a password without one (the test client's login, a shell)
    is not a login path: there is nothing to count there, so it is let through to the next
    backend instead of failing.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)
