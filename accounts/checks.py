"""System checks of the sign-on settings: `manage.py check --deploy` refuses the demo accounts'
loosened rules in production, and any check refuses a role the second-factor policy cannot
name."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core import checks

from .models import User


@checks.register(checks.Tags.security, deploy=True)
def demo_accounts_off_in_production(app_configs: Any = None, **kwargs: Any) -> list:
    if settings.PRODUCTION and settings.DEMO_ACCOUNTS:
        return [
            checks.Error(
                "DEMO_ACCOUNTS is on with APP_ENV=production: the demo accounts would keep "
                "the published password demo12345 and need no second factor.",
                hint="Set DEMO_ACCOUNTS=0 (the production default).",
                id="accounts.E001",
            )
        ]
    return []


@checks.register(checks.Tags.security)
def otp_roles_known(app_configs: Any = None, **kwargs: Any) -> list:
    unknown = sorted(set(settings.OTP_REQUIRED_ROLES) - set(User.Role.values))
    if unknown:
        return [
            checks.Error(
                f"OTP_REQUIRED_ROLES names roles that do not exist: {', '.join(unknown)}.",
                hint=f"Roles are: {', '.join(User.Role.values)}.",
                id="accounts.E002",
            )
        ]
    return []
