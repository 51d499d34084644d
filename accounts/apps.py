"""App config for accounts: units, users and roles."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Units and accounts")

    def ready(self) -> None:
        # Token revocation on sign-out and on a password change (signal receivers), and the
        # system checks of the sign-on settings.
        from . import checks, signals  # noqa: F401
