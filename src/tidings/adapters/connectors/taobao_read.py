"""What a Taobao message is read with: the message's content, the trade, rates or refund the
puller read for it, and how Taobao's values are read (its times are Beijing time).

The one rule: a buyer is their `buyer_open_uid`, never their nick.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tidings.adapters.connectors.common import ident, time_in
from tidings.adapters.platform_signing import ROUTER_ZONE
from tidings.domain.connectors import Delivery
from tidings.domain.errors import Untranslatable


@dataclass(frozen=True, slots=True)
class Read:
    """A message with what was read for it."""

    content: dict[str, Any]
    trade: dict[str, Any] | None
    rates: list[dict[str, Any]]
    refund: dict[str, Any]  # {} when not read
    at: datetime  # the message's pub_time
    delivery: Delivery


def beijing(value: Any, field: str) -> datetime:
    """A Taobao time ("yyyy-MM-dd HH:mm:ss", Beijing time)."""
    return time_in(value, ROUTER_ZONE, field)


def buyer(read: Read) -> str:
    found = read.content.get("buyer_open_uid") or (read.trade or {}).get("buyer_open_uid")
    if not found:
        raise Untranslatable("buyer_open_uid is missing (a Taobao buyer is never known by nick)")
    return ident(found, "buyer_open_uid")


def optional(value: Any) -> str | None:
    return None if value in (None, "") else str(value)
