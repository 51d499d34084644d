"""Unified sign-on in a real Chromium: through the local OpenID provider and out of it again,
and through the directory (slapd) on the sign-in page; the servers are tests/sso's."""

from __future__ import annotations

import pytest

from accounts.models import User

from ..factories import UnitFactory
from ..sso.conftest import (  # noqa: F401  (fixtures)
    EDUCATION,
    LDAP_PASSWORD,
    directory,
    start_provider,
    use_sign_on,
)
from .conftest import shoot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def education(db):
    return UnitFactory(name=EDUCATION, short_name="教育局")


def test_a_liaison_signs_in_through_the_openid_provider_and_out_of_it(
    settings,
    live_server,
    open_page,
    start_provider,  # noqa: F811
    education,
):
    provider = start_provider(live_server.url)
    use_sign_on(settings, provider.env())
    page = open_page()

    page.goto(f"{live_server.url}/login/")
    shoot(page, "sso-sign-in-page")
    page.get_by_role("link", name="使用统一身份认证登录").click()
    # The provider's own login form (oidc-provider's development interaction).
    page.wait_for_url(f"{provider.issuer}/interaction/**")
    page.fill("input[name=login]", "liuba")
    page.fill("input[name=password]", "any")
    page.click("button.login-submit")
    page.wait_for_url(f"{live_server.url}/tasks/**")
    page.get_by_text("刘八").first.wait_for()
    shoot(page, "sso-signed-in-through-provider")
    user = User.objects.get(username="liuba")
    assert user.role == User.Role.LIAISON and user.unit == education

    # Signing out goes on to the provider, which ends its session and sends the browser back.
    page.click("header form[action$='/logout/'] button")
    page.wait_for_url(f"{provider.issuer}/session/end**")
    page.click("button[value=yes]")
    page.wait_for_url(f"{live_server.url}/login/**")
    # The provider asks for the login again: its session is over.
    page.get_by_role("link", name="使用统一身份认证登录").click()
    page.wait_for_url(f"{provider.issuer}/interaction/**")
    page.locator("input[name=login]").wait_for()


def test_a_liaison_signs_in_with_the_directory_password_on_the_sign_in_page(
    settings,
    live_server,
    open_page,
    directory,  # noqa: F811
    education,
):
    use_sign_on(settings, directory.env())
    page = open_page(width=390, height=844)

    page.goto(f"{live_server.url}/login/")
    page.fill("input[name=username]", "zhaoliu")  # disabled in the directory
    page.fill("input[name=password]", LDAP_PASSWORD)
    page.click("form button[type=submit]")
    page.get_by_text("用户名或密码错误").wait_for()
    assert not User.objects.filter(username="zhaoliu").exists()

    page.fill("input[name=username]", "wangwu")
    page.fill("input[name=password]", LDAP_PASSWORD)
    page.click("form button[type=submit]")
    page.wait_for_url(f"{live_server.url}/tasks/**")
    page.get_by_text("王五").first.wait_for()
    shoot(page, "sso-signed-in-through-directory")
    assert User.objects.get(username="wangwu").unit == education
