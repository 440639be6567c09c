"""How many submit_sm may be outstanding on one bind: the window.

It starts at `most` (the setting). A throttle (ESME_RTHROTTLED, ESME_RMSGQFUL) halves it, down
to one; each run of as many parts taken in a row as the window is wide widens it by one, back
up to `most`. Threads take a place before they write a submit_sm and give it back once its
response came (or never will).
"""

from __future__ import annotations

import threading

DEFAULT_WINDOW = 10


class Window:
    """Places for outstanding submit_sm; one Window per bind, shared by the threads sending."""

    def __init__(self, most: int = DEFAULT_WINDOW) -> None:
        if most < 1:
            raise ValueError(f"an SMPP window is at least 1, not {most}")
        self.most = most
        self.size = most
        self.open = 0  # places taken
        self.widest_open = 0  # the most places ever taken at once
        self._streak = 0
        self._changed = threading.Condition()

    def take(self, wait: bool = True) -> bool:
        """Take a place, waiting for one when `wait`; False when none was free (no wait)."""
        with self._changed:
            if not wait and self.open >= self.size:
                return False
            self._changed.wait_for(lambda: self.open < self.size)
            self.open += 1
            self.widest_open = max(self.widest_open, self.open)
            return True

    def give_back(self, *, taken: bool | None = None) -> None:
        """Give a place back; `taken`: the part was taken (True) or throttled (False)."""
        with self._changed:
            self.open -= 1
            if taken is True:
                self._widen()
            elif taken is False:
                self.size, self._streak = max(1, self.size // 2), 0
            self._changed.notify_all()

    def _widen(self) -> None:
        self._streak += 1
        if self._streak >= self.size and self.size < self.most:
            self.size, self._streak = self.size + 1, 0
