"""The roles of an account, on their own so that the rule of what each may do
(accounts/permissions.py) and the user model can both name them without importing each other."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class UserRole(models.TextChoices):
    # The three separated administrators (三员分立): one role column, so that no account
    # holds two of them and none of them is also office staff. What each may do is
    # decided in accounts/permissions.py.
    SYSTEM_ADMIN = "system_admin", _("System administrator")
    SECURITY_ADMIN = "security_admin", _("Security administrator")
    AUDIT_ADMIN = "audit_admin", _("Audit administrator")
    OFFICE = "office", _("Office staff")
    LEADER = "leader", _("Leader")
    LIAISON = "liaison", _("Unit liaison")
    # A member of a rectification supervision group (督查组) from outside the office: sees
    # and writes only through the groups (accounts/selectors.py).
    SUPERVISOR = "supervisor", _("Supervision group member")
