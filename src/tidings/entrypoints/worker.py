"""`tidings worker`, and the worker `tidings serve` starts beside its API: rounds until told to
stop."""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import signal
import sys
import threading
from collections.abc import Callable
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from tidings import bootstrap
from tidings.config import Settings
from tidings.services.live import Worker

log = logging.getLogger(__name__)


def run(worker: Worker, stop: threading.Event, wake: threading.Event, poll: float) -> None:
    """Run rounds until `stop` is set; idle, wait `poll` seconds or until `wake` is set."""
    while not stop.is_set():
        try:
            busy = worker.round()
        except Exception:  # a database restart, a provider's bug: log, wait, go on
            log.exception("worker round failed")
            busy = 0
            stop.wait(min(5.0, poll * 10))
        if not busy:
            wake.wait(poll)
            wake.clear()


def halter(stop: threading.Event, wake: threading.Event) -> Callable[[int, Any], None]:
    """A signal handler that stops the worker. It sets the events from a thread of its own: a
    handler runs in the main thread, which the signal may have found inside `wake.wait()` or
    `set()` holding the event's lock (a second SIGTERM, say), and the lock is not reentrant."""

    def halt(*_: Any) -> None:
        threading.Thread(target=_set, args=(stop, wake), daemon=True).start()

    return halt


def until_stopped(
    settings: Settings, journeys: Path | None, stop: threading.Event, wake: threading.Event
) -> None:
    """A worker over `settings`' database until `stop` is set, or SIGTERM or SIGINT come."""
    halt = halter(stop, wake)
    signal.signal(signal.SIGTERM, halt)
    signal.signal(signal.SIGINT, halt)
    app = bootstrap.build(settings, journeys=journeys, live=True)
    app.wakeup = wake  # what this process itself wakes its worker with
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    owner = app.dispatcher.owner
    print(f"tidings: worker {owner} is running (stop it with SIGTERM)", file=sys.stderr, flush=True)
    try:
        run(app.worker(), stop, wake, settings.poll_seconds)
    finally:
        app.close()


class Beside:
    """`tidings serve`'s worker, in a process of its own (the API and the worker each have a
    core and an interpreter). The server wakes it with a byte down a pipe and stops it by
    closing the pipe; a server that is killed closes it too. No lock is shared: a process killed
    at any moment leaves none held. A worker that ends unasked (killed for memory, say) is
    started again, on a pipe of its own, at the next `watch`."""

    def __init__(self, app: bootstrap.App) -> None:
        self.app = app
        self.processes = multiprocessing.get_context("spawn")  # no copy of the server's threads
        self.waker = Waker()
        self.stopping = False
        app.wakeup = self.waker
        self.process = self._start()

    def _start(self) -> multiprocessing.process.BaseProcess:
        reader, writer = self.processes.Pipe(duplex=False)
        process = self.processes.Process(
            target=_beside,
            args=(self.app.settings, self.app.journeys, reader),
            name="tidings-worker",
        )
        process.start()
        reader.close()  # the worker's end only: at the server's end's close, it reads the end
        self.waker.to(writer)
        return process

    def watch(self) -> None:
        if not self.process.is_alive() and not self.stopping:
            log.error("the worker ended (exit code %s); starting another", self.process.exitcode)
            self.process = self._start()

    def close(self) -> None:
        self.stopping = True
        self.waker.close()  # the worker ends its round and stops
        self.process.join(30)
        if self.process.is_alive():
            self.process.kill()  # it records each delivery it hands over: nothing is lost, at
            self.process.join()  # most TIDINGS_IN_FLIGHT messages go twice


class Waker:
    """The server's end of its worker's pipe: `set` sends a byte, and never waits (a full pipe
    holds wakeups enough; a worker gone is started again with a new pipe)."""

    def __init__(self) -> None:
        self._writer: Connection | None = None
        self._lock = threading.Lock()

    def to(self, writer: Connection) -> None:
        os.set_blocking(writer.fileno(), False)
        with self._lock:
            if self._writer is not None:
                self._writer.close()
            self._writer = writer

    def set(self) -> None:
        with self._lock:
            if self._writer is None:
                return
            # full (the worker has wakeups waiting) or the worker gone: nothing to do
            with contextlib.suppress(OSError):
                self._writer.send_bytes(b"w")  # one write of 5 bytes: all of it or nothing

    def close(self) -> None:
        with self._lock:
            if self._writer is not None:
                self._writer.close()
            self._writer = None


def _beside(settings: Settings, journeys: Path | None, reader: Connection) -> None:
    """The worker process of `Beside`: woken by each byte of the server's, stopped at the end
    of its pipe (closed by the server, or by its death), or by SIGTERM."""
    stop, wake = threading.Event(), threading.Event()
    threading.Thread(target=_listen, args=(reader, stop, wake), daemon=True).start()
    until_stopped(settings, journeys, stop, wake)


def _listen(reader: Connection, stop: threading.Event, wake: threading.Event) -> None:
    try:
        while True:
            reader.recv_bytes()
            wake.set()
    except (EOFError, OSError):
        _set(stop, wake)


def _set(*flags: threading.Event) -> None:
    for flag in flags:
        flag.set()
