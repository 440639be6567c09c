"""`tidings worker` processes on a real clock: several share the work on PostgreSQL, and
workers killed with SIGKILL in a loop lose no message.

A message goes twice only in the one window the design leaves: the provider took it and the
worker died before recording that; the kill test measures that window's duplicates.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from helpers import customer, order, post, store
from tidings import bootstrap
from tidings.adapters.db import tables
from tidings.config import Settings

pytestmark = pytest.mark.slow
ALWAYS_AWAKE = {"start": "00:00", "end": "00:00"}  # no quiet hours: the test runs any time


def _day(stores: int, orders: int) -> list[dict]:
    """Orders created 40 minutes ago: each one's first payment reminder is due now."""
    created = datetime.now(UTC) - timedelta(minutes=40)
    events = []
    for s in range(stores):
        sid = f"shop{s}"
        events.append(
            {**store(created - timedelta(days=1), quiet_hours=ALWAYS_AWAKE), "store": sid}
        )
        for i in range(orders):
            phone = f"+861380{s:02d}{i:05d}"
            people = customer(f"c{i}", phone=phone, when=created - timedelta(hours=1))
            events += [
                {**people, "store": sid},
                {**order(f"o{i}", created, cid=f"c{i}"), "store": sid},
            ]
    return events


def _seed(db_url: str, stores: int, orders: int) -> None:
    app = bootstrap.build(Settings(database_url=db_url), live=True)
    post(app, _day(stores, orders))
    app.close()


def _start(db_url: str, outbox: Path, rate: int, lease: float = 30.0) -> subprocess.Popen[bytes]:
    slow = {"slow": {"type": "file", "path": str(outbox), "rate": rate}}
    env = os.environ | {
        "TIDINGS_DATABASE_URL": db_url,
        "TIDINGS_PROVIDERS": json.dumps(slow),
        "TIDINGS_CHANNELS": json.dumps({"sms": "slow"}),
        "TIDINGS_LEASE_SECONDS": str(lease),
        "TIDINGS_POLL_SECONDS": "0.05",
    }
    command = [sys.executable, "-m", "tidings.entrypoints.cli", "worker"]
    log = outbox.with_suffix(f".{time.monotonic_ns()}.log")
    with log.open("wb") as err:
        proc = subprocess.Popen(command, env=env, stderr=err)
    proc.log = log  # type: ignore[attr-defined]
    return proc


def _wait_running(proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and proc.poll() is None:
        if b"is running" in proc.log.read_bytes():  # type: ignore[attr-defined]
            return
        time.sleep(0.02)
    raise AssertionError(f"the worker did not start: {proc.log.read_text()}")  # type: ignore[attr-defined]


def _accepted(db_url: str) -> int:
    engine = bootstrap.make_engine(db_url)
    d = tables.deliveries.c
    with engine.connect() as conn:
        n = conn.execute(select(func.count()).where(d.state == "accepted")).scalar()
    engine.dispose()
    return int(n or 0)


def _sent_ids(*outboxes: Path) -> list[str]:
    return [
        json.loads(line)["message_id"]
        for path in outboxes
        if path.exists()
        for line in path.read_text().splitlines()
    ]


def _stop(proc: subprocess.Popen[bytes]) -> None:
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(30) == 0


def test_workers_on_postgresql_share_the_work_and_send_each_message_once(pg_database, tmp_path):
    from conftest import _empty_pg

    _empty_pg(pg_database)
    bootstrap.upgrade_database(pg_database)
    outboxes = [tmp_path / f"w{i}.jsonl" for i in range(3)]
    workers = [_start(pg_database, path, rate=150) for path in outboxes]
    for proc in workers:
        _wait_running(proc)
    _seed(pg_database, stores=6, orders=100)  # 600 reminders fall due at once
    deadline = time.monotonic() + 90
    while _accepted(pg_database) < 600 and time.monotonic() < deadline:
        time.sleep(0.2)
    for proc in workers:
        _stop(proc)
    sent = _sent_ids(*outboxes)
    assert len(sent) == 600 and len(set(sent)) == 600, "each message sent once"
    by_worker = [len(_sent_ids(path)) for path in outboxes]
    assert sum(1 for n in by_worker if n) >= 2, f"the work was shared: {by_worker}"


def test_workers_killed_in_a_loop_lose_no_message(db_url, tmp_path, capsys):
    bootstrap.upgrade_database(db_url)
    _seed(db_url, stores=2, orders=200)  # 400 reminders, sent 100 a second: ~4 s of work
    outbox, kills = tmp_path / "outbox.jsonl", 0
    rng = random.Random(7)
    while _accepted(db_url) < 400 and kills < 40:
        proc = _start(db_url, outbox, rate=100, lease=1.0)
        _wait_running(proc)
        time.sleep(rng.uniform(0.2, 1.2))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        kills += 1
    last = _start(db_url, outbox, rate=100, lease=1.0)
    _wait_running(last)
    deadline = time.monotonic() + 60
    while _accepted(db_url) < 400 and time.monotonic() < deadline:
        time.sleep(0.2)
    _stop(last)
    sent = Counter(_sent_ids(outbox))
    assert len(sent) == 400 and _accepted(db_url) == 400, "no message lost"
    twice = sum(n - 1 for n in sent.values())
    assert twice <= kills * Settings().in_flight, "only what was in flight is sent twice"
    with capsys.disabled():
        kind = db_url.split(":")[0] if "://" in db_url else "sqlite"
        print(f"\nkill test ({kind}): {kills} kills, 400 messages, {twice} sent twice")
