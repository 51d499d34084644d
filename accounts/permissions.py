"""The three separated administrators (三员分立): the one place that says what each may do.

The system administrator (系统管理员) keeps units, accounts and settings; the security
administrator (安全管理员) roles and permissions, lockout and second-factor resets; the audit
administrator (审计管理员) reads and exports the audit trail and the security log. They do no
business work: every page of the office's work refuses them (middleware.py), and the role
checks of the layers above (`is_office`, `sees_jurisdiction`, `is_liaison`) are False for them.

An administrator's powers come from the role alone: the Django permissions and groups of
the account count for nothing, so that nobody can grant an administrator a second job. The
audit trail and the security log are read by the audit administrator only, the bootstrap
superuser included among those refused. The superuser exists only to create the three
(`manage.py setup_administrators`) and is then disabled.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.urls import ResolverMatch

from .roles import UserRole

if TYPE_CHECKING:
    from .models import User

ADMINISTRATOR_ROLES = frozenset(
    {UserRole.SYSTEM_ADMIN, UserRole.SECURITY_ADMIN, UserRole.AUDIT_ADMIN}
)
ORDINARY_ROLES = frozenset(set(UserRole) - ADMINISTRATOR_ROLES)

# The audit trail and the security log, by Django permission: only ever read, and only by the
# audit administrator. The whole `audit` app, and django-axes' records of sign-ins.
AUDIT_APPS = frozenset({"audit"})
SECURITY_LOG_PERMS = frozenset(
    {
        f"axes.{action}_{model}"
        for action in ("view", "add", "change", "delete")
        for model in ("accesslog", "accessfailurelog")
    }
)

# The second factor's devices (django-otp's apps): the security administrator resets one by
# deleting it, as a lockout is reset by deleting its failed attempts.
SECOND_FACTOR_PERMS = frozenset(
    f"{app}.{action}_{model}"
    for app, model in (("otp_totp", "totpdevice"), ("otp_static", "staticdevice"))
    for action in ("view", "delete")
)

# What each administrator may do in the admin site, by Django permission.
ADMINISTRATOR_PERMS: dict[str, frozenset[str]] = {
    UserRole.SYSTEM_ADMIN: frozenset(
        {
            *(f"accounts.{action}_unit" for action in ("view", "add", "change", "delete")),
            # The jurisdictions below their own: a jurisdiction with units is never deleted.
            *(f"accounts.{action}_jurisdiction" for action in ("view", "add", "change")),
            # Accounts are deactivated, never deleted: the audit trail names their actors.
            *(f"accounts.{action}_user" for action in ("view", "add", "change")),
        }
    ),
    UserRole.SECURITY_ADMIN: frozenset(
        {
            "accounts.view_user",
            "accounts.change_user",  # the fields of SECURITY_FIELDS only
            *(f"auth.{action}_group" for action in ("view", "add", "change", "delete")),
            "auth.view_permission",
            "axes.view_accessattempt",
            "axes.delete_accessattempt",  # a lockout reset
            "authtoken.view_tokenproxy",
            "authtoken.delete_tokenproxy",  # an API token revoked
            *SECOND_FACTOR_PERMS,
        }
    ),
    UserRole.AUDIT_ADMIN: frozenset({"axes.view_accessattempt"}),
}

# The fields of an account each may change. The system administrator names the account and
# its unit (and an ordinary role when creating it); the security administrator its powers.
ACCOUNT_FIELDS = frozenset(
    {
        "username",
        "password",
        "first_name",
        "last_name",
        "email",
        "display_name",
        "unit",
        "jurisdiction",
    }
)
SECURITY_FIELDS = frozenset({"role", "is_active", "is_staff", "groups", "user_permissions"})


def _active(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active)


def is_administrator(user: Any) -> bool:
    return _active(user) and bool(getattr(user, "is_administrator", False))


def can_read_audit(user: Any) -> bool:
    """The audit trail (审计日志): the audit administrator's alone."""
    return _active(user) and bool(getattr(user, "is_audit_admin", False))


def can_read_security_log(user: Any) -> bool:
    """The security log (安全日志): the audit administrator's alone, like the audit trail."""
    return can_read_audit(user)


