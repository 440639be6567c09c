"""What the SMPP provider keeps across restarts, behind one port: the parts of a long text the
SMSC took (so that sending the message again sends only the rest), and the parts of a
shopper's long reply acknowledged to the SMSC (which it will not deliver again).

`MemoryParts` keeps them in memory (a provider without a database: tests, the bench); the live
worker's provider gets `adapters/db/smpp_parts.SqlSmppParts` from bootstrap. A part is kept
before the SMSC hears it arrived, and a long text's parts are forgotten once all were taken or
the message failed for good.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

Sending = tuple[str, str, str]  # store, message id, recipient
ReplyKey = tuple[str, str, int, int]  # sender, to, reference, total
KEPT_FOR_DAYS = 7  # parts taken of a message never sent again are forgotten after that


@dataclass(frozen=True, slots=True)
class Taken:
    """The parts of one long text the SMSC took: by their index, its message ids."""

    source: str
    digest: str  # of the text: another text under the same message id goes whole
    ref: int  # the concatenation reference the parts went under
    refs: dict[int, str]


@dataclass(frozen=True, slots=True)
class ReplyPart:
    key: ReplyKey
    seq: int
    data: bytes
    coding: int
    at: datetime  # when it came


class PartsKept(Protocol):
    def taken(self, key: Sending) -> Taken | None: ...

    def take(self, key: Sending, taken: Taken, index: int, at: datetime) -> None:
        """Part `index` of the text (its message id in `taken.refs`) was taken."""
        ...

    def sent(self, key: Sending) -> None:
        """Forget the parts of `key`: all were taken, or the message failed for good."""
        ...

    def forget_taken(self, before: datetime) -> None: ...

    def reply_parts(self) -> list[ReplyPart]:
        """The parts kept of replies not yet handed over."""
        ...

    def handed(self) -> list[tuple[ReplyKey, datetime]]:
        """The replies handed over and still remembered, with when."""
        ...

    def keep_part(self, part: ReplyPart) -> None: ...

    def drop_parts(self, key: ReplyKey, seq: int | None = None) -> None:
        """Forget part `seq` of the reply of `key`, or every part of it."""
        ...

    def hand(self, key: ReplyKey, at: datetime) -> None:
        """The reply of `key` was handed over: its parts go, the fact is remembered."""
        ...

    def forget_handed(self, before: datetime) -> None: ...


class MemoryParts:
    """`PartsKept` in memory: what a provider without a database keeps (lost with it)."""

    def __init__(self) -> None:
        self._taken: dict[Sending, tuple[Taken, datetime]] = {}
        self._parts: dict[tuple[ReplyKey, int], ReplyPart] = {}
        self._handed: dict[ReplyKey, datetime] = {}

    def taken(self, key: Sending) -> Taken | None:
        found = self._taken.get(key)
        return found[0] if found else None

    def take(self, key: Sending, taken: Taken, index: int, at: datetime) -> None:
        self._taken[key] = (taken, at)

    def sent(self, key: Sending) -> None:
        self._taken.pop(key, None)

    def forget_taken(self, before: datetime) -> None:
        for key in [k for k, (_, at) in self._taken.items() if at < before]:
            del self._taken[key]

    def reply_parts(self) -> list[ReplyPart]:
        return list(self._parts.values())

    def handed(self) -> list[tuple[ReplyKey, datetime]]:
        return list(self._handed.items())

    def keep_part(self, part: ReplyPart) -> None:
        self._parts[(part.key, part.seq)] = part

    def drop_parts(self, key: ReplyKey, seq: int | None = None) -> None:
        for found in [k for k in self._parts if k[0] == key and seq in (None, k[1])]:
            del self._parts[found]

    def hand(self, key: ReplyKey, at: datetime) -> None:
        self.drop_parts(key)
        self._handed[key] = at

    def forget_handed(self, before: datetime) -> None:
        for key in [k for k, at in self._handed.items() if at < before]:
            del self._handed[key]
