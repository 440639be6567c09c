"""A journey tried without sending: its steps' texts rendered on a real subject of the store,
and a dry run of its start on the store's latest events that could trigger it.

The rule: both ask the engine's own code (`triggers.entry` for `where`, `Condition.holds` for
`exit_if` and `unless`, `Texts.render_step` and `sms.count` for the text and its segments),
never a copy of it, and write nothing: the world they load is let go, never saved.

The dry run reads each event against the store as it stands now (its orders, carts and
customers today), as if the event had just arrived: it says whether the journey would start
and at which condition it would stop, and which `exit_if` or `unless` would hold at send time
now. A live worker's history rule (no step due over a day before it heard of the event) is
left out: every one of these events would fall under it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal
from typing import Any

from tidings.domain import sms
from tidings.domain.conditions import Condition, first_holding
from tidings.domain.errors import InvalidTemplate
from tidings.domain.events import Event
from tidings.domain.journeys import Journey, Step, step_due
from tidings.domain.state import Store
from tidings.services.loading import HasState, load_subjects
from tidings.services.texts import Texts
from tidings.services.triggers import (
    Entry,
    Stop,
    context_of,
    entry,
    journey_message,
    subject_of,
)
from tidings.services.world import World

LOCALES = ("zh-CN", "en", "ru")


@dataclass(frozen=True)
class Verdict:
    """Why a journey would not start or not send: `kind` (off, trigger, where, subject,
    campaign, no_time, exit_if, unless) and where it is written, with the condition as the
    journey file writes it (`steps.last.unless: { field = "…", set = true }`)."""

    kind: str
    written: str = ""


@dataclass(frozen=True)
class DryRun:
    event_id: str
    event_type: str
    occurred_at: datetime
    subject: str | None
    starts: tuple[tuple[str, datetime], ...]  # the steps it would start, each when due
    stopped: tuple[Verdict, ...]  # why it would not start (none when it would)
    held_now: tuple[Verdict, ...]  # an exit_if or unless that holds now: not sent if still so


@dataclass(frozen=True)
class Preview:
    step: str
    channel: str
    locale: str
    text: str | None  # None: it does not render (`problem` says why) or the step has none
    problem: str | None
    segments: int
    cost: Decimal


def dry_run(
    uow: HasState, texts: Texts, journey: Journey, events: Sequence[Event], at: datetime
) -> tuple[DryRun, ...]:
    """What `journey` would do on each of `events`, read against the store at `at`."""
    world = World()
    load_subjects(uow, world, events)
    return tuple(_try(journey, ev, world, at) for ev in events)


def _try(journey: Journey, ev: Event, world: World, at: datetime) -> DryRun:
    found = entry(journey, ev, world)
    starts = tuple((s.name, due) for s in found.steps if (due := step_due(s, found.ctx)))
    stopped = tuple(_verdict(stop) for stop in found.stopped)
    if not journey.enabled:
        stopped = (Verdict("off"),)
    elif found.steps and not starts:
        stopped = tuple(Verdict("no_time", f"steps.{s.name}.at") for s in found.steps)
    held = _held_now(journey, found, world, ev.store, at) if starts and not stopped else ()
    subject = found.subject or subject_of(journey, ev, world)
    return DryRun(ev.id, ev.type, ev.occurred_at, subject, starts if not stopped else (),
                  stopped, held)  # fmt: skip


def _held_now(
    journey: Journey, found: Entry, world: World, store: str, at: datetime
) -> tuple[Verdict, ...]:
    """The `exit_if` and each started step's `unless` that hold now, as the decision reads
    them (its context, with `now`)."""
    ctx = context_of(world, store, found.subject, found.ctx["trigger"])
    ctx["now"] = at
    held = []
    if cond := first_holding(journey.exit_if, ctx):
        held.append(Verdict("exit_if", _written("exit_if", cond)))
    for step in found.steps:
        if cond := first_holding(step.unless, ctx):
            held.append(Verdict("unless", _written(f"steps.{step.name}.unless", cond)))
    return tuple(held)


def _verdict(stop: Stop) -> Verdict:
    if stop.condition is None:
        return Verdict(stop.place, f"steps.{stop.step}" if stop.step else "")
    place = f"steps.{stop.step}.{stop.place}" if stop.step else stop.place
    return Verdict(stop.place, _written(place, stop.condition))


def _written(place: str, condition: Condition) -> str:
    return f"{place}: {condition.written()}"


def previews(
    uow: HasState,
    texts: Texts,
    journey: Journey,
    store: str,
    subject: str | None,
    at: datetime,
) -> tuple[Preview, ...]:
    """Each step's text in each of LOCALES, rendered on `subject` as the store stands at `at`,
    with its segments and cost as the engine counts them; none without a subject."""
    if subject is None:
        return ()
    world = World()
    load_subjects(uow, world, [], [(store, subject)])
    ctx = context_of(world, store, subject, at)
    ctx["now"] = at
    shop = world.store(store)
    return tuple(
        _preview(texts, journey, step, locale, shop, subject, dict(ctx), at)
        for step in journey.steps
        for locale in LOCALES
    )


def _preview(
    texts: Texts, journey: Journey, step: Step, locale: str, shop: Store, subject: str,
    ctx: dict[str, Any], at: datetime,
) -> Preview:  # fmt: skip
    """One step in one locale: the text alone of the locale, so the engine's pick is it."""
    none = Preview(step.name, step.channel, locale, None, None, 0, Decimal(0))
    if locale not in step.template:
        return none
    due = step_due(step, ctx) or at
    owner = ctx.get("customer") or ctx.get("order")
    message = journey_message(journey, step.name, shop.store_id, subject, at, due,
                              getattr(owner, "customer_id", None))  # fmt: skip
    alone = replace(step, template={locale: step.template[locale]})
    try:
        body, _ = texts.render_step(message, alone, shop, ctx)
    except InvalidTemplate as exc:
        return replace(none, problem=str(exc))
    segments = sms.count(body).segments if step.channel == "sms" else 0
    return replace(none, text=body, segments=segments, cost=segments * shop.price)
