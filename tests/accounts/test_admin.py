"""The admin site: every registered model's list and add pages open for a superuser."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.urls import reverse

from accounts.models import User

REGISTERED = sorted(
    (model._meta.app_label, model._meta.model_name) for model in admin.site._registry
)


@pytest.fixture
def superuser(db) -> User:
    return User.objects.create_superuser("root", "root@example.gov.cn", "Xuncha-2026-ok")


@pytest.mark.parametrize(("app_label", "model_name"), REGISTERED)
def test_it_opens_each_admin_list(superuser, client, measure_a, app_label, model_name):
    client.force_login(superuser)

    response = client.get(reverse(f"admin:{app_label}_{model_name}_changelist"))

    assert response.status_code == 200


@pytest.mark.parametrize(("app_label", "model_name"), REGISTERED)
def test_it_opens_each_admin_add_page_or_refuses_it_on_purpose(
    superuser, client, app_label, model_name
):
    client.force_login(superuser)

    response = client.get(reverse(f"admin:{app_label}_{model_name}_add"))

    # Append-only records (history, logs) may refuse additions: 403, never a crash.
    assert response.status_code in (200, 403)


def test_it_refuses_a_liaison_without_a_unit_in_the_admin_form(superuser, client):
    client.force_login(superuser)

    response = client.post(
        reverse("admin:accounts_user_add"),
        {
            "username": "orphan",
            "password1": "Xuncha-2026-ok",
            "password2": "Xuncha-2026-ok",
            "usable_password": "true",
            "role": "liaison",
            "display_name": "无单位联络员",
        },
    )

    assert response.status_code == 200  # the form again, with its error
    assert "liaison_has_unit" in response.content.decode()
    assert not User.objects.filter(username="orphan").exists()


def test_it_adds_an_office_clerk_without_a_unit_in_the_admin_form(superuser, client):
    client.force_login(superuser)

    response = client.post(
        reverse("admin:accounts_user_add"),
        {
            "username": "clerk9",
            "password1": "Xuncha-2026-ok",
            "password2": "Xuncha-2026-ok",
            "usable_password": "true",
            "role": "office",
            "display_name": "巡察办赵云",
        },
    )

    assert response.status_code == 302
    assert User.objects.get(username="clerk9").role == User.Role.OFFICE