def can_manage_accounts(user: Any) -> bool:
    """Creating accounts and keeping their names, units and passwords: the system administrator."""
    return _active(user) and bool(user.is_system_admin or user.is_superuser)


def can_manage_units(user: Any) -> bool:
    """The organisation tree and each unit's fields (head, chat robot): the system administrator."""
    return can_manage_accounts(user)


def can_manage_roles(user: Any) -> bool:
    """Roles, permissions and groups, activation: the security administrator."""
    return _active(user) and bool(user.is_security_admin or user.is_superuser)


def can_reset_lockout(actor: Any) -> bool:
    return can_manage_roles(actor)


def can_reset_second_factor(actor: Any) -> bool:
    return can_manage_roles(actor)


def can_grant_role(actor: Any, role: str, *, creating: bool = False) -> bool:
    """Whether `actor` may give an account `role`.

    An administrator's role is given by the bootstrap superuser only (setup_administrators),
    never by one administrator to another account. The system administrator gives an
    ordinary role to the account it creates; changing it later is the security
    administrator's.
    """
    if not _active(actor):
        return False
    if actor.is_superuser:
        return True
    if role in ADMINISTRATOR_ROLES or role not in ORDINARY_ROLES:
        return False
    return bool(actor.is_security_admin or (creating and actor.is_system_admin))


def can_change_account(actor: Any, target: User) -> bool:
    """Whether `actor` may change `target` at all: an administrator's or the superuser's
    account is changed by the superuser alone (each changes their own password themselves)."""
    if not _active(actor):
        return False
    if actor.is_superuser:
        return True
    if target.role in ADMINISTRATOR_ROLES or target.is_superuser:
        return False
    return can_manage_accounts(actor) or can_manage_roles(actor)


def account_fields_changeable_by(actor: Any) -> frozenset[str] | None:
    """The account fields `actor` may change; None: all of them (the superuser)."""
    if _active(actor) and actor.is_superuser:
        return None
    fields: set[str] = set()
    if can_manage_accounts(actor):
        fields |= ACCOUNT_FIELDS
    if can_manage_roles(actor):
        fields |= SECURITY_FIELDS
    return frozenset(fields)


def role_decides_perm(user: User, perm: str) -> bool | None:
    """User.has_perm's first word: True or False where this rule decides, None elsewhere."""
    app_label, _dot, codename = perm.partition(".")
    if app_label in AUDIT_APPS or perm in SECURITY_LOG_PERMS:
        return can_read_audit(user) and codename.startswith("view_")
    if user.is_administrator:
        return _active(user) and perm in ADMINISTRATOR_PERMS[user.role]
    return None


def role_decides_module(user: User, app_label: str) -> bool | None:
    """User.has_module_perms's first word, as role_decides_perm for a whole app."""
    if app_label in AUDIT_APPS:
        return can_read_audit(user)
    if user.is_administrator:
        prefix = f"{app_label}."
        return _active(user) and any(
            perm.startswith(prefix) for perm in ADMINISTRATOR_PERMS[user.role]
        )
    return None


# --- Pages ----------------------------------------------------------------------------------

# The routes an administrator may open outside the admin site: signing in and out, their
# own account and second factor (the views of accounts and of Django's auth), the language
# switch, the API's schema and documentation, and the public pages everyone may read.
ADMINISTRATOR_VIEW_MODULES = (
    "accounts.",
    "django.contrib.auth.",
    "django.views.i18n",
    "drf_spectacular.",
    "two_factor.",
    "django_otp.",
    "audit.",  # the security log's page, which asks has_perm like the admin does
)
PUBLIC_ROUTES = frozenset({"public-list", "public-detail", "public-docx"})


def may_open_route(match: ResolverMatch) -> bool:
    """Whether an administrator may open the route of `match` (the business pages: never)."""
    if "admin" in match.namespaces:
        return True  # each model admin decides by has_perm above
    if match.url_name in PUBLIC_ROUTES:
        return True
    module = getattr(match.func, "__module__", "") or ""
    return module.startswith(ADMINISTRATOR_VIEW_MODULES)
