"""A small in-process limit on requests: per client address on the shoppers' link route, per
API key on the API.

One rule: a client (an address, a key) gets at most `limit` requests in each `window`, counted
from its first request in that window; past it, it waits until the window ends (HTTP 429 with
`Retry-After`). Time is given by the caller, so a test moves it by hand.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta


@dataclass
class Throttle:
    limit: int = 60
    window: timedelta = timedelta(minutes=1)
    most_clients: int = 100_000  # past it, clients whose window ended are forgotten first
    _seen: dict[str, tuple[datetime, int]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def wait(self, client: str, now: datetime) -> int:
        """Seconds `client` must wait before its request is served; 0: serve it (and count it)."""
        with self._lock:
            start, count = self._seen.get(client, (now, 0))
            if now >= start + self.window or now < start:  # a new window (or the clock went back)
                start, count = now, 0
            if count >= self.limit:
                return max(1, math.ceil((start + self.window - now).total_seconds()))
            self._forget(now)
            self._seen[client] = (start, count + 1)
            return 0

    def _forget(self, now: datetime) -> None:
        """Keep memory bounded: drop ended windows, then the oldest clients, when too many."""
        if len(self._seen) < self.most_clients:
            return
        ended = [c for c, (start, _) in self._seen.items() if now >= start + self.window]
        for client in ended:
            del self._seen[client]
        while len(self._seen) >= self.most_clients:
            del self._seen[next(iter(self._seen))]
