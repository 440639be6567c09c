"""A store's retention (`[stores.ID] retention_days`): the worker forgets its events and
message texts older than N days, at most once an hour, and every count stays."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from fakes_providers import ScriptedProvider, Transient
from helpers import Clock, at, customer, live, order, post, shipped, store
from tidings.adapters.db import tables as t

E, M = t.events.c, t.messages.c


def _day() -> list[dict]:  # type: ignore[type-arg]
    return [store(), customer(when=at(-23)), order("o1", at(9), status="paid"),
            shipped("o1", "s1", at(10))]  # fmt: skip


def _rows(app) -> tuple[int, int, int]:  # type: ignore[no-untyped-def]
    """(events, messages, messages that still have a text)."""
    with app.db.connect() as conn:
        events = conn.execute(select(func.count()).select_from(t.events)).scalar()
        messages = conn.execute(select(func.count()).select_from(t.messages)).scalar()
        texts = select(func.count()).where(M.body.is_not(None))
        return events, messages, conn.execute(texts).scalar()


def _run(worker) -> None:  # type: ignore[no-untyped-def]
    for _ in range(20):
        if not worker.round():
            return
    raise AssertionError("the worker was still busy")


def test_retention_forgets_old_texts_and_keeps_every_figure_of_the_report(db_url):
    clock, provider = Clock(at(10)), ScriptedProvider()
    app = live(db_url, clock, {"file": provider}, stores={"acme": {"retention_days": 30}})
    post(app, _day())
    worker = app.worker()
    _run(worker)
    assert len(provider.sent) == 1 and _rows(app) == (4, 1, 1)  # the shipping notice
    report = app.report("acme", date(2026, 11, 11), date(2026, 11, 11))

    clock.advance(days=31)
    _run(worker)

    assert _rows(app) == (0, 1, 0)  # the row stays, its text goes
    assert app.report("acme", date(2026, 11, 11), date(2026, 11, 11)) == report
    app.close()


def test_retention_runs_at_most_once_an_hour(db_url):
    clock = Clock(at(10))
    app = live(db_url, clock, {"file": ScriptedProvider()}, stores={"acme": {"retention_days": 30}})
    post(app, _day())
    worker = app.worker()
    _run(worker)
    clock.advance(days=31)
    _run(worker)
    assert _rows(app)[0] == 0

    clock.advance(minutes=59)
    post(app, [customer("c2", phone="+8613800138001", when=at(-1))])  # 31 days old already
    _run(worker)
    assert _rows(app)[0] == 1  # run, and kept until the hour is over

    clock.advance(minutes=1)
    _run(worker)
    assert _rows(app)[0] == 0
    app.close()


def test_an_old_event_still_waiting_for_a_worker_is_not_forgotten(db_url):
    clock = Clock(at(24 * 40))
    app = live(db_url, clock, {"file": ScriptedProvider()})
    post(app, _day())  # 40 days old, and in the inbox: no worker ran them
    with app.unit_of_work() as uow:
        counts = uow.retention.forget("acme", at(24 * 30))
        uow.commit()
    assert counts == {"events": 0, "messages": 0} and _rows(app)[0] == 4
    app.close()


def test_the_text_of_a_message_still_being_delivered_is_kept(db_url):
    clock, provider = Clock(at(10)), ScriptedProvider()
    provider.fail_next(*[Transient("down")] * 50)
    app = live(db_url, clock, {"file": provider}, stores={"acme": {"retention_days": 30}},
               max_age_hours=24 * 60)  # fmt: skip
    post(app, _day())
    worker = app.worker()
    _run(worker)

    clock.advance(days=31)
    _run(worker)

    assert not provider.sent and _rows(app) == (0, 1, 1)  # its events go, its text stays
    app.close()
