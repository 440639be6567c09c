"""`tidings worker`, and the worker `tidings serve` starts beside its API: rounds until told to
stop."""

from __future__ import annotations

import logging
import multiprocessing
import signal
import sys
import threading
from multiprocessing.connection import wait
from pathlib import Path
from typing import Any

from tidings import bootstrap
from tidings.bootstrap import Flag
from tidings.config import Settings
from tidings.services.live import Worker

log = logging.getLogger(__name__)


def run(worker: Worker, stop: Flag, wake: Flag, poll: float) -> None:
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


def until_stopped(settings: Settings, journeys: Path | None, stop: Flag, wake: Flag) -> None:
    """A worker over `settings`' database until `stop` is set, or SIGTERM or SIGINT come."""

    def halt(*_: Any) -> None:
        stop.set()
        wake.set()

    signal.signal(signal.SIGTERM, halt)
    signal.signal(signal.SIGINT, halt)
    app = bootstrap.build(settings, journeys=journeys, live=True)
    app.wakeup = wake  # the API of `tidings serve` sets it when events come in
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    owner = app.dispatcher.owner
    print(f"tidings: worker {owner} is running (stop it with SIGTERM)", file=sys.stderr, flush=True)
    try:
        run(app.worker(), stop, wake, settings.poll_seconds)
    finally:
        app.close()


class Beside:
    """`tidings serve`'s worker, in a process of its own (the API and the worker each have a
    core and an interpreter), sharing the server's wakeup; one that ends unasked (killed for
    memory, say) is started again at the next `watch`."""

    def __init__(self, app: bootstrap.App) -> None:
        self.app = app
        self.processes = multiprocessing.get_context("spawn")  # no copy of the server's threads
        self.stop = self.processes.Event()
        app.wakeup = self.processes.Event()
        self.process = self._start()

    def _start(self) -> multiprocessing.process.BaseProcess:
        app = self.app
        process = self.processes.Process(
            target=_beside,
            args=(app.settings, app.journeys, self.stop, app.wakeup),
            name="tidings-worker",
        )
        process.start()
        return process

    def watch(self) -> None:
        if not self.process.is_alive() and not self.stop.is_set():
            log.error("the worker ended (exit code %s); starting another", self.process.exitcode)
            self.process = self._start()

    def close(self) -> None:
        self.stop.set()
        self.app.wakeup.set()
        self.process.join(30)
        if self.process.is_alive():
            self.process.kill()  # it records each delivery it hands over: nothing is lost, at
            self.process.join()  # most TIDINGS_IN_FLIGHT messages go twice


def _beside(settings: Settings, journeys: Path | None, stop: Flag, wake: Flag) -> None:
    """The worker process of `Beside`: it stops when told to, or when the server is gone."""
    parent = multiprocessing.parent_process()
    if parent is not None:  # killed, the server cannot tell us: its end of the pipe tells
        threading.Thread(target=_orphaned, args=(parent.sentinel, stop, wake), daemon=True).start()
    until_stopped(settings, journeys, stop, wake)


def _orphaned(sentinel: int, stop: Flag, wake: Flag) -> None:
    wait([sentinel])
    stop.set()
    wake.set()
