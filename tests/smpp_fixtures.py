"""Fixtures of the SMPP provider's tests: smpp34's server on loopback and providers bound to it.

Test modules take them with `pytest_plugins = ("smpp_fixtures",)`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from smsc import HOST, WAIT, FixedClock, Smsc
from tidings.adapters.providers.smpp import SmppProvider


@pytest.fixture
def smsc() -> Iterator[Smsc]:
    server = Smsc()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def connect(smsc: Smsc, sleeps: list[float]) -> Iterator[Callable[..., SmppProvider]]:
    """Make a provider for the SMSC (settings may be overridden); all are closed after."""
    made: list[SmppProvider] = []

    def make(**overrides: Any) -> SmppProvider:
        settings: dict[str, Any] = {
            "host": HOST,
            "port": smsc.port,
            "system_id": "tidings",
            "password": "secret",
            "sleep": sleeps.append,
            "clock": FixedClock(),
            "timeout": WAIT,
        }
        made.append(SmppProvider(**{**settings, **overrides}))
        return made[-1]

    yield make
    for provider in made:
        provider.close()


@pytest.fixture
def provider(connect: Callable[..., SmppProvider]) -> SmppProvider:
    return connect()
