"""Sign-in against the directory (LDAP, django-auth-ldap): role from groups, unit from an attribute.

The flow is django-auth-ldap's: the service account (LDAP_BIND_DN) searches the user under
LDAP_USER_SEARCH_BASE with LDAP_USER_FILTER, the user's own DN and password are bound to
check the password, then the account here is found or built. This backend adds the rules of
the tracker at that last step, once the password is proven:

- the directory disables an account when its entry matches LDAP_DISABLED_FILTER (by default
  `(employeeType=disabled)`; `(nsAccountLock=TRUE)` for 389 DS and FreeIPA, or Active
  Directory's `(userAccountControl:1.2.840.113556.1.4.803:=2)`): the sign-in is refused and
  the account here, if there is one, is deactivated;
- the role is the widest of the roles whose group (LDAP_GROUP_OFFICE, …) the user is in;
  no mapped group, no sign-in;
- the unit is the unit named by the entry's LDAP_UNIT_ATTRIBUTE (by default `ou`), matched
  against a unit's name, or its short name where only one unit has it; a liaison needs one.

A person absent from the directory is refused there (no DN), and having no password here,
is refused by the local backend too.
"""

from __future__ import annotations

import ldap
from django_auth_ldap.backend import LDAPBackend, _LDAPUser, ldap_error
from django_auth_ldap.config import LDAPSearch

from .models import User
from .sso import LDAP, SignOnRefused, apply_role_and_unit, check_existing, conf, first_role, refuse


class DirectoryBackend(LDAPBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        self._request = request
        return super().authenticate(request, username=username, password=password, **kwargs)

    def get_or_build_user(self, username: str, ldap_user: _LDAPUser) -> tuple[User, bool]:
        request = getattr(self, "_request", None)
        groups = {dn.lower() for dn in ldap_user.group_dns}
        user, built = super().get_or_build_user(username, ldap_user)
        try:
            check_existing(None if built else user, via=LDAP, username=username, request=request)
            if self._disabled(ldap_user):
                if not built and user.is_active:
                    user.is_active = False
                    user.save(update_fields=["is_active"])
                raise refuse(
                    via=LDAP,
                    reason="disabled",
                    username=username,
                    request=request,
                    user=None if built else user,
                )
            apply_role_and_unit(
                user,
                role=first_role(
                    role
                    for role, group in conf("LDAP_ROLE_GROUPS").items()
                    if group.lower() in groups
                ),
                unit_value=_first(ldap_user.attrs, conf("LDAP_UNIT_ATTRIBUTE")),
                via=LDAP,
                username=username,
                request=request,
            )
        except SignOnRefused as refused:
            # django-auth-ldap turns its own exception into "no user" and logs it.
            raise ldap_user.AuthenticationFailed(refused.reason) from refused
        return user, built

    def _disabled(self, ldap_user: _LDAPUser) -> bool:
        disabled_filter = conf("LDAP_DISABLED_FILTER")
        if not disabled_filter:
            return False
        search = LDAPSearch(ldap_user.dn, ldap.SCOPE_BASE, disabled_filter, attrlist=["1.1"])
        return bool(search.execute(ldap_user.connection))


def _first(attrs, name: str) -> str:
    values = (attrs or {}).get(name) or []
    return str(values[0]) if values else ""


def _directory_unavailable(sender, context: str, user, request, exception, **kwargs) -> None:
    """A directory that is down or answers with an error: the sign-in fails, and is logged."""
    if isinstance(exception, ldap.SERVER_DOWN | ldap.TIMEOUT | ldap.TIMELIMIT_EXCEEDED):
        reason = "unavailable"
    else:
        reason = f"error: {type(exception).__name__}"
    username = getattr(user, "username", "") or getattr(request, "POST", {}).get("username", "")
    refuse(via=LDAP, reason=reason, username=username, request=request)


ldap_error.connect(_directory_unavailable, sender=DirectoryBackend)
