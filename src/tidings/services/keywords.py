"""Opt-out, opt-in and help keywords in shoppers' SMS replies (journeys.md rule 4)."""

from __future__ import annotations

from tidings.domain import consent, relay, state
from tidings.domain.events import Event, MessageInbound
from tidings.domain.messages import PENDING, SUPPRESSED, Message, message_id
from tidings.services.phones import lookup_key, to_e164
from tidings.services.world import Schedule, World


def inbound(ev: Event, world: World, schedule: Schedule) -> None:
    """Opt-out, opt-in and help keywords: act at once, answer once."""
    data = ev.data
    assert isinstance(data, MessageInbound)
    store = world.store(ev.store)
    word = consent.keyword(data.text, store.locale)
    if data.relay is not None:
        _relayed(ev, world, word)
        return
    phone = lookup_key(data.sender, store.default_region)
    if word is None or phone is None:
        return
    optout = world.optout(ev.store, phone)
    was_out = optout.opted_out
    customers = world.customers_with_phone(ev.store, phone)
    if word == "opt_out":
        _opt_out(ev, world, optout, customers)
    elif word == "opt_in":
        _opt_in(ev, world, optout, customers)
    if word == "opt_out" and was_out:
        return  # one confirmation only
    reply = _reply(ev, word, phone, customers)
    if to_e164(data.sender, store.default_region) is None:
        reply.status, reply.reason, reply.decided_at = (
            SUPPRESSED,
            "invalid_recipient",
            ev.occurred_at,
        )
    elif word == "help" and (was_out or any(c.sms_consent is False for c in customers)):
        reply.status, reply.reason, reply.decided_at = SUPPRESSED, "opted_out", ev.occurred_at
    schedule(reply)


def _relayed(ev: Event, world: World, word: str | None) -> None:
    """STOP or START reported by a platform's relay: kept under the buyer's id and, when the
    reply names a known order, its customer. No answer is sent: the relay takes approved
    templates only, and the platform confirms its own unsubscriptions."""
    data = ev.data
    assert isinstance(data, MessageInbound) and data.relay is not None
    if word not in ("opt_out", "opt_in"):
        return
    order = world.orders.get((ev.store, data.relay.order_id or ""))
    customer = order.customer_id if order is not None else None
    for key in relay.optout_keys(data.relay.platform, data.relay.buyer, customer):
        optout = world.optout(ev.store, key)
        if optout.opted_out != (word == "opt_out"):
            optout.opted_out, optout.changed_at = word == "opt_out", ev.occurred_at
            world.touch("optout", (ev.store, key))


def _opt_out(
    ev: Event, world: World, optout: state.PhoneOptOut, customers: list[state.Customer]
) -> None:
    if not optout.opted_out:
        optout.opted_out, optout.changed_at = True, ev.occurred_at
        world.touch("optout", (ev.store, optout.phone))
    for message in world.messages_of(ev.store, [c.customer_id for c in customers]):
        if message.status == PENDING and message.channel == "sms":
            message.status, message.reason = SUPPRESSED, "opted_out"
            message.decided_at, message.recipient = ev.occurred_at, optout.phone
            world.changed(message)


def _opt_in(
    ev: Event, world: World, optout: state.PhoneOptOut, customers: list[state.Customer]
) -> None:
    optout.opted_out, optout.changed_at = False, ev.occurred_at
    world.touch("optout", (ev.store, optout.phone))
    for customer in customers:
        if customer.sms_consent is False:
            customer.sms_consent, customer.sms_consent_at = None, ev.occurred_at
            world.touch("customer", (ev.store, customer.customer_id))


def _reply(ev: Event, word: str, phone: str, customers: list[state.Customer]) -> Message:
    subject = f"inbound:{ev.id}"
    at = ev.occurred_at
    return Message(
        ev.store,
        message_id(ev.store, "keywords", word, subject),
        "keywords",
        word,
        subject,
        "service",
        "sms",
        at,
        at,
        at,
        customers[0].customer_id if customers else None,
        phone,
    )
