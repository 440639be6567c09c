"""A worker's SIGTERM handler takes no lock in the main thread: the signal may come while that
thread is inside `wake.wait()` or `set()`, holding the event's lock (which is not reentrant).
A worker that got two SIGTERMs at once so waited for ever."""

from __future__ import annotations

import signal
import threading

from tidings.entrypoints.worker import halter


def test_a_signal_that_finds_the_wakeup_locked_still_stops_the_worker():
    stop, wake = threading.Event(), threading.Event()
    halt = halter(stop, wake)

    def main_thread() -> None:  # where the handler runs, inside the event's own lock
        with wake._cond:  # type: ignore[attr-defined]
            halt(signal.SIGTERM, None)

    interrupted = threading.Thread(target=main_thread, daemon=True)
    interrupted.start()
    interrupted.join(5)
    assert not interrupted.is_alive()
    assert stop.wait(5) and wake.wait(5)
