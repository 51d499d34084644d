"""Fixtures of the sign-on tests: the security events sent, and a fixed clock."""

from __future__ import annotations

import datetime
import zoneinfo

import pytest

from audit.events import security_event

T0 = datetime.datetime(2026, 11, 20, 9, 0, tzinfo=zoneinfo.ZoneInfo("Asia/Shanghai"))


@pytest.fixture
def events():
    """The kinds of the security events sent during the test, in order (with their detail)."""
    sent: list[tuple[str, dict]] = []

    def receive(sender, kind, request=None, user=None, detail=None, **kwargs):
        sent.append((str(kind), detail or {}))

    security_event.connect(receive, weak=False)
    yield sent
    security_event.disconnect(receive)


@pytest.fixture
def clock(time_machine):
    """A clock that stands still at T0 until the test moves it."""
    time_machine.move_to(T0, tick=False)
    return time_machine
