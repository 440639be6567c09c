"""A platform's webhook delivery as tidings holds it, and what a translator makes of it.

The one rule: a delivery is kept as received (raw body, the headers that matter) before or
whatever its translation, so that a mapping fix can translate it again; the events it gives
carry ids made from the platform's own, so a retry or a second translation is a duplicate.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final, Literal

SOURCES: Final = ("shopify", "woocommerce", "aftership", "17track", "kuaidi100", "cdek", "ozon")
UNSIGNED: Final = ("cdek", "ozon")
"""The platforms that sign nothing: their webhook URL carries the connector's secret,
`/hooks/{source}/{store}?token={secret}`."""
URL_TOKEN: Final = "x-tidings-url-token"
"""Where the route puts that secret for the platform's `verify` (over any header of that name
from outside); never kept with the delivery."""
API_CREDENTIALS: Final[Mapping[str, tuple[str, ...]]] = {"cdek": ("client_id", "client_secret")}
"""What tidings needs to ask a platform back (CDEK's OAuth client), kept with its secret."""

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


def keep_secret(secret: str, credentials: Mapping[str, str]) -> str:
    """A connector's secret as kept: the secret alone, or JSON with the platform's API
    credentials beside it (CDEK's client id and secret)."""
    if not credentials:
        return secret
    return json.dumps({"secret": secret, **credentials}, sort_keys=True)


def kept_secret(kept: str) -> dict[str, str]:
    """What `keep_secret` kept: {"secret": …} and the credentials, if any."""
    if kept.startswith('{"'):
        try:
            found = json.loads(kept)
        except ValueError:
            found = None
        if isinstance(found, dict) and isinstance(found.get("secret"), str):
            return {str(k): str(v) for k, v in found.items()}
    return {"secret": kept}
