"""An erasure finds a customer's events by the customer the event log keeps beside each
(0012): on events stored from now on, and on those kept before 0012 came."""

from __future__ import annotations

import json

from alembic import command
from sqlalchemy import Engine, select, text

from helpers import customer, lines, store
from tidings import bootstrap
from tidings.adapters.db import tables as t
from tidings.adapters.db.engine import make_engine
from tidings.adapters.db.migrate import alembic_config, upgrade
from tidings.config import Settings

E = t.events.c


def _downgrade(engine: Engine, revision: str) -> None:
    config = alembic_config(engine)
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, revision)


def test_events_kept_before_0012_get_their_customer(db_url):
    engine = make_engine(db_url)
    upgrade(engine)
    _downgrade(engine, "0012-1")  # the schema just before 0012
    row = {"id": "e1", "type": "customer.upserted", "store": "acme"}
    payload = json.dumps(
        {**row, "occurred_at": "2026-11-11T00:00:00Z", "data": {"customer_id": "c7"}}
    )
    other = json.dumps({**row, "id": "e2", "type": "order.paid", "data": {"customer_id": "c7"}})
    with engine.begin() as conn:
        for ident, kind, body in (
            ("e1", "customer.upserted", payload),
            ("e2", "order.paid", other),
        ):
            conn.execute(
                text(
                    "INSERT INTO events (store_id, event_id, type, occurred_at, received_at,"
                    " payload) VALUES ('acme', :i, :k, :at, :at, :p)"
                ),
                {"i": ident, "k": kind, "at": "2026-11-11 00:00:00.000000", "p": body},
            )

    upgrade(engine)

    with engine.connect() as conn:
        found = dict(conn.execute(select(E.event_id, E.customer_id)).all())
    engine.dispose()
    assert found == {"e1": "c7", "e2": None}  # only a customer's own events are theirs


def test_an_erasure_reaches_the_customers_events_stored_as_parsed_or_as_kept(db_url):
    app = bootstrap.build(Settings(database_url=db_url))
    records = [
        bootstrap.parse_line(line)
        for line in lines([store(), customer("c1", name="Li Lei", email="li@example.com")])
    ]
    with app.unit_of_work() as uow:
        uow.events.add(records, None)
        uow.commit()
    with app.unit_of_work() as uow:
        mine = uow.privacy.events_of("acme", "c1", ["customer.upserted"])
        others = uow.privacy.events_of("acme", "c2", ["customer.upserted"])
    app.db.dispose()
    assert [ident for ident, _ in mine] == [records[1].id]
    assert "Li Lei" in mine[0][1] and others == []
