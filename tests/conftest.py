"""Shared fixtures: the fixed people of every test, and the service markers."""

from __future__ import annotations

import datetime
import os
import uuid
import zoneinfo

import pytest
from django.db import connection
from rest_framework.test import APIClient

from accounts.models import Unit, User

from .factories import MeasureFactory, ProblemFactory, RoundFactory, UnitFactory, UserFactory

# In CI (.ci/run sets CI_REQUIRE_SERVICES=1) a test that needs PostgreSQL, Redis or
# Chromium must run.
REQUIRE_SERVICES = os.environ.get("CI_REQUIRE_SERVICES") == "1"
# Browser tests drive Debian's Chromium through Playwright (no browser download of its own).
CHROMIUM = "/usr/bin/chromium"


def redis_url() -> str | None:
    from django.conf import settings

    return settings.REDIS_URL or None


def redis_available() -> bool:
    url = redis_url()
    if not url:
        return False
    import redis

    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


# A fixed day for tests that speak of "today". At 07:30 in Shanghai it is still the day before
# in UTC, so a test or a code path that takes the host's date instead of Shanghai's fails.
SHANGHAI_TODAY = datetime.date(2026, 11, 20)


@pytest.fixture
def shanghai_clock(time_machine):
    time_machine.move_to(
        datetime.datetime(2026, 11, 20, 7, 30, tzinfo=zoneinfo.ZoneInfo("Asia/Shanghai")),
        tick=False,
    )
    return time_machine


@pytest.fixture(autouse=True)
def fast_password_hashing(settings) -> None:
    # PBKDF2 costs ~0.3 s per account; tests create several per test.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def second_factor_policy(request, settings) -> None:
    # Most tests sign office staff in with force_login and mean the page behind the sign-in,
    # not the second factor: the policy is off for them. Tests marked `otp_policy` (the sign-on
    # tests) keep the production default of config/settings.py (admin and office).
    if request.node.get_closest_marker("otp_policy") is None:
        settings.OTP_REQUIRED_ROLES = []


@pytest.fixture(autouse=True)
def fresh_jurisdiction_tree() -> None:
    # The scope rule keeps the jurisdictions' tree in the cache, which may outlive a test's
    # rolled-back rows (and, on Redis, the test run): each test reads its own.
    from accounts.selectors import forget_jurisdiction_tree

    forget_jurisdiction_tree()


@pytest.fixture(autouse=True)
def fresh_rate_limits(monkeypatch) -> None:
    # Each test starts with empty rate-limit counters of its own, whatever the cache is.
    from django.core.cache.backends.locmem import LocMemCache

    from config.throttles import ResilientScopedRateThrottle

    # A locmem cache's contents are shared by name: each test gets a name of its own.
    fresh = LocMemCache(f"throttles-{uuid.uuid4()}", {})
    monkeypatch.setattr(ResilientScopedRateThrottle, "cache", fresh)


# The day the test database's day rollup was counted for (its migration's, in Shanghai).
_counted_day: list[datetime.date] = []


def _count_today(django_db_blocker) -> None:
    from rectification import rollups
    from rectification.models import today

    day = today()
    with django_db_blocker.unblock():
        rollups.advance_day(day)
    _counted_day[:] = [day]


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    _count_today(django_db_blocker)  # a reused database may have been migrated days ago
    return django_db_setup


@pytest.fixture(autouse=True)
def counted_today(django_db_blocker) -> None:
    # The migration counts the day rollup for its own day. A run that crosses midnight in
    # Shanghai (16:00 UTC) counts the new day before its next test, as the first reminder
    # sweep of that day would, so that no test depends on the hour the run began.
    from rectification.models import today

    if _counted_day and _counted_day[0] != today():  # before setup, the setup counts it
        _count_today(django_db_blocker)


def pytest_runtest_setup(item: pytest.Item) -> None:
    missing = None
    if item.get_closest_marker("postgres") and connection.vendor != "postgresql":
        missing = "needs PostgreSQL: set DATABASE_URL=postgres://…"
    elif item.get_closest_marker("redis") and not redis_available():
        missing = "needs Redis: set REDIS_URL=redis://…"
    elif item.get_closest_marker("browser") and not os.path.exists(CHROMIUM):
        missing = f"needs Debian's chromium package ({CHROMIUM})"
    if missing:
        if REQUIRE_SERVICES:
            pytest.fail(f"CI requires this test to run, but it {missing}")
        pytest.skip(missing)


@pytest.fixture
def unit_top(db) -> Unit:
    return UnitFactory(name="区住房和城乡建设局", short_name="区住建局")


@pytest.fixture
def unit_a(unit_top) -> Unit:
    return UnitFactory(name="局办公室", short_name="办公室", parent=unit_top)


