"""Events in: state updated, journeys started, keywords acted on."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from tidings.domain import consent, state
from tidings.domain.birthdays import next_birthday
from tidings.domain.conditions import all_hold
from tidings.domain.events import (
    AftersaleOpened,
    AftersaleResolved,
    CartUpdated,
    ChatMessage,
    CustomerUpserted,
    DisputeClosed,
    DisputeOpened,
    Event,
    LinkClicked,
    MessageInbound,
    MessageStatus,
    OrderCancelled,
    OrderCreated,
    OrderPaid,
    OrderShipped,
    ReviewDeleted,
    ReviewPosted,
    ShipmentCheckpoint,
    StoreUpserted,
)
from tidings.domain.journeys import SUBJECT_IDS, Journey, Step, step_due
from tidings.domain.messages import PENDING, SUPPRESSED, Message, message_id
from tidings.domain.times import zone
from tidings.services.phones import lookup_key, to_e164
from tidings.services.world import World

Schedule = Callable[[Message], None]


def apply(ev: Event, world: World, schedule: Schedule) -> bool:
    """Fold `ev` into the world; new or moved messages go to `schedule`.

    False when the event is older than what it would change (a late checkpoint): it is kept
    in the log but starts nothing.
    """
    handler = HANDLERS.get(ev.type)
    return handler is None or handler(ev, world, schedule) is not False


def _store(ev: Event, world: World, schedule: Schedule) -> None:
    assert isinstance(ev.data, StoreUpserted)
    state.apply_store(world.store(ev.store), ev.data, ev.occurred_at)
    world.touch("store", ev.store)


def _customer(ev: Event, world: World, schedule: Schedule) -> None:
    data = ev.data
    assert isinstance(data, CustomerUpserted)
    customer = world.customer(ev.store, data.customer_id)
    state.apply_customer(customer, data, ev.occurred_at)
    customer.phone_key = lookup_key(customer.phone, world.store(ev.store).default_region)
    world.index_phone(customer)
    world.touch("customer", (ev.store, data.customer_id))


def _cart(ev: Event, world: World, schedule: Schedule) -> None:
    data = ev.data
    assert isinstance(data, CartUpdated)
    cart = world.cart(ev.store, data.cart_id)
    if state.apply_cart(cart, data, ev.occurred_at):
        world.touch("cart", (ev.store, data.cart_id))


def _order_created(ev: Event, world: World, schedule: Schedule) -> None:
    data = ev.data
    assert isinstance(data, OrderCreated)
    order = world.order(ev.store, data.order_id)
    state.apply_order_created(order, data, ev.occurred_at)
    world.touch("order", (ev.store, data.order_id))
    customer = world.customer(ev.store, data.customer_id)
    customer.last_order_at = state.latest(customer.last_order_at, ev.occurred_at)
    world.touch("customer", (ev.store, data.customer_id))
    coupon = world.coupons.get((ev.store, data.coupon_code or ""))
    if coupon is not None and coupon.redeemed_at is None:  # one time: the first order has it
        coupon.redeemed_at, coupon.order_id = ev.occurred_at, data.order_id
        world.touch("coupon", (ev.store, coupon.code))
    if data.cart_id:
        cart = world.cart(ev.store, data.cart_id)
        cart.ordered_at = state.earliest(cart.ordered_at, ev.occurred_at)
        world.touch("cart", (ev.store, data.cart_id))


def _order_paid(ev: Event, world: World, schedule: Schedule) -> None:
    assert isinstance(ev.data, OrderPaid)
    order = world.order(ev.store, ev.data.order_id)
    order.paid_at = state.earliest(order.paid_at, ev.occurred_at)
    world.touch("order", (ev.store, ev.data.order_id))


def _order_cancelled(ev: Event, world: World, schedule: Schedule) -> None:
    assert isinstance(ev.data, OrderCancelled)
    order = world.order(ev.store, ev.data.order_id)
    if order.cancelled_at is None or ev.occurred_at < order.cancelled_at:
        order.cancelled_at, order.cancel_reason = ev.occurred_at, ev.data.reason
    world.touch("order", (ev.store, ev.data.order_id))


def _order_shipped(ev: Event, world: World, schedule: Schedule) -> None:
    assert isinstance(ev.data, OrderShipped)
    state.apply_shipped(world.shipment(ev.store, ev.data.shipment_id), ev.data, ev.occurred_at)
    world.touch("shipment", (ev.store, ev.data.shipment_id))


def _checkpoint(ev: Event, world: World, schedule: Schedule) -> bool:
    assert isinstance(ev.data, ShipmentCheckpoint)
    parcel = world.shipment(ev.store, ev.data.shipment_id)
    if not state.apply_checkpoint(parcel, ev.data, ev.occurred_at):
        return False
    world.touch("shipment", (ev.store, ev.data.shipment_id))
    if ev.data.status == "available_for_pickup" and parcel.order_id:
        order = world.order(ev.store, parcel.order_id)
        order.pickup_at = state.earliest(order.pickup_at, ev.occurred_at)
        world.touch("order", (ev.store, parcel.order_id))
    return True


def _review(ev: Event, world: World, schedule: Schedule) -> None:
    assert isinstance(ev.data, ReviewPosted)
    state.apply_review(world.review(ev.store, ev.data.review_id), ev.data, ev.occurred_at)
    world.touch("review", (ev.store, ev.data.review_id))
    order = world.order(ev.store, ev.data.order_id)
    order.reviewed_at = state.earliest(order.reviewed_at, ev.occurred_at)
    world.touch("order", (ev.store, ev.data.order_id))


def _review_deleted(ev: Event, world: World, schedule: Schedule) -> None:
    assert isinstance(ev.data, ReviewDeleted)
    review = world.review(ev.store, ev.data.review_id)
    review.deleted_at = state.earliest(review.deleted_at, ev.occurred_at)
    review.deleted_by = ev.data.by
    world.touch("review", (ev.store, ev.data.review_id))


def _ticket_opened(ev: Event, world: World, schedule: Schedule) -> None:
    assert isinstance(ev.data, AftersaleOpened)
    state.apply_ticket_opened(world.ticket(ev.store, ev.data.ticket_id), ev.data, ev.occurred_at)
    world.touch("ticket", (ev.store, ev.data.ticket_id))


def _ticket_resolved(ev: Event, world: World, schedule: Schedule) -> None:
    assert isinstance(ev.data, AftersaleResolved)
    ticket = world.ticket(ev.store, ev.data.ticket_id)
    state.apply_ticket_resolved(ticket, ev.data, ev.occurred_at)
    world.touch("ticket", (ev.store, ev.data.ticket_id))


def _dispute_opened(ev: Event, world: World, schedule: Schedule) -> None:
    assert isinstance(ev.data, DisputeOpened)
    dispute = world.dispute(ev.store, ev.data.dispute_id)
    dispute.order_id = ev.data.order_id
    dispute.opened_at = state.earliest(dispute.opened_at, ev.occurred_at)
    world.touch("dispute", (ev.store, ev.data.dispute_id))


def _dispute_closed(ev: Event, world: World, schedule: Schedule) -> None:
    assert isinstance(ev.data, DisputeClosed)
    dispute = world.dispute(ev.store, ev.data.dispute_id)
    if dispute.closed_at is None or ev.occurred_at >= dispute.closed_at:
        dispute.closed_at, dispute.outcome = ev.occurred_at, ev.data.outcome
    world.touch("dispute", (ev.store, ev.data.dispute_id))


def _chat(ev: Event, world: World, schedule: Schedule) -> None:
    d = ev.data
    assert isinstance(d, ChatMessage)
    ids = (ev.store, ev.id, d.conversation_id, d.customer_id)
    world.appended.append(state.ChatLine(*ids, d.direction, d.responder, ev.occurred_at))


def _click(ev: Event, world: World, schedule: Schedule) -> None:
    assert isinstance(ev.data, LinkClicked)
    world.appended.append(state.Click(ev.store, ev.id, ev.data.token, ev.occurred_at))


def _receipt(ev: Event, world: World, schedule: Schedule) -> None:
    d = ev.data
    assert isinstance(d, MessageStatus)
    refs = (d.message_id, d.provider_message_id, d.error)
    world.receipts.append(state.DeliveryReceipt(ev.store, d.status, ev.occurred_at, *refs))


def _inbound(ev: Event, world: World, schedule: Schedule) -> None:
    """Opt-out, opt-in and help keywords: act at once, answer once."""
    data = ev.data
    assert isinstance(data, MessageInbound)
    word = consent.keyword(data.text)
    store = world.store(ev.store)
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


HANDLERS: dict[str, Callable[[Event, World, Schedule], bool | None]] = {
    "store.upserted": _store,
    "customer.upserted": _customer,
    "cart.updated": _cart,
    "order.created": _order_created,
    "order.paid": _order_paid,
    "order.cancelled": _order_cancelled,
    "order.shipped": _order_shipped,
    "shipment.checkpoint": _checkpoint,
    "review.posted": _review,
    "review.deleted": _review_deleted,
    "aftersale.opened": _ticket_opened,
    "aftersale.resolved": _ticket_resolved,
    "dispute.opened": _dispute_opened,
    "dispute.closed": _dispute_closed,
    "chat.message": _chat,
    "link.clicked": _click,
    "message.status": _receipt,
    "message.inbound": _inbound,
}
HANDLED = frozenset(HANDLERS)


def start_journeys(ev: Event, journeys: list[Journey], world: World, schedule: Schedule) -> None:
    """Start (or, for `retrigger = "reschedule"`, move) the journeys `ev` triggers.

    A journey's `where` sees the event; a step's own `where` also sees the subject's entities.
    """
    for journey in journeys:
        steps = journey.entries(ev.type)
        campaign = journey.campaign is not None
        if not steps or (not campaign and not all_hold(journey.where, {"event": ev.data})):
            continue
        subject = _subject(journey, ev, world)
        if subject is None:
            continue
        ctx = context_of(world, ev.store, subject, ev.occurred_at)
        ctx["event"] = ev.data
        if campaign:  # the segment is about the customer; a campaign past is not started
            ctx["campaign"] = campaign_at(journey, ctx)
            if not all_hold(journey.where, ctx) or ctx["campaign"] <= ev.occurred_at:
                continue
        for step in steps:
            if all_hold(step.where, ctx):
                _start(journey, step, ev, subject, ctx, world, schedule)


def _start(
    journey: Journey,
    step: Step,
    ev: Event,
    subject: str,
    ctx: dict[str, Any],
    world: World,
    schedule: Schedule,
) -> None:
    due = step_due(step, ctx)
    if due is None:
        return
    if journey.yearly:
        subject = yearly_subject(subject, due, ctx)
    elif journey.campaign is not None:
        subject = f"{subject}:{journey.name}"
    existing = world.messages.get((ev.store, journey.name, step.name, subject))
    if existing is not None:
        _retrigger(journey, existing, ev.occurred_at, due, world, schedule)
        return
    owner = ctx.get(journey.subject)
    if not getattr(owner, "customer_id", None):  # a parcel's customer is its order's
        owner = ctx.get("order")
    customer = getattr(owner, "customer_id", None)
    at = ev.occurred_at
    schedule(journey_message(journey, step.name, ev.store, subject, at, due, customer))


def journey_message(
    journey: Journey,
    step: str,
    store_id: str,
    subject: str,
    started: datetime,
    due: datetime,
    customer_id: str | None,
    run_at: datetime | None = None,
) -> Message:
    """A pending message of a journey step (it runs at `due`, or at `started` if later)."""
    key = (store_id, journey.name, step, subject)
    return Message(
        store_id, message_id(*key), journey.name, step, subject, journey.kind,
        journey.step(step).channel, started, due, run_at or max(due, started), customer_id,
    )  # fmt: skip


def _retrigger(
    journey: Journey,
    message: Message,
    at: datetime,
    due: datetime,
    world: World,
    schedule: Schedule,
) -> None:
    if journey.retrigger != "reschedule" or message.status != PENDING or at < message.started_at:
        return
    message.started_at, message.due_at, message.run_at = at, due, max(due, at)
    world.changed(message)
    schedule(message)


def _subject(journey: Journey, ev: Event, world: World) -> str | None:
    """What `ev` starts `journey` about; an order may be known only through its parcel."""
    ident = getattr(ev.data, SUBJECT_IDS[journey.subject], None)
    if ident is None and journey.subject == "order" and isinstance(ev.data, ShipmentCheckpoint):
        ident = world.shipment(ev.store, ev.data.shipment_id).order_id
    return None if ident is None else f"{journey.subject}:{ident}"


def campaign_at(journey: Journey, ctx: dict[str, Any]) -> datetime:
    """When a campaign reaches this customer: its wall-clock time in their zone."""
    assert journey.campaign is not None
    tz = getattr(ctx.get("customer"), "timezone", None) or ctx["store"].timezone
    return journey.campaign.replace(tzinfo=zone(tz)).astimezone(UTC)


def yearly_subject(base: str, due: datetime, ctx: dict[str, Any]) -> str:
    """`customer:<id>:<year>`: `base` and the year of `due` where the customer lives."""
    tz = getattr(ctx.get("customer"), "timezone", None) or ctx["store"].timezone
    return f"{base}:{due.astimezone(zone(tz)).year}"


def context_of(world: World, store_id: str, subject: str, trigger: datetime) -> dict[str, Any]:
    """The named entities a journey's conditions and templates see for `subject`.

    About a customer, `birthday` is the next birthday at 10:00 their time after `trigger`.
    """
    kind, _, ident = subject.partition(":")
    ctx: dict[str, Any] = {"trigger": trigger, "store": world.store(store_id)}
    owner: Any = None
    if kind == "customer":
        customer = ctx["customer"] = world.customers.get((store_id, ident.split(":")[0]))
        tz = getattr(customer, "timezone", None) or ctx["store"].timezone
        ctx["birthday"] = next_birthday(getattr(customer, "birthday", None), trigger, tz)
        return ctx
    if kind in ("shipment", "review", "ticket"):  # about an order
        ctx[kind] = about = getattr(world, kind + "s").get((store_id, ident))
        kind, ident = "order", getattr(about, "order_id", None) or ""
        ctx["order"] = world.orders.get((store_id, ident))
        owner = about if getattr(about, "customer_id", None) else ctx["order"]
    elif kind == "order":
        owner = ctx["order"] = world.orders.get((store_id, ident))
    elif kind == "cart":
        owner = ctx["cart"] = world.carts.get((store_id, ident))
    customer_id = getattr(owner, "customer_id", None)
    if customer_id:
        ctx["customer"] = world.customers.get((store_id, customer_id))
    return ctx
