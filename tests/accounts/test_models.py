"""Roles and what each one implies."""

from __future__ import annotations

import pytest

from accounts.models import User


@pytest.mark.parametrize(
    ("role", "is_admin", "is_office", "is_liaison", "sees_everything"),
    [
        (User.Role.ADMIN, True, True, False, True),
        (User.Role.OFFICE, False, True, False, True),
        (User.Role.LEADER, False, False, False, True),
        (User.Role.LIAISON, False, False, True, False),
    ],
)
def test_it_derives_what_each_role_may_do(role, is_admin, is_office, is_liaison, sees_everything):
    user = User(username="someone", role=role)

    assert (user.is_admin, user.is_office, user.is_liaison, user.sees_everything) == (
        is_admin,
        is_office,
        is_liaison,
        sees_everything,
    )


def test_it_makes_a_superuser_an_admin(db):
    user = User.objects.create_superuser("root", "root@example.gov.cn", "Xuncha-2026-ok")

    assert user.role == User.Role.ADMIN
    assert user.is_admin and user.is_office and not user.is_liaison


def test_it_treats_a_superuser_as_admin_whatever_the_role_field_says(unit_a):
    user = User(username="root", role=User.Role.LIAISON, unit=unit_a, is_superuser=True)

    assert user.is_admin
    assert not user.is_liaison


@pytest.mark.parametrize(
    ("display_name", "first_name", "expected"),
    [("巡察办陈静", "", "巡察办陈静"), ("", "静", "静"), ("", "", "clerk")],
)
def test_it_names_a_user_by_display_name_then_full_name_then_username(
    display_name, first_name, expected
):
    user = User(username="clerk", display_name=display_name, first_name=first_name)

    assert str(user) == expected
