"""Small builders for events and a one-call replay, shared by the tests."""

from __future__ import annotations

import itertools
import json
import os
import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import MetaData, select

from tidings import bootstrap
from tidings.config import Settings
from tidings.services.queries import message_line

PG_ADMIN = os.environ.get("TIDINGS_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")
SHANGHAI = ZoneInfo("Asia/Shanghai")
DAY0 = datetime(2026, 11, 11, 0, 0, tzinfo=SHANGHAI)
_ids = itertools.count(1)


def at(hours: float = 0, minutes: float = 0, seconds: float = 0) -> datetime:
    """A time on Double 11 in Shanghai, counted from midnight."""
    return DAY0 + timedelta(hours=hours, minutes=minutes, seconds=seconds)


def event(
    type_: str, when: datetime, store: str = "acme", id_: str | None = None, **data: Any
) -> dict[str, Any]:
    return {
        "id": id_ or f"e{next(_ids)}",
        "type": type_,
        "store": store,
        "occurred_at": when.isoformat(),
        "data": data,
    }


def store(when: datetime | None = None, **over: Any) -> dict[str, Any]:
    data = {
        "name": "Acme",
        "timezone": "Asia/Shanghai",
        "locale": "zh-CN",
        "default_region": "CN",
        "currency": "CNY",
        "sms_signature": "【Acme】",
        "base_url": "https://acme.example",
        "sms_price": "0.05",
    }
    data.update(over)
    return event("store.upserted", when or at(-24), **data)


def customer(
    cid: str = "c1", phone: str | None = "+8613800138000", when: datetime | None = None, **over: Any
) -> dict[str, Any]:
    data: dict[str, Any] = {"customer_id": cid}
    if phone is not None:
        data["phone"] = phone
    data.update(over)
    return event("customer.upserted", when or at(-23), **data)


ITEMS = [{"sku": "sku-1", "name": "Tea", "qty": 1, "price": "129.00"}]


def order(oid: str, when: datetime, cid: str = "c1", **over: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "order_id": oid,
        "customer_id": cid,
        "items": ITEMS,
        "total": "129.00",
        "currency": "CNY",
        "payment": "prepaid",
        "status": "unpaid",
        "pay_url": f"https://acme.example/pay/{oid}",
    }
    data.update(over)
    return event("order.created", when, **data)


def paid(oid: str, when: datetime) -> dict[str, Any]:
    return event("order.paid", when, order_id=oid, amount="129.00")


def cart(
    kid: str, when: datetime, cid: str = "c1", items: list[Any] | None = None, **over: Any
) -> dict[str, Any]:
    data: dict[str, Any] = {
        "cart_id": kid,
        "customer_id": cid,
        "items": ITEMS if items is None else items,
        "total": "129.00",
        "currency": "CNY",
        "url": f"https://acme.example/cart/{kid}",
    }
    data.update(over)
    return event("cart.updated", when, **data)


def shipped(oid: str, sid: str, when: datetime, carrier: str = "SF", **over: Any) -> dict[str, Any]:
    data = {"order_id": oid, "shipment_id": sid, "carrier": carrier, "tracking_number": f"T{sid}"}
    return event("order.shipped", when, **{**data, **over})


def checkpoint(sid: str, status: str, when: datetime, **over: Any) -> dict[str, Any]:
    data = {
        "shipment_id": sid,
        "carrier": "SF",
        "tracking_number": f"T{sid}",
        "status": status,
        "location": "Hangzhou",
        "message": status,
    }
    return event("shipment.checkpoint", when, **{**data, **over})


def inbound(text: str, when: datetime, sender: str = "+8613800138000") -> dict[str, Any]:
    return event("message.inbound", when, **{"from": sender, "text": text})


def lines(events: list[dict[str, Any]]) -> list[str]:
    return [json.dumps(e, ensure_ascii=False) for e in events]


