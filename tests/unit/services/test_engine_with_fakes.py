"""The services over in-memory fakes of their ports: fast, no database."""

from __future__ import annotations

import pytest

from fakes import FakeUnitOfWork, Tables
from helpers import at, cart, customer, inbound, lines, order, paid, store
from tidings.adapters.contract import parse_line
from tidings.adapters.journeys_loader import builtin
from tidings.adapters.templates import JinjaRenderer
from tidings.domain.delivery import Accepted, Outgoing
from tidings.domain.messages import Message, message_id
from tidings.services.delivery import Dispatcher, Routes
from tidings.services.engine import Engine
from tidings.services.replay import replay
from tidings.services.texts import Texts


class Recorder:
    name = "file"

    def __init__(self) -> None:
        self.sent: list[str] = []

    def send(self, out: Outgoing) -> Accepted:
        self.sent.append(out.message_id)
        return Accepted((f"ref-{out.message_id}",))

    def poll(self, handle) -> None:  # type: ignore[no-untyped-def]
        pass

    def close(self) -> None:
        pass


def _run(tables: Tables, events, until=None, batch: int = 100):  # type: ignore[no-untyped-def]
    sender = Recorder()
    units = lambda: FakeUnitOfWork(tables)  # noqa: E731
    dispatcher = Dispatcher({"file": sender}, Routes(), units, "replay")
    engine = Engine(Texts(builtin(), JinjaRenderer(), b"k"), dispatcher)
    stats = replay(
        events=[parse_line(x) for x in lines(events)],
        until=until,
        unit_of_work=units,
        engine=engine,
        dispatcher=dispatcher,
        batch=batch,
    )
    return stats, sender


def _rows(tables: Tables):  # type: ignore[no-untyped-def]
    return sorted(
        ((m.journey, m.step, m.subject, m.status, m.reason) for m in tables.messages.values()),
        key=str,
    )


def test_a_reminder_is_decided_and_handed_to_the_sender_once():
    tables = Tables()
    stats, sender = _run(tables, [store(), customer(), order("o1", at(10))])
    assert _rows(tables) == [
        ("payment_reminder", "first", "order:o1", "sent", None),
        ("payment_reminder", "last", "order:o1", "sent", None),
    ]
    assert sorted(sender.sent) == sorted(m.message_id for m in tables.messages.values())
    assert stats.events == 3 and stats.sent == 2


def test_replaying_the_same_events_again_changes_nothing():
    tables = Tables()
    events = [store(), customer(), order("o1", at(10)), paid("o1", at(11))]
    _run(tables, events)
    before = _rows(tables)
    stats, sender = _run(tables, events)
    assert (stats.events, stats.duplicates) == (0, 4)
    assert sender.sent == [] and _rows(tables) == before


def test_an_event_at_the_instant_a_message_falls_due_comes_first():
    tables = Tables()
    _run(tables, [store(), customer(), order("o1", at(10)), paid("o1", at(10, 30))])
    first = next(m for m in tables.messages.values() if m.step == "first")
    assert (first.status, first.reason) == ("suppressed", "condition_cleared")


def test_a_step_decided_elsewhere_is_not_handed_over_again():
    tables = Tables()
    _run(tables, [store(), customer()])
    taken = message_id("acme", "payment_reminder", "first", "order:o1")
    events = [order("o1", at(10))]
    # another process decided the same step first

    tables.messages[("acme", taken)] = Message(
        "acme",
        taken,
        "payment_reminder",
        "first",
        "order:o1",
        "service",
        "sms",
        at(10),
        at(10, 30),
        at(10, 30),
        "c1",
        None,
        "sent",
        None,
        at(10, 30),
        "x",
        1,
        "0.05",
    )
    _, sender = _run(tables, events)
    assert taken not in sender.sent


def test_a_unit_of_work_left_without_commit_rolls_back():
    tables = Tables()
    with pytest.raises(RuntimeError), FakeUnitOfWork(tables) as uow:
        uow.events.add([parse_line(lines([store()])[0])], None)
        raise RuntimeError("crash before commit")
    assert tables.events == {}


def test_stop_between_batches_reaches_pending_messages():
    tables = Tables()
    events = [
        store(),
        customer(sms_consent=True),
        cart("k1", at(10)),
        order("o1", at(10, 5)),
        inbound("STOP", at(10, 20)),
    ]
    _run(tables, events, batch=1)
    reasons = {(m.journey, m.reason) for m in tables.messages.values()}
    assert ("payment_reminder", "opted_out") in reasons
    assert ("cart_recovery", "opted_out") in reasons


def test_a_batch_asks_for_a_customers_own_messages_only_where_it_may_start_or_decide_one(
    monkeypatch: pytest.MonkeyPatch,
):
    """Birthdays and campaigns are about a customer: a batch loads a customer's own messages
    for the events that start such a journey (here `customer.upserted`, `order.created`)
    and for the due ones, not for every customer an event leads to (a payment, a parcel)."""
    from fakes import FakeOutbox

    asked: list[set[tuple[str, str]]] = []
    about = FakeOutbox.about_customers

    def spied(self, pairs):  # type: ignore[no-untyped-def]
        asked.append(set(pairs))
        return about(self, pairs)

    monkeypatch.setattr(FakeOutbox, "about_customers", spied)
    tables = Tables()
    _run(tables, [store(), customer(), order("o1", at(10))])
    assert set().union(*asked) == {("acme", "c1")}
    asked.clear()
    _run(tables, [paid("o1", at(10, 5))])  # a World of its own: nothing of c1 held
    assert not set().union(*asked)
