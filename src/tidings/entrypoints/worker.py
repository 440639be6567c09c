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


def beside(settings: Settings, journeys: Path | None, stop: Flag, wake: Flag) -> None:
    """`tidings serve`'s worker, in a process of its own (the API and the worker each have a
    core and an interpreter): it stops when told to, or when the server's process is gone."""
    parent = multiprocessing.parent_process()
    if parent is not None:  # killed, the server cannot tell us: its end of the pipe tells
        threading.Thread(target=_orphaned, args=(parent.sentinel, stop, wake), daemon=True).start()
    until_stopped(settings, journeys, stop, wake)


def _orphaned(sentinel: int, stop: Flag, wake: Flag) -> None:
    wait([sentinel])
    stop.set()
    wake.set()
