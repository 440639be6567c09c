"""One text's parts on their way over a bind: as many outstanding as the window lets, each
answer read in the order sent, matched to its part by sequence number.

A part taken goes to `taken`; a part throttled gives the window a halving and goes again
after backoff·2^k (up to `retries` times); a part whose session was lost goes again on a new
bind, once in a send. Once every part sent was answered, the worst error is raised (Permanent
before Transient): the parts taken meanwhile were all handed to `taken` first.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tidings.adapters.providers.smpp.session import Lost, Session
from tidings.adapters.providers.smpp.statuses import ROK, THROTTLED, describe, submit_refused
from tidings.adapters.providers.smpp.window import Window
from tidings.domain.errors import Permanent, ProviderError, Transient

log = logging.getLogger(__name__)
Part = tuple[int, dict[str, Any], int]  # index, submit_sm fields, throttled tries
Posted = tuple[int, dict[str, Any], int, Session, int]  # a part, its session and sequence


@dataclass(frozen=True)
class Link:
    """What a submission needs of its provider: the window, the session and how to pause."""

    window: Window
    session: Callable[[], Session]  # bound (again) if need be; Lost when unreachable
    drop: Callable[[Session | None], None]
    retries: int
    backoff: float
    sleep: Callable[[float], None]


@dataclass
class Submission:
    link: Link
    taken: Callable[[int, str], None]  # (part index, message id)
    queue: deque[Part] = field(default_factory=deque)
    pending: deque[Posted] = field(default_factory=deque)
    errors: list[ProviderError] = field(default_factory=list)
    rebound: bool = False

    def run(self, todo: list[tuple[int, dict[str, Any]]]) -> None:
        """Submit `todo` (index, fields); raise the worst error once all sent were answered."""
        self.queue.extend((i, fields, 0) for i, fields in todo)
        window = self.link.window
        while self.pending or (self.queue and not self.errors):
            if self.queue and not self.errors and window.take(wait=not self.pending):
                self._post()
            else:
                self._collect()
        if self.errors:
            raise min(self.errors, key=lambda e: not isinstance(e, Permanent))

    def _post(self) -> None:
        """Send the next part (its place in the window taken)."""
        part, session = self.queue.popleft(), None
        try:
            session = self.link.session()
            self.pending.append((*part, session, session.post(part[1])))
        except Lost as exc:
            self.link.window.give_back()
            self.link.drop(session)
            self._again(exc, part)
        except ProviderError as exc:  # a bind refused
            self.link.window.give_back()
            self.errors.append(exc)

    def _collect(self) -> None:
        """Read the answer to the oldest part outstanding."""
        index, fields, tries, session, sequence = self.pending.popleft()
        try:
            status, message_id = session.answer(sequence)
        except (Lost, Transient) as exc:
            self.link.window.give_back()
            self.link.drop(session)
            if isinstance(exc, Lost):
                self._again(exc, (index, fields, tries))
            else:
                self.errors.append(exc)
            return
        self._answered(status, (index, fields, tries))
        if status == ROK:
            self.taken(index, message_id)

    def _again(self, exc: Lost, part: Part) -> None:
        """A part whose session was lost goes again on a new bind, once in a send."""
        in_order = sorted([*self.queue, part], key=lambda p: p[0])
        self.queue.clear()
        self.queue.extend(in_order)
        if self.rebound:
            self.errors.append(Transient(f"SMPP: {exc} (tried twice)"))
        else:
            self.rebound = True
            log.warning("smpp session lost (%s): binding again", exc)

    def _answered(self, status: int, part: Part) -> None:
        """Give the part's place back, the window told how it went; a throttled part goes
        again after a pause."""
        throttled = status in THROTTLED
        self.link.window.give_back(taken=True if status == ROK else False if throttled else None)
        index, fields, tries = part
        if status == ROK:
            return
        if not throttled:
            self.errors.append(submit_refused(status))
        elif tries < self.link.retries:
            pause = self.link.backoff * 2**tries
            log.info("smpp %s: sending again in %.2f s", describe(status), pause)
            self.link.sleep(pause)
            self.queue.appendleft((index, fields, tries + 1))
        else:
            self.errors.append(Transient(
                f"the SMSC is still throttling after {tries + 1} tries: {describe(status)}"
            ))  # fmt: skip
