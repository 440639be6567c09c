"""Two processes racing over the same events on PostgreSQL: every step is sent once."""

from __future__ import annotations

import json
import multiprocessing
from pathlib import Path

from helpers import at, cart, customer, lines, order, store
from tidings import bootstrap
from tidings.adapters.providers.file import FileProvider
from tidings.config import Settings


def _worker(url: str, events: list[str], record: str, start) -> None:  # type: ignore[no-untyped-def]
    app = bootstrap.build(
        Settings(database_url=url, batch_size=25),
        migrate=False,
        providers={"file": FileProvider("file", Path(record))},
    )
    parsed = [bootstrap.parse_line(line) for line in events]
    start.wait()
    app.replay(parsed, None)
    app.close()


def _day() -> list[str]:
    events = [store()]
    for i in range(60):
        phone = f"+86138001{38000 + i}"
        events += [
            customer(f"c{i}", phone=phone, sms_consent=True),
            order(f"o{i}", at(10, i), cid=f"c{i}"),
            cart(f"k{i}", at(12, i), cid=f"c{i}"),
        ]
    return lines(events)


def test_two_processes_never_send_a_step_twice(pg_database, tmp_path):
    from conftest import _empty_pg

    _empty_pg(pg_database)
    events = _day()
    ctx = multiprocessing.get_context("spawn")
    start = ctx.Barrier(2)
    records = [tmp_path / "a.jsonl", tmp_path / "b.jsonl"]
    procs = [
        ctx.Process(target=_worker, args=(pg_database, events, str(r), start)) for r in records
    ]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
        assert p.exitcode == 0
    sent = [
        json.loads(x)["message_id"]
        for r in records
        if r.exists()
        for x in r.read_text().splitlines()
    ]
    assert len(sent) == len(set(sent)), "a message was handed to a provider twice"
    app = bootstrap.build(Settings(database_url=pg_database), migrate=False)
    decided = [m for m in app.decided(["acme"]) if m.status == "sent"]
    app.db.dispose()
    assert sorted(sent) == sorted(m.message_id for m in decided)
    assert len(decided) >= 120  # 60 first reminders, 60 last, carts, all sent once
