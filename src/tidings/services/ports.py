"""The ports the services need; adapters implement them, tests fake them."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from types import TracebackType
from typing import Any, Protocol

from tidings.domain.connectors import Credentials, StoreFacts
from tidings.domain.delivery import Accepted, Claim, Outcome, Outgoing, Receipt, Reply
from tidings.domain.events import Event, EventRecord
from tidings.domain.messages import Message
from tidings.domain.provider_templates import ProviderTemplate
from tidings.domain.state import Alert, DeliveryReceipt
from tidings.services.world import Found, Keys, Sent, World

Key3 = tuple[str, str, str]  # a delivery: store, message, recipient


class Clock(Protocol):
    def now(self) -> datetime: ...


class Renderer(Protocol):
    def render(self, template: str, context: Mapping[str, Any]) -> str: ...


class Provider(Protocol):
    """A channel provider (SMPP, HTTP SMS, SMTP, a file): one adapter each.

    `send` hands over one message: it returns what the provider accepted, or raises
    `Transient` (worth trying again later) or `Permanent` (fail the message with this reason).
    `poll` hands each receipt and reply that came in since the last call to `handle`, and
    acknowledges it to the provider only once `handle` returned (a provider whose receipts come
    by webhook has nothing to poll).

    A provider whose `send` may be called from several threads at once says how many in
    `concurrent` (an SMPP bind: its window); without it, one at a time.
    """

    name: str

    def send(self, out: Outgoing) -> Accepted: ...

    def poll(self, handle: Callable[[Receipt | Reply], None]) -> None: ...

    def close(self) -> None: ...


class EventLog(Protocol):
    def add(
        self,
        events: Sequence[Event | EventRecord],
        received_at: datetime | None,
        run: str | None = None,
    ) -> set[tuple[str, str]]:
        """Store events (received at their own time when None); return the new (store, id)."""
        ...

    def of_run(
        self,
        run: str,
        after: tuple[datetime, str, str] | None,
        limit: int,
        until: datetime,
        types: set[str],
    ) -> list[Event]:
        """The next events of `types` that run `run` stored, in sorted order, up to `until`."""
        ...

    def count_after(self, run: str, until: datetime) -> int: ...


class Inbox(Protocol):
    """Events stored and not yet run by a worker (the live service)."""

    def add(self, events: Sequence[Event | EventRecord]) -> None: ...

    def stores(self) -> list[str]:
        """The stores with events waiting."""
        ...

    def take(self, stores: Sequence[str], limit: int) -> list[Event]:
        """The oldest `limit` waiting events of each of `stores`, no longer waiting."""
        ...


class Deliveries(Protocol):
    def add(self, claims: Sequence[Claim], owner: str, lease_until: datetime) -> None:
        """New deliveries, held by `owner` until `lease_until`."""
        ...

    def claim(self, now: datetime, owner: str, lease_until: datetime, limit: int) -> list[Claim]:
        """Deliveries due again (a retry, a lease run out), now held by `owner`."""
        ...

    def record(self, outcomes: Sequence[Outcome], owner: str) -> list[tuple[str, str]]:
        """What came of each try, where `owner` still holds the lease; the (provider, ref)
        of the acceptances recorded."""
        ...

    def renew(self, claims: Sequence[Claim], owner: str, until: datetime) -> set[Key3]:
        """Hold these deliveries on until `until`; the keys of those `owner` still held."""
        ...

    def reserve(self, provider: str, span: timedelta, now: datetime) -> datetime:
        """The start of `span` of the provider's time, after every slot reserved before."""
        ...

    def defer(self, provider: str, until: datetime) -> None:
        """Every delivery waiting to be tried again with `provider` waits until `until`."""
        ...

    def wait(self, receipt: Receipt) -> None:
        """Keep a receipt whose acceptance is not recorded yet."""
        ...

    def waiting(self, refs: Sequence[tuple[str, str]]) -> list[Receipt]:
        """The kept receipts of these (provider, ref), no longer kept."""
        ...

    def forget_waiting(self, before: datetime) -> int:
        """Forget the kept receipts that came before `before`; how many there were."""
        ...

    def apply_receipts(self, receipts: Sequence[DeliveryReceipt]) -> None: ...

    def locate(self, provider: str, refs: Iterable[str]) -> dict[str, tuple[str, str]]:
        """ref -> (store, message id) of the messages `provider` took under these refs."""
        ...

    def last_store(self, provider: str, stores: Sequence[str], recipient: str) -> str | None:
        """Of `stores`, the one that last sent `recipient` a message through `provider`."""
        ...


