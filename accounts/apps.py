"""App config for accounts: units, users and roles."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Units and accounts")

    def ready(self) -> None:
        # Token revocation on sign-out and on a password change (signal receivers), the
        # system checks of the sign-on settings, and the security event of a sign-in through
        # LDAP or OpenID Connect.
        from . import checks, signals, sso  # noqa: F401
