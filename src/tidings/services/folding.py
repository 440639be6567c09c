"""Events into state: each event type's handler folds it into the World."""

from __future__ import annotations

from collections.abc import Callable

from tidings.domain import state
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
from tidings.services.keywords import inbound
from tidings.services.phones import lookup_key
from tidings.services.world import Schedule, World


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
    refs = (d.message_id, d.provider_message_id, d.error, d.provider)
    world.receipts.append(state.DeliveryReceipt(ev.store, d.status, ev.occurred_at, *refs))


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
    "message.inbound": inbound,
}
HANDLED = frozenset(HANDLERS)
