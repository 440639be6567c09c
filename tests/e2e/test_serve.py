"""`tidings serve` as a seller runs it: the API in the server's process, its worker in a process
of its own (the two use two cores), which goes when the server goes, however it goes."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from smsc import free_port

ROOT = Path(__file__).parents[2]
CLI = [sys.executable, "-m", "tidings.entrypoints.cli"]


def test_the_worker_of_serve_sends_what_the_api_took_in_and_goes_with_the_server(db_url, tmp_path):
    env = os.environ | {"TIDINGS_DATABASE_URL": db_url, "TIDINGS_OUTBOX": str(tmp_path / "o")}
    made = subprocess.run([*CLI, "keys", "create", "--store", "acme"], env=env,
                          capture_output=True, text=True, check=True)  # fmt: skip
    key = made.stdout.strip().splitlines()[-1]
    today = subprocess.run([sys.executable, str(ROOT / "examples" / "now.py"),
                            str(ROOT / "examples" / "acme-day.jsonl")],
                           capture_output=True, text=True, check=True).stdout  # fmt: skip
    port = free_port()
    server = _serve(env, port)
    try:
        (worker,) = _children(server.pid)
        answer = httpx.post(f"http://127.0.0.1:{port}/v1/events", content=today.encode(),
                            headers={"Authorization": f"Bearer {key}",
                                     "Content-Type": "application/x-ndjson"})  # fmt: skip
        assert answer.json()["accepted"] == len(today.splitlines())
        sent = _lines(tmp_path / "o")  # the replies to the shoppers' texts go at any hour
        assert {m["store"] for m in sent} == {"acme"} and len(sent) >= 2
        server.kill()  # no word to the worker: it sees the server's end of their pipe close
        server.communicate(timeout=10)
        _gone(worker)
    finally:
        server.kill()
        server.communicate(timeout=10)

    again = _serve(env, port)
    (worker,) = _children(again.pid)
    os.kill(worker, signal.SIGKILL)  # ended unasked (for memory, say): the server starts another
    _gone(worker)
    worker = _another(again.pid, worker)
    for _ in range(2):  # told to stop (twice, the whole group: a terminal's Ctrl-C, systemd),
        os.killpg(again.pid, signal.SIGTERM)  # the server stops its worker, then itself
    log, _ = again.communicate(timeout=40)
    assert again.returncode == -signal.SIGTERM and "Finished server process" in log  # uvicorn's way
    assert "the worker ended (exit code -9); starting another" in log
    _gone(worker)


def _serve(env: dict[str, str], port: int) -> subprocess.Popen[str]:
    command = [*CLI, "serve", "--port", str(port)]
    server = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              text=True, start_new_session=True)  # fmt: skip
    assert server.stdout is not None
    for line in server.stdout:  # until the worker says it runs (or the command fails)
        if "is running" in line:
            return server
    raise AssertionError(f"tidings serve ended with {server.wait()}")


def _children(pid: int) -> list[int]:
    """The processes `pid` started that run tidings (not multiprocessing's semaphore keeper)."""
    out = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text().rpartition(")")[2].split()
            command = (entry / "cmdline").read_bytes()
        except (FileNotFoundError, ProcessLookupError):  # ended meanwhile
            continue
        if int(stat[1]) == pid and b"spawn_main" in command:
            out.append(int(entry.name))
    return out


def _another(pid: int, gone: int) -> int:
    for _ in range(150):
        found = [child for child in _children(pid) if child != gone]
        if found:
            return found[0]
        time.sleep(0.1)
    raise AssertionError("no worker started again in 15 s")


def _lines(path: Path) -> list[dict[str, str]]:
    for _ in range(200):
        if path.exists() and path.read_text().count("\n") >= 2:
            return [json.loads(line) for line in path.read_text().splitlines()]
        time.sleep(0.1)
    raise AssertionError("the worker sent nothing in 20 s")


def _gone(pid: int) -> None:
    for _ in range(100):
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
        except FileNotFoundError:
            return
        if state == "Z":  # ended, not yet reaped by whoever adopted it
            return
        time.sleep(0.1)
    raise AssertionError(f"the worker {pid} still runs")
