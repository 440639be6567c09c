"""A buyer reached through a marketplace's relay: Taobao/Tmall and JD never give a seller's
app the buyer's phone; the platform sends the SMS itself, keyed by its order and its encrypted
buyer id (the contract's `relay` handle, domain/events_shop.RelayHandle).

The one rule: nothing here is a phone. A relayed message's recipient is the handle written
as `<platform>:<order_id>:<buyer>`, and its opt-outs are kept under two keys that hold none:

    taobao:4012345678901234567:1aBcD…     the recipient of a message about order 4012…
    relay:taobao:buyer:1aBcD…             a STOP the platform reported for this buyer id
    relay:customer:c1                     the same STOP, for every order of the customer
"""

from __future__ import annotations

from collections.abc import Mapping

from tidings.domain.delivery import Outgoing
from tidings.domain.errors import Permanent
from tidings.domain.events_shop import RelayHandle
from tidings.domain.provider_templates import TemplateCall

PLATFORMS = ("taobao", "jd")
Handle = Mapping[str, str]  # {"platform", "order_id", "buyer"}, as orders and customers keep it


def handle_of(relay: RelayHandle) -> dict[str, str]:
    """The handle as state keeps it."""
    out = {"platform": relay.platform, "buyer": relay.buyer}
    return out | ({"order_id": relay.order_id} if relay.order_id is not None else {})


def recipient(handle: Handle) -> str:
    """The recipient a relayed message is written to: the handle, no phone in it."""
    return f"{handle['platform']}:{handle['order_id']}:{handle['buyer']}"


def parse(to: str) -> tuple[str, str, str] | None:
    """(platform, order id, buyer) of a relay recipient; None for a phone or an address."""
    platform, _, rest = to.partition(":")
    if platform not in PLATFORMS or ":" not in rest:
        return None
    order_id, _, buyer = rest.partition(":")
    return (platform, order_id, buyer) if order_id and buyer else None


def relayed(out: Outgoing, platform: str, buyer: str) -> tuple[str, str, TemplateCall]:
    """(order id, buyer, approved template) of a message `platform`'s relay sends. Raises
    Permanent for one without an approved template (never sent as free text), or one whose
    recipient is no handle of `platform` (`buyer` names its id in the message)."""
    if out.template is None:
        raise Permanent("no approved template for this message: not sent as free text")
    found = parse(out.to)
    if found is None or found[0] != platform:
        raise Permanent(
            f"the recipient is no {platform} relay handle ({platform}:<order>:<{buyer}>)"
        )
    return found[1], found[2], out.template


def route(to: str | None, channel: str) -> str:
    """The route a delivery takes: the platform's relay for a relay recipient, else its
    channel (`Routes.provider(store, route)` names the provider)."""
    found = parse(to) if to and channel == "sms" else None
    return found[0] if found else channel


def optout_keys(platform: str, buyer: str, customer_id: str | None) -> list[str]:
    """The keys a STOP reported through `platform`'s relay is kept under."""
    keys = [f"relay:{platform}:buyer:{buyer}"]
    return keys + ([f"relay:customer:{customer_id}"] if customer_id else [])
