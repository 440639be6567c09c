"""`tidings worker` (and the worker inside `tidings serve`): rounds until told to stop."""

from __future__ import annotations

import logging
import threading

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
