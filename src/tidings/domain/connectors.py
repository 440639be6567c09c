"""A platform's webhook delivery as tidings holds it, and what a translator makes of it.

The one rule: a delivery is kept as received (raw body, the headers that matter) before or
whatever its translation, so that a mapping fix can translate it again; the events it gives
carry ids made from the platform's own, so a retry or a second translation is a duplicate.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final, Literal

SOURCES: Final = ("shopify", "woocommerce", "aftership", "17track", "kuaidi100", "jd", "cdek",
                  "ozon", "taobao", "russianpost", "boxberry")  # fmt: skip
UNSIGNED: Final = ("cdek", "ozon")
"""The platforms that sign nothing: their webhook URL carries the connector's secret,
`/hooks/{source}/{store}?token={secret}`."""
URL_TOKEN: Final = "x-tidings-url-token"
"""Where the route puts that secret for the platform's `verify` (over any header of that name
from outside); never kept with the delivery."""
NEEDED_SETTINGS: Final[Mapping[str, tuple[str, ...]]] = {"cdek": ("client_id", "client_secret")}
"""The settings a connector cannot work without (CDEK's OAuth client, to read orders back)."""

Outcome = Literal["accepted", "duplicate", "ignored", "failed"]
# accepted: translated and ingested; duplicate: this delivery was kept before; ignored: a
# topic or state with nothing to tell a shopper; failed: not translatable, kept with the reason


@dataclass(frozen=True, slots=True)
class StoreFacts:
    """What a translator needs of the store: naive times are read in its zone, national phones
    in its region, and an order in another currency is refused."""

    timezone: str = "UTC"
    region: str | None = None
    currency: str | None = None


@dataclass(frozen=True, slots=True)
class Delivery:
    store: str
    source: str
    body: bytes
    headers: Mapping[str, str]  # names in lower case
    received_at: datetime
    facts: StoreFacts = field(default_factory=StoreFacts)
    context: Mapping[str, Any] = field(default_factory=dict)
    """What tidings read back from the platform before translating (CDEK's order as CDEK
    tells it), for a translator that must not believe the push alone; never kept."""


@dataclass(frozen=True, slots=True)
class Translation:
    """The contract events (JSON objects) a delivery gives, and the customer it is about (for
    erasure); no events means there was nothing to tell (`why` says so)."""

    events: list[dict[str, Any]]
    customer_id: str | None = None
    why: str = ""


@dataclass(frozen=True, slots=True)
class Credentials:
    """What tidings needs to ask a platform for a store: the secret (an app secret, a password)
    and the rest of its settings (app key, access token, endpoint, a storage period)."""

    secret: str
    settings: Mapping[str, str] = field(default_factory=dict)

    def __repr__(self) -> str:  # never a secret or a token in a log line
        return f"Credentials(settings={sorted(self.settings)})"


@dataclass(frozen=True, slots=True)
class Pulled:
    """What one pull of a platform gave: each item as a delivery body and its headers (the same
    as its webhook would have brought, so one translator serves both), where the next pull
    starts, whether another page waits already, and the platform's ids of what must be
    confirmed once it is kept (a message queue that gives again what is not confirmed)."""

    deliveries: list[tuple[bytes, dict[str, str]]]
    cursor: str | None
    more: bool = False
    confirm: tuple[str, ...] = ()
