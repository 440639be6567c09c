"""Providers for tests of the layers above them: they record, fail on cue, or receipt."""

from __future__ import annotations

from collections.abc import Callable

from tidings.domain.delivery import Accepted, Outgoing, Receipt, Reply
from tidings.domain.errors import Permanent, Transient


class ScriptedProvider:
    """Takes every message, unless told to fail the next ones."""

    def __init__(self, name: str = "file") -> None:
        self.name = name
        self.sent: list[Outgoing] = []
        self.failures: list[Exception] = []
        self.inbound: list[Receipt | Reply] = []

    def fail_next(self, *errors: Exception) -> None:
        self.failures.extend(errors)

    def send(self, out: Outgoing) -> Accepted:
        if self.failures:
            raise self.failures.pop(0)
        self.sent.append(out)
        return Accepted((f"{self.name}-{len(self.sent)}",))

    def poll(self, handle: Callable[[Receipt | Reply], None]) -> None:
        while self.inbound:
            handle(self.inbound[0])
            self.inbound.pop(0)

    def close(self) -> None:
        pass


__all__ = ["Permanent", "ScriptedProvider", "Transient"]
