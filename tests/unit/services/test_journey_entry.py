"""The engine's one reading of a journey's `where`: the steps an event starts, or the place
and condition that stopped it (what the console's dry run shows)."""

from __future__ import annotations

import json

from helpers import at, checkpoint, order
from tidings.adapters.contract import parse_line
from tidings.adapters.journeys_loader import builtin
from tidings.domain.events import Event
from tidings.services.triggers import Stop, entry
from tidings.services.world import World

JOURNEYS = builtin().journeys


def _event(raw: dict) -> Event:  # type: ignore[type-arg]
    return parse_line(json.dumps(raw))


def test_an_unpaid_prepaid_order_starts_the_first_reminder():
    found = entry(JOURNEYS["payment_reminder"], _event(order("o1", at(1))), World())
    assert ([s.name for s in found.steps], found.subject, found.stopped) == (
        ["first"], "order:o1", (),
    )  # fmt: skip


def test_a_cash_on_delivery_order_stops_at_the_journeys_second_condition():
    found = entry(JOURNEYS["payment_reminder"], _event(order("o1", at(1), payment="cod")), World())
    assert found.steps == ()
    (stop,) = found.stopped
    assert (stop.place, stop.step) == ("where", None)
    assert stop.condition is not None
    assert stop.condition.written() == '{ field = "event.payment", eq = "prepaid" }'


def test_an_event_of_another_type_is_not_the_journeys_trigger():
    found = entry(JOURNEYS["cart_recovery"], _event(order("o1", at(1))), World())
    assert found.stopped == (Stop("trigger"),)


def test_steps_with_triggers_of_their_own_each_name_the_condition_that_stopped_them():
    parcel = _event(checkpoint("s1", "out_for_delivery", at(5), order_id="o1"))
    found = entry(JOURNEYS["delivery_watch"], parcel, World())
    assert found.steps == ()
    assert [(s.step, s.condition.written() if s.condition else "") for s in found.stopped][:2] == [
        ("failed_attempt", '{ field = "event.status", eq = "failed_attempt" }'),
        ("exception", '{ field = "event.status", eq = "exception" }'),
    ]
    stalled = entry(JOURNEYS["delivery_watch"], _event(checkpoint("s1", "in_transit", at(5))),
                    World())  # fmt: skip
    assert [s.name for s in stalled.steps] == ["stalled"] and stalled.stopped == ()
