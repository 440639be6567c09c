"""Which provider carries a delivery, under which sender, to whom, and how fast."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field

from tidings.domain.messages import Message
from tidings.domain.state import Store
from tidings.services.phones import to_e164


@dataclass(frozen=True)
class Routes:
    """Which provider carries each channel of a store, and the sender it shows."""

    default: Mapping[str, str] = field(default_factory=dict)  # channel -> provider
    stores: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    senders: Mapping[str, Mapping[str, str]] = field(default_factory=dict)  # store -> channel
    templated: Mapping[str, int] = field(default_factory=dict)  # provider -> variable limit

    def provider(self, store: str, channel: str) -> str:
        return self.stores.get(store, {}).get(channel) or self.default.get(channel) or "file"

    def sender(self, store: str, channel: str) -> str:
        return self.senders.get(store, {}).get(channel, "")

    def stores_of(self, provider: str, known: Sequence[str]) -> list[str]:
        """The stores among `known` whose SMS go through `provider`."""
        return [s for s in known if self.provider(s, "sms") == provider]


@dataclass
class RateLimit:
    """At most `rate` messages a second from this worker, and none before the slots that all
    workers share (`not_before`) allow."""

    rate: float
    monotonic: Callable[[], float]
    sleep: Callable[[float], None]
    _next: float = 0.0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def wait(self) -> None:
        with self._lock:  # tries handed over from several threads take slots one by one
            now = self.monotonic()
            start = max(now, self._next)
            self._next = start + 1 / self.rate
        if start > now:
            self.sleep(start - now)

    def not_before(self, seconds: float) -> None:
        """The next message waits `seconds` from now at least (another worker's slots)."""
        self._next = max(self._next, self.monotonic() + seconds)


def recipients(message: Message, store: Store) -> Iterator[tuple[str, str]]:
    """(channel, recipient) of each delivery of a message: an alert goes to every merchant
    contact, by SMS and by email; any other message to its own recipient."""
    if message.channel != "alert":
        if message.recipient:
            yield message.channel, message.recipient
        return
    for contact in store.merchant_contacts:
        phone = to_e164(contact.get("phone"), store.default_region)
        if phone:
            yield "sms", phone
        if contact.get("email"):
            yield "email", str(contact["email"])
