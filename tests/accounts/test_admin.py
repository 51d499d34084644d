"""The admin site: every registered model's list and add pages open for a superuser, but for
the audit trail and the security log, which the audit administrator alone reads (三员分立)."""

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


# The audit trail and the security log: not even the superuser reads them.
AUDIT_ADMIN_ONLY = {("audit", "auditentry"), ("axes", "accesslog"), ("axes", "accessfailurelog")}


@pytest.mark.parametrize(("app_label", "model_name"), REGISTERED)
def test_it_opens_each_admin_list(superuser, client, measure_a, app_label, model_name):
    client.force_login(superuser)

    response = client.get(reverse(f"admin:{app_label}_{model_name}_changelist"))

    assert response.status_code == (403 if (app_label, model_name) in AUDIT_ADMIN_ONLY else 200)


# Append-only records: history, what was reported and uploaded, and the reminders' logs are
# written by the workflow and the sweep, never added or edited by hand.
APPEND_ONLY = {
    ("rectification", "statuschange"),
    ("rectification", "progressreport"),
    ("rectification", "evidence"),
    ("rectification", "extension"),
    ("reminders", "notification"),
    ("reminders", "reminderlog"),
    ("reminders", "reminderdelivery"),
    ("documents", "publication"),  # published only through the API: no one publishes alone
    ("audit", "auditentry"),  # the hash-chained audit trail
}
# Sign-in records kept by django-axes: never added by hand, but an admin unlocks an account
# by deleting its failed attempts.
SIGN_IN_RECORDS = {("axes", "accessattempt"), ("axes", "accessfailurelog"), ("axes", "accesslog")}


def test_every_append_only_record_is_registered():
    assert set(REGISTERED) >= APPEND_ONLY | SIGN_IN_RECORDS


@pytest.mark.parametrize(("app_label", "model_name"), REGISTERED)
def test_it_opens_each_admin_add_page_or_refuses_it_on_purpose(
    superuser, client, app_label, model_name
):
    client.force_login(superuser)

    response = client.get(reverse(f"admin:{app_label}_{model_name}_add"))

    refused = APPEND_ONLY | SIGN_IN_RECORDS
    assert response.status_code == (403 if (app_label, model_name) in refused else 200)


@pytest.mark.parametrize(("app_label", "model_name"), sorted(APPEND_ONLY))
def test_it_refuses_to_change_or_delete_an_append_only_record(
    superuser, client, measure_a, app_label, model_name
):
    client.force_login(superuser)
    model = next(
        m
        for m in admin.site._registry
        if (m._meta.app_label, m._meta.model_name) == (app_label, model_name)
    )
    model_admin = admin.site._registry[model]
    request = client.get(reverse(f"admin:{app_label}_{model_name}_changelist")).wsgi_request

    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request)
    assert not model_admin.has_delete_permission(request)


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
    content = response.content.decode()
    assert "责任单位联络员须选择所在单位。" in content
    assert "liaison_has_unit" not in content  # never the constraint's code name
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
