"""PostgreSQL restarted under a running API: the API reconnects by itself; while the server is
down it answers 503 with Retry-After (and /readyz names the database); no event it
acknowledged is lost, and one it refused is taken when sent again.

The test runs a private PostgreSQL server of its own (initdb and pg_ctl in a temporary
folder, on a spare port), so stopping it disturbs nobody else's tests. Without the server's
programs it skips, except under CI=true, where it fails.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from helpers import Clock, at, customer, live, store
from tidings.adapters.db import tables
from tidings.entrypoints.api.app import create_app


class PrivateServer:
    """A PostgreSQL server in `folder`, listening on 127.0.0.1:`port`, run as `postgres`."""

    def __init__(self, bin_dir: Path, folder: Path) -> None:
        self.bin, self.folder = bin_dir, folder
        self.data, self.port = folder / "data", _free_port()
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def run(self, program: str, *args: str) -> None:
        command = [str(self.bin / program), *args]
        if os.geteuid() == 0:  # initdb refuses root
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, capture_output=True, timeout=120)

    def init(self) -> None:
        self.run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync")

    def start(self) -> None:
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off"
        log = str(self.folder / "server.log")
        self.run("pg_ctl", "-D", str(self.data), "-o", options, "-l", log, "-w", "start")

    def stop(self) -> None:
        self.run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _programs() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    runs_as_postgres = os.geteuid() != 0 or shutil.which("runuser") is not None
    return Path(found[-1]).parent if found and runs_as_postgres else None


@pytest.fixture
def server() -> Iterator[PrivateServer]:
    programs = _programs()
    if programs is None:
        if os.environ.get("CI") == "true":
            pytest.fail("PostgreSQL's initdb and pg_ctl are required under CI=true")
        pytest.skip("no /usr/lib/postgresql/*/bin/initdb (or no runuser to run it as postgres)")
    folder = Path(tempfile.mkdtemp(prefix="tidings-pg-"))  # pytest's own is root's alone
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres")
    running = PrivateServer(programs, folder)
    try:
        running.init()
        running.start()
        yield running
    finally:
        with contextlib.suppress(subprocess.CalledProcessError):
            running.stop()  # unless stopped already
        shutil.rmtree(folder, ignore_errors=True)


def _customers(first: int, count: int) -> list[dict]:
    return [customer(f"c{n}", when=at(9)) for n in range(first, first + count)]


def test_the_api_rides_out_a_database_restart_and_loses_no_acknowledged_event(server):
    app = live(server.url, Clock(at(10)))
    auth = {"X-Api-Key": app.create_key("acme")}
    before, during = [store(), *_customers(0, 20)], _customers(20, 20)
    with TestClient(create_app(app)) as client:
        assert client.post("/v1/events", json=before, headers=auth).json()["accepted"] == 21

        server.stop()
        server.start()  # a restart between two requests: the next one reconnects by itself
        assert client.get("/v1/alerts", headers=auth).status_code == 200

        server.stop()  # down: nothing is taken, and the caller is told when to come back
        refused = client.post("/v1/events", json=during, headers=auth)
        assert refused.status_code == 503 and refused.headers["Retry-After"] == "5"
        assert refused.json()["error"]["code"] == "unavailable"
        assert (
            client.get("/readyz")
            .json()["error"]["checks"]["database"]
            .startswith("cannot be reached")
        )
        assert client.get("/healthz").status_code == 200

        server.start()
        assert client.get("/readyz").status_code == 200
        again = client.post("/v1/events", json=during, headers=auth).json()
        assert (again["accepted"], again["duplicate"]) == (20, 0)
        once_more = client.post("/v1/events", json=before, headers=auth).json()
        assert (once_more["accepted"], once_more["duplicate"]) == (0, 21)
    with app.db.connect() as conn:
        kept = set(conn.execute(select(tables.events.c.event_id)).scalars())
    app.close()
    assert kept == {e["id"] for e in before + during}
