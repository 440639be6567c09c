"""What the decision at send time reads of a buyer reached through a platform's relay
(domain/relay.py): the handle to send by, and the STOP the relay reported."""

from __future__ import annotations

from typing import Any

from tidings.domain import relay
from tidings.domain.state import PhoneOptOut
from tidings.services.world import World


def handle_of(ctx: dict[str, Any]) -> relay.Handle | None:
    """The relay handle of a message's subject order, else of its customer."""
    for owner in (ctx.get("order"), ctx.get("customer")):
        handle = getattr(owner, "relay", None)
        if handle:
            return dict(handle)
    return None


def optout_of(world: World, store: str, to: str | None, customer: str | None) -> PhoneOptOut | None:
    """The shopper's own STOP / START: by phone, or as a platform's relay reported it (for
    the buyer's id or for any order of the customer: an opt-out among them wins)."""
    found = relay.parse(to) if to else None
    if found is None:
        return world.optouts.get((store, to)) if to else None
    keys = relay.optout_keys(found[0], found[2], customer)
    known = [o for k in keys if (o := world.optouts.get((store, k))) is not None]
    return next((o for o in known if o.opted_out), known[0] if known else None)
