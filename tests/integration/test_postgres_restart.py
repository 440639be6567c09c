"""A PostgreSQL server restarted under a running worker: the worker reconnects and loses
nothing. The server is a private one, made for this test in a temporary folder on a port
of its own (the machine's shared server is never restarted)."""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from sqlalchemy import select

from fakes_providers import ScriptedProvider
from helpers import Clock, at, customer, live, order, post, shipped, store
from tidings import bootstrap
from tidings.adapters.db import tables as t
from tidings.domain.delivery import Accepted, Outgoing
from tidings.entrypoints import worker as worker_loop

pytestmark = pytest.mark.slow
WAIT = 60.0  # seconds, at most, for the worker to get somewhere (it takes well under one)


class PrivateServer:
    """A PostgreSQL cluster of the test's own: initdb, pg_ctl start, restart and stop."""

    def __init__(self, bin_dir: Path, folder: Path) -> None:
        self.bin, self.data, self.port = bin_dir, folder / "data", _free_port()
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/tidings"
        self.options = f"-p {self.port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off"
        self.log = folder / "server.log"

    def run(self, *args: str, check: bool = True) -> None:
        command = [str(self.bin / args[0]), *args[1:]]
        if os.geteuid() == 0:  # initdb refuses root
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=check, capture_output=True, timeout=120)

    def pg_ctl(self, action: str, *more: str, check: bool = True) -> None:
        self.run("pg_ctl", action, "-D", str(self.data), "-o", self.options, "-l", str(self.log),
                 "-w", *more, check=check)  # fmt: skip


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def server() -> Iterator[PrivateServer]:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    if not found:
        if os.environ.get("CI") == "true":
            pytest.fail("PostgreSQL's initdb/pg_ctl are required under CI=true")
        pytest.skip("no PostgreSQL binaries in /usr/lib/postgresql/*/bin")
    folder = Path(tempfile.mkdtemp(prefix="tidings-pg-"))
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres", "postgres")
    pg = PrivateServer(Path(found[-1]).parent, folder)
    pg.run("initdb", "-D", str(pg.data), "-A", "trust", "-U", "postgres", "--no-sync")
    pg.pg_ctl("start")
    try:
        with psycopg.connect(pg.url.replace("/tidings", "/postgres"), autocommit=True) as admin:
            admin.execute("CREATE DATABASE tidings")
        bootstrap.upgrade_database(pg.url)
        yield pg
    finally:
        pg.pg_ctl("stop", "-m", "immediate", check=False)  # a failed test may have left it down
        shutil.rmtree(folder, ignore_errors=True)


class CountingProvider(ScriptedProvider):
    """Takes every message, and lets the test wait until it has taken `n`."""

    def __init__(self) -> None:
        super().__init__()
        self.taken = threading.Condition()

    def send(self, out: Outgoing) -> Accepted:
        with self.taken:
            accepted = super().send(out)
            self.taken.notify_all()
            return accepted

    def wait_for(self, n: int) -> None:
        with self.taken:
            assert self.taken.wait_for(lambda: len(self.sent) >= n, timeout=WAIT), self.sent


def _shipments(first: int, last: int) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for i in range(first, last):
        out.append(customer(f"c{i}", phone=f"+86138001380{i:02d}", when=at(-23)))
        out.append(order(f"o{i}", at(9), cid=f"c{i}", status="paid"))
        out.append(shipped(f"o{i}", f"s{i}", at(10)))
    return out


def _accepted(app: Any) -> list[str]:
    d = t.deliveries.c
    with app.db.connect() as conn:
        query = select(d.recipient).where(d.state == "accepted").order_by(d.recipient)
        return list(conn.execute(query).scalars())


def _wait_accepted(app: Any, n: int) -> None:
    pause = threading.Event()
    for _ in range(int(WAIT / 0.05)):  # the recorder writes in a thread of its own
        if len(_accepted(app)) >= n:
            return
        pause.wait(0.05)
    raise AssertionError(f"only {_accepted(app)} recorded")


@pytest.mark.logs_errors  # rounds that ran while the server was down
def test_a_worker_reconnects_after_the_server_restarts_and_loses_nothing(server) -> None:
    provider = CountingProvider()
    app = live(server.url, Clock(at(10)), {"file": provider}, poll_seconds=0.02)
    stop = threading.Event()
    running = threading.Thread(
        target=worker_loop.run, args=(app.worker(), stop, app.wakeup, 0.02), daemon=True
    )
    running.start()
    try:
        post(app, [store(), *_shipments(0, 3)])
        app.wake()
        provider.wait_for(3)
        _wait_accepted(app, 3)

        server.pg_ctl("restart", "-m", "fast")  # every connection of the worker is cut
        post(app, _shipments(3, 6))
        app.wake()
        provider.wait_for(6)
        _wait_accepted(app, 6)
    finally:
        stop.set()
        app.wake()
        running.join(timeout=WAIT)
    phones = [f"+86138001380{i:02d}" for i in range(6)]
    assert not running.is_alive()
    assert sorted(out.to for out in provider.sent) == phones  # each once
    assert _accepted(app) == phones
    app.close()


class StoppingProvider(ScriptedProvider):
    """Takes a message, and stops the server before it answers: the acceptance comes while
    the database is gone."""

    def __init__(self, server: PrivateServer) -> None:
        super().__init__()
        self.server = server

    def send(self, out: Outgoing) -> Accepted:
        self.server.pg_ctl("stop", "-m", "fast")
        return super().send(out)


@pytest.mark.logs_errors  # the tries to record while the server was down
def test_an_acceptance_that_comes_while_the_server_is_down_is_recorded_once_it_is_back(
    server,
) -> None:
    provider = StoppingProvider(server)
    app = live(server.url, Clock(at(10)), {"file": provider})
    waits: list[float] = []

    def pause(seconds: float) -> None:  # the recorder waits; meanwhile the server comes back
        waits.append(seconds)
        if len(waits) == 2:
            server.pg_ctl("start")

    app.dispatcher.pause = pause
    post(app, [store(), *_shipments(0, 1)])

    app.worker().round()

    assert [out.to for out in provider.sent] == ["+8613800138000"]
    assert _accepted(app) == ["+8613800138000"]  # not left `sending`, to go again later
    assert waits == [0.1, 0.2]  # it waited longer each time
    app.close()