@pytest.fixture
def unit_b(unit_top) -> Unit:
    return UnitFactory(name="建筑市场监管科", short_name="市场科", parent=unit_top)


@pytest.fixture
def admin_user(db) -> User:
    """The bootstrap superuser, who may do everything until setup_administrators disables it."""
    return UserFactory(
        username="admin", role=User.Role.SYSTEM_ADMIN, is_staff=True, is_superuser=True
    )


# The three separated administrators (三员分立), who do no business work.
@pytest.fixture
def system_admin(db) -> User:
    return UserFactory(username="sysadmin", role=User.Role.SYSTEM_ADMIN, is_staff=True)


@pytest.fixture
def security_admin(db) -> User:
    return UserFactory(username="secadmin", role=User.Role.SECURITY_ADMIN, is_staff=True)


@pytest.fixture
def audit_admin(db) -> User:
    return UserFactory(username="auditadmin", role=User.Role.AUDIT_ADMIN, is_staff=True)


@pytest.fixture
def office(db) -> User:
    return UserFactory(username="clerk", role=User.Role.OFFICE, display_name="巡察办陈静")


@pytest.fixture
def office2(db) -> User:
    return UserFactory(username="clerk2", role=User.Role.OFFICE, display_name="巡察办刘洋")


@pytest.fixture
def leader(db) -> User:
    return UserFactory(username="leader", role=User.Role.LEADER)


@pytest.fixture
def liaison_a(unit_a) -> User:
    return UserFactory(username="liaison_a", role=User.Role.LIAISON, unit=unit_a)


@pytest.fixture
def liaison_b(unit_b) -> User:
    return UserFactory(username="liaison_b", role=User.Role.LIAISON, unit=unit_b)


@pytest.fixture
def people(admin_user, office, leader, liaison_a, liaison_b) -> dict[str, User]:
    return {
        "admin": admin_user,
        "office": office,
        "leader": leader,
        "liaison_a": liaison_a,
        "liaison_b": liaison_b,
    }


@pytest.fixture
def inspection_round(unit_top):
    return RoundFactory(name="2026年第一轮巡察", target_unit=unit_top)


@pytest.fixture
def problem(inspection_round):
    return ProblemFactory(round=inspection_round, seq=1, title="学习领会不够深刻")


@pytest.fixture
def measure_a(problem, unit_a):
    """A measure led by unit A."""
    return MeasureFactory(problem=problem, seq=1, lead_unit=unit_a)


@pytest.fixture
def measure_b(problem, unit_b):
    """A measure led by unit B, in the same problem."""
    return MeasureFactory(problem=problem, seq=2, lead_unit=unit_b)


@pytest.fixture
def client_for():
    """An API client signed in as the given user (zh-hans unless told otherwise)."""

    def make(user: User | None, language: str = "zh-hans") -> APIClient:
        client = APIClient(HTTP_ACCEPT_LANGUAGE=language)
        if user is not None:
            client.force_authenticate(user)
        return client

    return make


# --- A city with two counties (市县一体化): the jurisdiction tests' world ----------------------


@pytest.fixture
def tree(db):
    """A city (江城市) with counties 甲县 and 乙县: a unit, a round and a measure each, a joint
    round measure of the city led by 甲县's unit, and an office account per jurisdiction."""
    from accounts.models import Jurisdiction

    Level = Jurisdiction.Level
    city = Jurisdiction.objects.create(name="江城市委巡察办", short_name="江城市", level=Level.CITY)
    a = Jurisdiction.objects.create(
        name="甲县县委巡察办", short_name="甲县", level=Level.COUNTY, parent=city
    )
    b = Jurisdiction.objects.create(
        name="乙县县委巡察办", short_name="乙县", level=Level.COUNTY, parent=city
    )
    units = {
        key: UnitFactory(name=f"{key}单位", jurisdiction=jurisdiction)
        for key, jurisdiction in (("city", city), ("a", a), ("b", b))
    }
    rounds = {
        key: RoundFactory(name=f"{key}轮次", target_unit=units[key]) for key in ("city", "a", "b")
    }
    measures = {
        key: MeasureFactory(
            problem=ProblemFactory(round=rounds[key]), lead_unit=units[key], text=f"{key}措施"
        )
        for key in ("city", "a", "b")
    }
    # A joint round of the city's, with a measure led by county A's unit (市县联动).
    measures["joint"] = MeasureFactory(
        problem=ProblemFactory(round=rounds["city"]), lead_unit=units["a"], text="联动措施"
    )
    offices = {
        key: UserFactory(username=f"office_{key}", role=User.Role.OFFICE, jurisdiction=j)
        for key, j in (("city", city), ("a", a), ("b", b))
    }
    return {"j": {"city": city, "a": a, "b": b}, "units": units, "rounds": rounds,
            "measures": measures, "offices": offices}  # fmt: skip