@dataclass(frozen=True)
class MessageFilter:
    """Which messages a listing shows."""

    journey: str | None = None
    status: str | None = None  # pending, sent, suppressed, or a delivery state (delivered …)
    reason: str | None = None
    customer: str | None = None
    since: datetime | None = None  # due at or after
    until: datetime | None = None  # due before


class ReadModel(Protocol):
    """The read side of the API."""

    def messages(
        self, store: str, where: MessageFilter, after: tuple[datetime, str] | None, limit: int
    ) -> list[Message]: ...

    def deliveries(
        self, store: str, messages: Sequence[str]
    ) -> dict[str, list[dict[str, Any]]]: ...

    def of_customer(self, store: str, customer: str, limit: int) -> list[Message]: ...

    def alerts(
        self, store: str, state: str | None, limit: int
    ) -> list[tuple[Alert, str | None]]: ...

    def set_alert(self, store: str, message_id: str, state: str, at: datetime) -> bool: ...

    def links(self, token: str) -> list[tuple[str, str, str]]: ...

    def base_urls(self, host: str) -> dict[str, str]: ...

    def message(self, message_id: str) -> Message | None: ...


class Retention(Protocol):
    def forget(self, store: str, before: datetime) -> dict[str, int]: ...


class Privacy(Protocol):
    def erase_customer(self, store: str, customer: str, at: datetime) -> dict[str, int]: ...

    def messages_to(self, store: str, customer: str) -> list[str]: ...

    def alerts_about(self, store: str, customer: str) -> list[tuple[str, str, str, str]]: ...

    def replace_alert_texts(self, store: str, message_ids: Collection[str]) -> int: ...

    def replace_their_words(self, store: str, customer: str) -> dict[str, int]: ...

    def events_of(
        self, store: str, customer: str, types: Sequence[str]
    ) -> list[tuple[str, str]]: ...

    def replies(self, store: str) -> list[tuple[str, str]]: ...

    def rewrite_event(self, store: str, event_id: str, payload: str) -> None: ...


class ProviderTemplates(Protocol):
    """A store's approved templates at template-based providers, one per step and locale."""

    def set(self, template: ProviderTemplate, at: datetime) -> None: ...

    def remove(self, store: str, provider: str, journey: str, step: str, locale: str) -> bool: ...

    def of_store(self, store: str, provider: str | None = None) -> list[ProviderTemplate]: ...


class Connectors(Protocol):
    """A store's platform connections and the webhook deliveries kept as received."""

    def add(self, store: str, source: str, secret: str, at: datetime) -> None: ...

    def remove(self, store: str, source: str) -> bool: ...

    def listed(self, store: str | None) -> list[tuple[str, str, datetime]]: ...

    def secret(self, store: str, source: str) -> str | None: ...

    def facts(self, store: str) -> StoreFacts: ...

    def keep(self, row: dict[str, Any]) -> bool: ...

    def failures(self, store: str, source: str, limit: int) -> list[dict[str, Any]]: ...

    def refused(self, store: str, source: str, reason: str, at: datetime) -> bool: ...

    def refusals(self, store: str, source: str, limit: int) -> list[dict[str, Any]]: ...

    def failed(
        self, store: str, source: str, limit: int
    ) -> list[tuple[str, bytes, dict[str, str], datetime]]: ...

    def settle(self, store: str, source: str, delivery_id: str, row: dict[str, Any]) -> None: ...

    def shipments(self, store: str, number: str) -> list[tuple[str, str | None, str | None]]: ...

    def shipment(self, store: str, shipment_id: str) -> tuple[str | None, str | None] | None: ...

    def customer_of(self, store: str, orders: Sequence[str]) -> str | None: ...

    def open_shipments(self, store: str, since: datetime) -> list[tuple[str | None, str]]: ...

    def configure(self, store: str, source: str, settings: Mapping[str, str]) -> None: ...

    def credentials(self, store: str, source: str) -> Credentials | None: ...

    def pulling(self, store: str, source: str) -> tuple[Credentials, str | None] | None: ...

    def pulled(
        self, store: str, source: str, cursor: str | None, after: datetime, error: str | None
    ) -> None: ...

    def due_pulls(self, sources: tuple[str, ...], now: datetime) -> list[tuple[str, str]]: ...

    def claim_pull(self, store: str, source: str, now: datetime, until: datetime) -> bool: ...