def replay(
    db_url: str,
    events: list[dict[str, Any]],
    until: datetime | None = None,
    journeys: Any = None,
    batch: int = 2000,
) -> list[dict[str, Any]]:
    """Run the replay service on `events`; return the output lines as dicts."""
    app = bootstrap.build(Settings(database_url=db_url, batch_size=batch), journeys=journeys)
    parsed = [app.check(bootstrap.parse_line(line), "") for line in lines(events)]
    stores = sorted({e.store for e in parsed})
    app.replay(parsed, until)
    zones = app.store_zones(stores)
    out = [message_line(m, zones[m.store_id]) for m in app.decided(stores)]
    app.db.dispose()
    return out


def only(out: list[dict[str, Any]], **match: Any) -> list[dict[str, Any]]:
    return [m for m in out if all(m.get(k) == v for k, v in match.items())]


class Clock:
    """A clock the test moves by hand (the live service's `now`)."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


def live(db_url: str, clock: Clock, instances: Any = None, **settings: Any) -> bootstrap.App:
    """The live service's app over `db_url`, its clock in the test's hands; `instances` are
    the providers themselves (else those `settings` configure)."""
    config = Settings(database_url=db_url, **settings)
    return bootstrap.build(config, live=True, providers=instances, clock=clock)


def post(app: bootstrap.App, events: list[dict[str, Any]]) -> list[bool]:
    """Ingest events as the API does (stored, waiting for the worker); which were new."""
    from tidings.services.ingest import ingest

    parsed = [app.check(bootstrap.parse_object(e), "") for e in events]
    with app.unit_of_work() as uow:
        new = ingest(uow, parsed, app.clock())
        uow.commit()
    return new


@contextmanager
def own_pg_database(prefix: str, revision: str = "head") -> Iterator[str]:
    """A PostgreSQL database of its own (on the server at TIDINGS_TEST_PG), migrated to
    `revision`, and dropped after: its URL."""
    import psycopg

    from tidings.adapters.db.engine import make_engine
    from tidings.adapters.db.migrate import upgrade

    name = f"{prefix}_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        url = f"{PG_ADMIN.rpartition('/')[0]}/{name}"
        engine = make_engine(url)
        upgrade(engine, revision)
        engine.dispose()
        yield url
    finally:
        with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def sql(db_url: str, statement: Any) -> list[Any] | None:
    """Run one statement on the database in a transaction of its own; its rows, if any."""
    from tidings.adapters.db.engine import make_engine

    engine = make_engine(db_url)
    with engine.begin() as conn:
        found = conn.execute(statement)
        rows = list(found.all()) if found.returns_rows else None
    engine.dispose()
    return rows


def sqlite_steps(db: str, statement: Any, keep: bool = False) -> int:
    """How many SQLite virtual machine steps one statement takes, its triggers' included, in a
    transaction of its own (rolled back unless `keep`)."""
    from tidings.adapters.db.engine import make_engine

    engine = make_engine(db)
    with engine.connect() as conn:
        counted = [0]
        conn.connection.driver_connection.set_progress_handler(  # type: ignore[union-attr]
            lambda: counted.__setitem__(0, counted[0] + 1), 1
        )
        conn.execute(statement)
        conn.commit() if keep else conn.rollback()
    engine.dispose()
    return counted[0]


def rounds(app: bootstrap.App, most: int = 20) -> int:
    """Run worker rounds until one finds nothing to do; how many were busy."""
    worker = app.worker()
    for n in range(most):
        if not worker.round():
            return n
    raise AssertionError(f"the worker was still busy after {most} rounds")


# a mainland mobile, with or without +86, or any E.164 number, standing alone
PHONE = re.compile(r"(?<![\dA-Za-z])(?:\+?86[ -]?)?1[3-9]\d{9}(?!\d)|\+\d{8,15}(?!\d)")


def found_in_database(app: bootstrap.App, pattern: re.Pattern[str] = PHONE) -> list[tuple]:
    """(table, column, text) of every value in every table whose text `pattern` finds (a
    phone, by default): JSON and dates as their text."""
    meta = MetaData()
    meta.reflect(app.db)
    found = []
    with app.db.connect() as conn:
        for table in meta.sorted_tables:
            for row in conn.execute(select(table)):
                for column, value in row._mapping.items():
                    text = value if isinstance(value, str) else json.dumps(value, default=str)
                    if pattern.search(text):
                        found.append((table.name, column, text))
    return found
