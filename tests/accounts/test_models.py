"""Roles and what each one implies."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from accounts.models import User


@pytest.mark.parametrize(
    ("role", "is_administrator", "is_office", "is_liaison", "sees_jurisdiction"),
    [
        # The three separated administrators do no business work: every business check fails.
        (User.Role.SYSTEM_ADMIN, True, False, False, False),
        (User.Role.SECURITY_ADMIN, True, False, False, False),
        (User.Role.AUDIT_ADMIN, True, False, False, False),
        (User.Role.OFFICE, False, True, False, True),
        (User.Role.LEADER, False, False, False, True),
        (User.Role.LIAISON, False, False, True, False),
        (User.Role.SUPERVISOR, False, False, False, False),
    ],
)
def test_it_derives_what_each_role_may_do(
    role, is_administrator, is_office, is_liaison, sees_jurisdiction
):
    user = User(username="someone", role=role)

    assert (user.is_administrator, user.is_office, user.is_liaison, user.sees_jurisdiction) == (
        is_administrator,
        is_office,
        is_liaison,
        sees_jurisdiction,
    )
    assert not user.is_admin  # the bootstrap superuser's alone


def test_it_gives_each_administrator_one_kind(db):
    kinds = {
        role: (user.is_system_admin, user.is_security_admin, user.is_audit_admin)
        for role in (User.Role.SYSTEM_ADMIN, User.Role.SECURITY_ADMIN, User.Role.AUDIT_ADMIN)
        for user in [User(username=role, role=role)]
    }

    assert kinds == {
        User.Role.SYSTEM_ADMIN: (True, False, False),
        User.Role.SECURITY_ADMIN: (False, True, False),
        User.Role.AUDIT_ADMIN: (False, False, True),
    }


def test_it_makes_a_superuser_the_bootstrap_account_and_none_of_the_three(db):
    user = User.objects.create_superuser("root", "root@example.gov.cn", "Xuncha-2026-ok")

    assert user.role == User.Role.SYSTEM_ADMIN
    assert user.is_admin and user.is_office and not user.is_liaison
    assert not user.is_administrator and not user.is_system_admin


def test_it_treats_a_superuser_as_admin_whatever_the_role_field_says(unit_a):
    user = User(username="root", role=User.Role.LIAISON, unit=unit_a, is_superuser=True)

    assert user.is_admin
    assert not user.is_liaison


def test_it_refuses_in_the_database_a_role_that_is_not_one_of_the_roles(db):
    # One role column holds one of the roles: neither two administrators' roles spelt as one
    # nor the all-powerful "admin" of before the split.
    for role in ("sec+audit", "admin"):
        with pytest.raises(IntegrityError), transaction.atomic():
            User.objects.create(username=f"x-{role}", role=role)


def test_it_refuses_in_validation_a_role_that_is_not_one_of_the_roles(db):
    user = User(username="both", role="security_admin+audit_admin")
    user.set_password("Xuncha-2026-ok")

    with pytest.raises(ValidationError) as refused:
        user.full_clean()

    assert "role" in refused.value.message_dict


@pytest.mark.parametrize(
    ("display_name", "first_name", "expected"),
    [("巡察办陈静", "", "巡察办陈静"), ("", "静", "静"), ("", "", "clerk")],
)
def test_it_names_a_user_by_display_name_then_full_name_then_username(
    display_name, first_name, expected
):
    user = User(username="clerk", display_name=display_name, first_name=first_name)

    assert str(user) == expected