@dataclass(frozen=True)
class KeyRow:
    """A working API key as kept: never its secret, only the secret's hash."""

    key_id: str
    store: str
    secret_hash: str
    label: str
    expires_at: datetime | None


class ApiKeys(Protocol):
    def add(self, key_id: str, store: str, secret_hash: str, label: str, at: datetime) -> None: ...

    def find(self, key_id: str, at: datetime) -> KeyRow | None:
        """The key if it works at `at` (neither revoked nor past its rotation's end)."""
        ...

    def expire(self, key_id: str, until: datetime) -> bool:
        """Give a working key an end; False when it has one already."""
        ...

    def revoke(self, key_id: str, at: datetime) -> bool: ...


class StateRepo(Protocol):
    def load(self, keys: Keys) -> World: ...

    def customers_by_phone(self, pairs: Iterable[tuple[str, str]]) -> list[tuple[str, str]]: ...

    def store_ids(self) -> list[str]: ...

    def save(self, world: World) -> None: ...


class Outbox(Protocol):
    def due(
        self, until: datetime, limit: int, stores: Sequence[str] | None = None
    ) -> list[Message]: ...

    def stores_due(self, until: datetime) -> list[str]:
        """The stores with messages due by `until`."""
        ...

    def for_subjects(self, pairs: Iterable[tuple[str, str]]) -> Found: ...

    def about_customers(self, pairs: Iterable[tuple[str, str]]) -> Found: ...

    def pending_for_customers(self, pairs: Iterable[tuple[str, str]]) -> list[Message]: ...

    def sent_since(self, pairs: Iterable[tuple[str, str]], since: datetime) -> list[Sent]: ...

    def next_due(self) -> datetime | None:
        """When the first pending message is due."""
        ...

    def spent(self, store: str, month: str) -> Decimal: ...

    def add_spend(self, spend: dict[tuple[str, str], Decimal]) -> None: ...

    def write(self, messages: Sequence[Message]) -> set[str]:
        """Insert or update messages; a row already decided elsewhere is left alone.

        Returns the ids written here: only those may be handed to a provider.
        """
        ...

    def add_links(self, links: Sequence[tuple[str, str, str, str]]) -> None: ...

    def decided(self, stores: Sequence[str]) -> Iterable[Message]: ...


class UnitOfWork(Protocol):
    """One transaction: rolled back on leaving unless `commit` was called."""

    @property
    def events(self) -> EventLog: ...

    @property
    def state(self) -> StateRepo: ...

    @property
    def outbox(self) -> Outbox: ...

    @property
    def inbox(self) -> Inbox: ...

    @property
    def deliveries(self) -> Deliveries: ...

    @property
    def keys(self) -> ApiKeys: ...

    @property
    def read(self) -> ReadModel: ...

    @property
    def privacy(self) -> Privacy: ...

    @property
    def connectors(self) -> Connectors: ...

    @property
    def retention(self) -> Retention: ...

    @property
    def templates(self) -> ProviderTemplates: ...

    def lock_store(self, store: str, wait: bool = False) -> bool:
        """Hold the store for this transaction: one worker at a time runs a store's journeys
        (False when another holds it and `wait` is False)."""
        ...

    def __enter__(self) -> UnitOfWork: ...

    def __exit__(
        self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None: ...

    def commit(self) -> None: ...

    def refresh_statistics(self, grown: bool = False) -> None:
        """Let the database's planner see how the tables have grown (after bulk loading);
        `grown`: only the tables that changed by more rows than it last saw in them."""
