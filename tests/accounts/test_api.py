"""Accounts over the API: units, users, `me/` and tokens."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from accounts.models import Unit, User
from reminders.models import Notification

from ..factories import UnitFactory, UserFactory

PASSWORD = "Xuncha-2026-ok"


def test_it_creates_an_account_whose_password_is_hashed_and_never_shown(
    admin_user, unit_a, client_for
):
    response = client_for(admin_user).post(
        "/api/v1/users/",
        {"username": "zhoumin", "role": "liaison", "unit": unit_a.pk, "password": PASSWORD},
        format="json",
    )

    assert response.status_code == 201
    assert "password" not in response.json()
    user = User.objects.get(username="zhoumin")
    assert user.password != PASSWORD
    assert user.check_password(PASSWORD)
    assert (user.role, user.unit_id) == (User.Role.LIAISON, unit_a.pk)


def test_it_changes_a_password_so_the_old_one_stops_working(admin_user, leader, client_for):
    response = client_for(admin_user).patch(
        f"/api/v1/users/{leader.pk}/", {"password": PASSWORD}, format="json"
    )

    assert response.status_code == 200
    leader.refresh_from_db()
    assert leader.check_password(PASSWORD)
    assert not leader.check_password("pass-12345")


def test_it_keeps_the_password_when_an_edit_does_not_send_one(admin_user, leader, client_for):
    response = client_for(admin_user).patch(
        f"/api/v1/users/{leader.pk}/", {"display_name": "王书记"}, format="json"
    )

    assert response.status_code == 200
    leader.refresh_from_db()
    assert leader.display_name == "王书记"
    assert leader.check_password("pass-12345")


@pytest.mark.parametrize("password", ["12345678", "password123", "zhoumin2026"])
def test_it_refuses_a_weak_password_on_the_password_field(admin_user, unit_a, client_for, password):
    response = client_for(admin_user).post(
        "/api/v1/users/",
        {"username": "zhoumin2026", "role": "liaison", "unit": unit_a.pk, "password": password},
        format="json",
    )

    assert response.status_code == 400
    assert sorted(set(response.json()) - {"code", "codes"}) == ["password"]
    assert not User.objects.filter(username="zhoumin2026").exists()


def test_it_refuses_a_taken_username(admin_user, liaison_a, client_for):
    response = client_for(admin_user).post(
        "/api/v1/users/",
        {"username": "liaison_a", "role": "office", "password": PASSWORD},
        format="json",
    )

    assert response.status_code == 400
    assert response.json()["username"] == ["已存在一位使用该名字的用户。"]


def test_it_hides_the_webhook_of_a_unit_from_everyone_but_the_admin(
    admin_user, office, liaison_a, client_for
):
    unit = UnitFactory(name="区城管局", webhook_url="https://qyapi.weixin.qq.com/robot?key=abc")

    seen = {
        user.username: client_for(user).get(f"/api/v1/units/{unit.pk}/").json()
        for user in (admin_user, office, liaison_a)
    }

    assert seen["admin"]["webhook_url"] == "https://qyapi.weixin.qq.com/robot?key=abc"
    assert "webhook_url" not in seen["clerk"]
    assert "webhook_url" not in seen["liaison_a"]


def test_it_refuses_to_put_a_unit_below_its_own_grandchild(admin_user, unit_top, client_for):
    child = UnitFactory(name="下级单位", parent=unit_top)
    grandchild = UnitFactory(name="再下级单位", parent=child)

    response = client_for(admin_user).patch(
        f"/api/v1/units/{unit_top.pk}/", {"parent": grandchild.pk}, format="json"
    )

    assert response.status_code == 400
    assert sorted(set(response.json()) - {"code", "codes"}) == ["parent"]
    unit_top.refresh_from_db()
    assert unit_top.parent_id is None


def test_it_moves_a_unit_to_another_branch_of_the_tree(admin_user, unit_top, unit_a, client_for):
    other_top = UnitFactory(name="区财政局")

    response = client_for(admin_user).patch(
        f"/api/v1/units/{unit_a.pk}/", {"parent": other_top.pk}, format="json"
    )

    assert response.status_code == 200
    assert Unit.objects.get(pk=unit_a.pk).parent_id == other_top.pk


def test_it_filters_units_by_parent(liaison_a, unit_top, unit_a, unit_b, client_for):
    response = client_for(liaison_a).get("/api/v1/units/", {"parent": unit_top.pk})

    assert {row["name"] for row in response.json()["results"]} == {unit_a.name, unit_b.name}


def test_it_counts_the_unread_notifications_of_the_user_in_me(liaison_a, liaison_b, client_for):
    Notification.objects.create(recipient=liaison_a, kind="green", title="绿色提醒")
    Notification.objects.create(recipient=liaison_a, kind="yellow", title="黄色预警")
    Notification.objects.create(
        recipient=liaison_a,
        kind="green",
        title="已读",
        read_at="2026-09-01T10:00:00+08:00",
    )
    Notification.objects.create(recipient=liaison_b, kind="red", title="别人的")

    body = client_for(liaison_a).get("/api/v1/me/").json()

    assert body["unread_notifications"] == 2
    assert body["unit_name"] == "局办公室"


def test_it_gives_a_token_that_signs_in_a_script(liaison_a):
    client = APIClient()

    token = client.post(
        "/api/v1/auth/token/", {"username": "liaison_a", "password": "pass-12345"}, format="json"
    )
    assert token.status_code == 200
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.json()['token']}")
    response = client.get("/api/v1/me/")

    assert response.status_code == 200
    assert response.json()["username"] == "liaison_a"


def test_it_gives_no_token_for_a_wrong_password(liaison_a):
    response = APIClient().post(
        "/api/v1/auth/token/", {"username": "liaison_a", "password": "wrong"}, format="json"
    )

    assert response.status_code == 400
    assert "token" not in response.json()


def test_it_gives_no_token_to_a_disabled_account(liaison_a):
    liaison_a.is_active = False
    liaison_a.save()

    response = APIClient().post(
        "/api/v1/auth/token/", {"username": "liaison_a", "password": "pass-12345"}, format="json"
    )

    assert response.status_code == 400


def test_it_refuses_a_bad_token(db):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token 0123456789abcdef")

    response = client.get("/api/v1/me/")

    # Session authentication comes first and sends no challenge, so DRF answers 403.
    assert response.status_code == 403
    assert "username" not in response.json()


def test_it_filters_accounts_by_role_for_the_admin(admin_user, office, leader, client_for):
    UserFactory(username="office9", role=User.Role.OFFICE)

    response = client_for(admin_user).get("/api/v1/users/", {"role": "office"})

    assert {row["username"] for row in response.json()["results"]} == {"clerk", "office9"}
