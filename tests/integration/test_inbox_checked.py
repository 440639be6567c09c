"""`tidings serve` runs the API and a worker in one process: the worker takes the events the API
checked as they are, instead of checking their stored texts a second time (issue 15's live
path: that second check was a tenth of the process's time), but only where the stored text is
the very text they were checked from."""

from __future__ import annotations

from sqlalchemy import select, update

from helpers import Clock, at, customer, live, order, post, rounds, store
from tidings.adapters.db import inbox as inbox_module
from tidings.adapters.db import tables as t
from tidings.adapters.db.inbox import Checked

DAY = [store(), customer("c1", sms_consent=True), order("o1", at(8)), order("o2", at(8, 5))]


def _parses(monkeypatch) -> list[str]:
    """The stored texts the inbox parses."""
    seen: list[str] = []
    parse = inbox_module.parse_line

    def counting(payload, where=""):  # type: ignore[no-untyped-def]
        seen.append(payload)
        return parse(payload, where)

    monkeypatch.setattr(inbox_module, "parse_line", counting)
    return seen


def _messages(app) -> list[tuple]:  # type: ignore[no-untyped-def]
    m = t.messages.c
    query = select(m.message_id, m.journey, m.status, m.run_at).order_by(m.message_id)
    with app.unit_of_work(read_only=True) as uow:
        found = list(uow.inbox.conn.execute(query).all())
    app.db.dispose()
    return found


def test_a_worker_beside_the_api_takes_the_events_it_checked(db_url, tmp_path, monkeypatch):
    parses = _parses(monkeypatch)
    clock = Clock(at(9))
    app = live(db_url, clock)
    app.worker_beside()
    post(app, DAY)
    assert app.checked is not None and len(app.checked) == len(DAY)
    assert rounds(app) > 0
    assert parses == [] and len(app.checked) == 0
    alone = live(str(tmp_path / "alone.db"), Clock(at(9)))  # a worker of another process
    post(alone, DAY)
    rounds(alone)
    assert len(parses) == len(DAY)
    assert _messages(app) == _messages(alone) != []


def test_an_event_whose_stored_text_changed_is_read_from_its_row(db_url, monkeypatch):
    parses = _parses(monkeypatch)
    app = live(db_url, Clock(at(9)))
    app.worker_beside()
    post(app, DAY)
    e, o2 = t.events.c, DAY[-1]["id"]
    with app.unit_of_work() as uow:  # as an erasure rewrites a payload
        row = uow.inbox.conn.execute(select(e.payload).where(e.event_id == o2)).scalar_one()
        changed = row.replace('"o2"', '"o2" ', 1)
        uow.inbox.conn.execute(update(t.events).where(e.event_id == o2).values(payload=changed))
        uow.commit()
    with app.unit_of_work() as uow:
        taken = {ev.id: ev for ev in uow.inbox.take("acme", 100)}
    app.db.dispose()
    assert parses == [changed]
    assert taken[o2].raw == changed and taken[o2].data.order_id == "o2"
    assert len(taken) == len(DAY)


def test_the_events_kept_for_the_worker_are_bounded_in_number_and_time():
    from tidings.services.ingest import click_event

    clock = [0.0]
    checked = Checked(kept=2, wait=60, clock=lambda: clock[0])
    events = [click_event(f"k{i}", "acme", "t", at(9)) for i in range(4)]
    checked.put(events[:3])  # the worker takes the oldest first: those are kept
    assert len(checked) == 2
    assert checked.event("acme", "k0", events[0].raw) is events[0]
    assert checked.event("acme", "k2", events[2].raw) == events[2]  # not kept: parsed
    assert checked.event("acme", "k2", events[2].raw) is not events[2]
    clock[0] = 61.0  # k1 waited past `wait` (another process's worker took it): let go
    checked.put(events[3:])
    assert len(checked) == 1
    assert checked.event("acme", "k1", events[1].raw) is not events[1]
    assert checked.event("acme", "k3", events[3].raw) is events[3]
