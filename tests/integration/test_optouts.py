"""A shopper's STOP is kept under a keyed digest of their number, never the number, and holds
for whoever comes with that number later; migration 0006 moves the STOPs kept before it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import insert, select

from helpers import Clock, at, customer, inbound, live, order, own_pg_database, post, rounds, store
from tidings.adapters.db import tables
from tidings.adapters.db.engine import make_engine
from tidings.adapters.db.migrate import upgrade
from tidings.adapters.db.uow import SqlUnitOfWork
from tidings.services.world import Keys

PHONE = "+8613800138000"


def test_a_stop_is_kept_without_the_number_and_holds_for_a_customer_who_comes_later(
    db_url, tmp_path
):
    clock = Clock(at(10))
    app = live(db_url, clock, outbox=tmp_path / "outbox.jsonl")
    post(app, [store(), customer("c1", phone=PHONE), inbound("STOP", at(10, 3))])
    clock.now = at(10, 5)
    rounds(app)
    later = [customer("c2", phone="138 0013 8000", when=at(11)), order("o2", at(11), cid="c2")]
    post(app, later)  # in the batch that decides its first reminder
    clock.now = at(12)
    rounds(app)
    with app.db.connect() as conn:
        (kept,) = conn.execute(select(tables.phone_optouts)).mappings().all()
        decided = conn.execute(
            select(tables.messages.c.status, tables.messages.c.reason).where(
                tables.messages.c.customer_id == "c2", tables.messages.c.decided_at.is_not(None)
            )
        ).all()
    assert kept["opted_out"] is True and "13800138000" not in kept["phone"]
    assert decided == [("suppressed", "opted_out")]
    app.close()


@pytest.fixture(params=["sqlite", "postgresql"])
def at_0005(request: pytest.FixtureRequest, tmp_path) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """A database of each kind with the schema as it was before 0006."""
    if request.param == "sqlite":
        url = str(tmp_path / "old.db")
        _upgrade(url, "0005")
        yield url
        return
    request.getfixturevalue("pg_database")  # the server is there (or the test skips)
    with own_pg_database("tidings_test_0006", "0005") as url:
        yield url


def _upgrade(url: str, revision: str) -> None:
    engine = make_engine(url)
    upgrade(engine, revision)
    engine.dispose()


def test_migration_0006_keeps_the_stops_made_before_it_under_the_digest(at_0005):
    engine = make_engine(at_0005)
    with engine.begin() as conn:
        stop = {"store_id": "acme", "phone": PHONE, "opted_out": True, "changed_at": at(10)}
        conn.execute(insert(tables.phone_optouts).values(**stop))
    upgrade(engine)
    with engine.connect() as conn:
        (kept,) = conn.execute(select(tables.phone_optouts.c.phone)).scalars().all()
    with SqlUnitOfWork(engine) as uow:
        optouts = uow.state.load(Keys(phones={("acme", PHONE)})).optouts
    assert "13800138000" not in kept and len(kept) == 32
    assert optouts[("acme", PHONE)].opted_out is True
    engine.dispose()
