"""Journeys started (or moved) by events, and what their conditions and texts see."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, NamedTuple

from tidings.domain.birthdays import next_birthday
from tidings.domain.conditions import Condition, first_failing
from tidings.domain.events import (
    Event,
    ShipmentCheckpoint,
)
from tidings.domain.journeys import SUBJECT_IDS, Journey, Step, step_due
from tidings.domain.messages import PENDING, Message, message_id
from tidings.domain.times import zone
from tidings.services.world import Schedule, World


def start_journeys(
    ev: Event,
    journeys: list[Journey],
    world: World,
    schedule: Schedule,
    since: datetime | None = None,
) -> None:
    """Start (or, for `retrigger = "reschedule"`, move) the journeys `ev` triggers; a step
    due before `since` (the live service's history) is not started."""
    contexts: dict[str, dict[str, Any]] = {}  # one reading of a subject's entities an event
    for journey in journeys:
        found = entry(journey, ev, world, contexts)
        for step in found.steps:
            _start(journey, step, ev, found.subject, found.ctx, world, schedule, since)


class Stop(NamedTuple):
    """Where a journey stopped for an event: `trigger` (not this journey's event type),
    `where` (the journey's, or step `step`'s, with the condition that failed), `subject`
    (the event names none), `campaign` (its time had passed)."""

    place: str
    condition: Condition | None = None
    step: str | None = None


@dataclass(frozen=True)
class Entry:
    """What an event does to a journey: the steps it starts, about `subject`, with the
    context their times and texts see; or, with no steps, what stopped it."""

    steps: tuple[Step, ...] = ()
    subject: str = ""
    ctx: dict[str, Any] = field(default_factory=dict)
    stopped: tuple[Stop, ...] = ()


def entry(
    journey: Journey, ev: Event, world: World, contexts: dict[str, dict[str, Any]] | None = None
) -> Entry:
    """The steps `ev` starts in `journey`: the engine's one reading of `where`, which the
    console's dry run asks too. A journey's `where` sees the event; a step's own `where` also
    sees the subject's entities. `contexts` keeps each subject's for the event's next journey
    (starting a journey adds messages, never changes an entity)."""
    steps = journey.entries(ev.type)
    campaign = journey.campaign is not None
    if not steps:
        return Entry(stopped=(Stop("trigger"),))
    if not campaign and (failed := first_failing(journey.where, {"event": ev.data})):
        return Entry(stopped=(Stop("where", failed),))
    subject = subject_of(journey, ev, world)
    if subject is None:
        return Entry(stopped=(Stop("subject"),))
    known = None if contexts is None else contexts.get(subject)
    if known is None:
        known = context_of(world, ev.store, subject, ev.occurred_at)
        if contexts is not None:
            contexts[subject] = known
    ctx = {**known, "event": ev.data}
    if campaign:  # the segment is about the customer; a campaign past is not started
        ctx["campaign"] = campaign_at(journey, ctx)
        if failed := first_failing(journey.where, ctx):
            return Entry(subject=subject, ctx=ctx, stopped=(Stop("where", failed),))
        if ctx["campaign"] <= ev.occurred_at:
            return Entry(subject=subject, ctx=ctx, stopped=(Stop("campaign"),))
    failing = [(s, first_failing(s.where, ctx)) for s in steps]
    started = tuple(s for s, failed in failing if failed is None)
    stopped = () if started else tuple(Stop("where", c, s.name) for s, c in failing)
    return Entry(started, subject, ctx, stopped)


def _start(
    journey: Journey,
    step: Step,
    ev: Event,
    subject: str,
    ctx: dict[str, Any],
    world: World,
    schedule: Schedule,
    since: datetime | None = None,
) -> None:
    due = step_due(step, ctx)
    if due is None or (since is not None and due < since):
        return
    if journey.yearly:
        subject = yearly_subject(subject, due, ctx)
    elif journey.campaign is not None:
        subject = f"{subject}:{journey.name}"
    key = (ev.store, journey.name, step.name, subject)
    existing = world.messages.get(key)
    if existing is not None:
        _retrigger(journey, existing, ev.occurred_at, due, world, schedule)
    if world.has_message(key):  # moved if it waits; a decided step is not started again
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


def subject_of(journey: Journey, ev: Event, world: World) -> str | None:
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
