"""Erasure through the HTTP API leaves nothing of the person behind: a search of every table
and column (every tuple version, on PostgreSQL), and on SQLite of the raw bytes of the database
file, its WAL and shared memory, and of the file provider's outbox, finds neither the number
(as dialled at home, or in E.164) nor the name; and their STOP still holds."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select, text

from helpers import Clock, at, customer, event, inbound, live, order, rounds, shipped, store
from tidings.adapters.db import tables
from tidings.entrypoints.api.app import create_app

PHONE, NATIONAL, NAME = "+8613800138000", "13800138000", "王芳"
NEEDLES = (NATIONAL.encode(), PHONE.encode(), NAME.encode())
MERCHANT = [{"phone": "+8613911110000", "email": "ops@acme.example"}]


@pytest.fixture
def instance(db_url, tmp_path):  # type: ignore[no-untyped-def]
    """A live instance whose every channel is the file provider, writing `outbox.jsonl`."""
    clock, outbox = Clock(at(10)), tmp_path / "outbox.jsonl"
    app = live(db_url, clock, outbox=outbox)
    key = app.create_key("acme")
    with TestClient(create_app(app)) as client:
        client.headers["Authorization"] = f"Bearer {key}"
        yield client, app, clock, outbox
    app.close()


def _their_life() -> list[dict[str, Any]]:
    """A shopper who buys, gets the parcel, writes a bad review naming themself, opens an
    after-sale ticket with their number in it, and sends STOP."""
    said = f"我是{NAME}，东西坏了，太差了"
    review = {"review_id": "r1", "order_id": "o1", "customer_id": "c1", "rating": 1, "text": said}
    reason = f"坏了，请打{NATIONAL}找{NAME}"
    ticket = {"ticket_id": "t1", "order_id": "o1", "customer_id": "c1", "kind": "refund"}
    return [
        store(merchant_contacts=MERCHANT),
        customer("c1", phone=PHONE, name=NAME, email="wf@mail.example", when=at(-23)),
        order("o1", at(9), status="paid"),
        shipped("o1", "s1", at(9, 30)),
        event("review.posted", at(10, 1), **review),
        event("aftersale.opened", at(10, 2), **ticket, reason=reason),
        inbound("STOP", at(10, 3), sender=PHONE),
    ]


def _rows(engine: Engine) -> list[tuple[str, str, str]]:
    """(table, column, value as text) of every value of every table."""
    found = []
    with engine.connect() as conn:
        for table in tables.metadata.sorted_tables:
            for row in conn.execute(select(table)).mappings():
                for column, value in row.items():
                    written = value if isinstance(value, str) else json.dumps(value, default=str)
                    found.append((table.name, column, written))
    return found


def _pg_tuples(engine: Engine) -> list[tuple[str, bytes]]:
    """(table, bytes) of every tuple version PostgreSQL keeps of every table, dead ones too."""
    found: list[tuple[str, bytes]] = []
    with engine.begin() as conn:
        conn.execute(text("CREATE EXTENSION IF NOT EXISTS pageinspect"))
        for table in tables.metadata.sorted_tables:
            pages = conn.execute(text(f"SELECT pg_relation_size('{table.name}') / 8192")).scalar()
            for page in range(int(pages or 0)):
                items = text("SELECT t_data FROM heap_page_items(get_raw_page(:t, :p))")
                for (data,) in conn.execute(items, {"t": table.name, "p": page}):
                    found.append((table.name, bytes(data or b"")))
    return found


def _files(app: Any, outbox: Path) -> dict[str, bytes]:
    paths = [outbox]
    if app.db.dialect.name == "sqlite":
        db = Path(app.db.url.database)
        paths += [db, db.with_name(db.name + "-wal"), db.with_name(db.name + "-shm")]
    return {p.name: p.read_bytes() for p in paths if p.exists()}


def _traces(app: Any, outbox: Path) -> set[str]:
    """Where any of the needles is still found: tables and columns, tuples, files."""
    needles = [n.decode() for n in NEEDLES]
    hits = {f"{t}.{c}" for t, c, value in _rows(app.db) if any(n in value for n in needles)}
    if app.db.dialect.name == "postgresql":
        hits |= {f"{t} tuple" for t, data in _pg_tuples(app.db) if any(n in data for n in NEEDLES)}
    files = _files(app, outbox).items()
    return hits | {name for name, data in files if any(n in data for n in NEEDLES)}


def test_erasure_leaves_no_trace_of_the_person_anywhere_and_their_stop_holds(instance):
    client, app, clock, outbox = instance
    answer = client.post("/v1/events", json=_their_life())
    assert answer.json()["accepted"] == 7, answer.text
    clock.now = at(10, 5)
    rounds(app)
    before = _traces(app, outbox)
    assert {"customers.phone", "customers.name", "reviews.text", "tickets.reason"} <= before
    assert {"events.payload", "messages.body", "outbox.jsonl"} <= before
    lines = outbox.read_bytes().count(b"\n")

    erased = client.delete("/v1/customers/c1").json()["erased"]

    assert _traces(app, outbox) == set()
    assert erased["reviews"] == erased["tickets"] == 1 and erased["alerts"] >= 1
    assert outbox.read_bytes().count(b"\n") == lines  # lines redacted in place, none removed
    assert all(json.loads(line) for line in outbox.read_text().splitlines())
    with app.db.connect() as conn:
        assert conn.execute(select(tables.reviews.c.rating)).scalars().all() == [1]
        assert conn.execute(select(tables.tickets.c.kind)).scalars().all() == ["refund"]
    (alert,) = client.get("/v1/alerts").json()["alerts"]
    assert alert["subject"] == "review:r1" and alert["text"] == "erased"
    again = [customer("c2", phone=NATIONAL, when=at(10, 10)), order("o2", at(10, 10), cid="c2")]
    client.post("/v1/events", json=again)
    clock.now = at(12)
    rounds(app)
    assert client.get("/v1/customers/c2").json()["consent"]["phone_opted_out"] is True
    theirs = client.get("/v1/messages", params={"customer": "c2"}).json()["messages"]
    (reminder,) = [m for m in theirs if m["decided_at"]]  # the first; the last waits
    assert (reminder["status"], reminder["reason"]) == ("suppressed", "opted_out")
