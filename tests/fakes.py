"""In-memory fakes of the service ports, for fast unit tests of the services."""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from types import TracebackType
from typing import Any

from tidings.domain.delivery import Claim, Outcome, Receipt
from tidings.domain.events import Event
from tidings.domain.messages import PENDING, Message
from tidings.domain.state import DeliveryReceipt
from tidings.services.world import Found, Keys, Sent, World

Pair = tuple[str, str]
Key3 = tuple[str, str, str]


@dataclasses.dataclass
class Tables:
    """What a database would hold."""

    events: dict[Pair, tuple[Event, str | None]] = dataclasses.field(default_factory=dict)
    world: World = dataclasses.field(default_factory=World)
    messages: dict[Pair, Message] = dataclasses.field(default_factory=dict)
    spend: dict[Pair, Decimal] = dataclasses.field(default_factory=dict)
    links: dict[Pair, tuple[str, str]] = dataclasses.field(default_factory=dict)
    inbox: dict[Pair, Event] = dataclasses.field(default_factory=dict)
    deliveries: dict[Key3, dict[str, Any]] = dataclasses.field(default_factory=dict)
    slots: dict[str, datetime] = dataclasses.field(default_factory=dict)
    waiting: list[Receipt] = dataclasses.field(default_factory=list)


class FakeEventLog:
    def __init__(self, tables: Tables) -> None:
        self.t = tables

    def add(
        self, events: Sequence[Event], received_at: datetime | None, run: str | None = None
    ) -> set[Pair]:
        new = {(e.store, e.id) for e in events if (e.store, e.id) not in self.t.events}
        for e in events:
            self.t.events.setdefault((e.store, e.id), (e, run))
        return new

    def of_run(
        self, run: str, after: Any, limit: int, until: datetime, types: set[str]
    ) -> list[Event]:
        mine = sorted(
            (
                e
                for e, r in self.t.events.values()
                if r == run and e.occurred_at <= until and e.type in types
            ),
            key=lambda e: (e.occurred_at, e.store, e.id),
        )
        if after is not None:
            mine = [e for e in mine if (e.occurred_at, e.store, e.id) > after]
        return mine[:limit]

    def count_after(self, run: str, until: datetime) -> int:
        return sum(1 for e, r in self.t.events.values() if r == run and e.occurred_at > until)


class FakeStateRepo:
    def __init__(self, tables: Tables) -> None:
        self.t = tables

    def load(self, keys: Keys) -> World:
        w, db = World(), self.t.world
        w.stores = {k: copy.deepcopy(db.stores[k]) for k in keys.stores if k in db.stores}
        for name, wanted in (
            ("customers", keys.customers),
            ("orders", keys.orders),
            ("carts", keys.carts),
            ("optouts", keys.phones),
        ):
            source = getattr(db, name)
            setattr(w, name, {k: copy.deepcopy(source[k]) for k in wanted if k in source})
        return w

    def store_ids(self) -> list[str]:
        return sorted(self.t.world.stores)

    def customers_by_phone(self, pairs: Iterable[Pair]) -> list[Pair]:
        wanted = set(pairs)
        return [k for k, c in self.t.world.customers.items() if (k[0], c.phone_key) in wanted]

    def save(self, world: World) -> None:
        names = {
            "store": "stores",
            "customer": "customers",
            "order": "orders",
            "cart": "carts",
            "optout": "optouts",
        }
        for kind, key in world.dirty:
            source = getattr(world, names[kind])
            getattr(self.t.world, names[kind])[key] = copy.deepcopy(source[key])


class FakeOutbox:
    def __init__(self, tables: Tables) -> None:
        self.t = tables

    def _rows(self) -> list[Message]:
        return list(self.t.messages.values())

    def due(
        self, until: datetime, limit: int, stores: Sequence[str] | None = None
    ) -> list[Message]:
        rows = sorted(
            (
                m
                for m in self._rows()
                if m.status == PENDING
                and m.run_at <= until
                and (stores is None or m.store_id in stores)
            ),
            key=lambda m: (m.run_at, m.message_id),
        )
        return [copy.copy(m) for m in (rows[:limit] if limit else rows)]

    def stores_due(self, until: datetime) -> list[str]:
        return sorted({m.store_id for m in self.due(until, 0)})

    def next_due(self) -> datetime | None:
        return min((m.run_at for m in self._rows() if m.status == PENDING), default=None)

    def for_subjects(self, pairs: Iterable[Pair]) -> Found:
        wanted = set(pairs)
        return _found(m for m in self._rows() if (m.store_id, m.subject) in wanted)

    def about_customers(self, pairs: Iterable[Pair]) -> Found:
        wanted = set(pairs)
        return _found(
            m
            for m in self._rows()
            if (m.store_id, m.customer_id) in wanted and m.subject.startswith("customer:")
        )

    def pending_for_customers(self, pairs: Iterable[Pair]) -> list[Message]:
        wanted = set(pairs)
        return [
            copy.copy(m)
            for m in self._rows()
            if m.status == PENDING and (m.store_id, m.customer_id) in wanted
        ]

    def sent_since(self, pairs: Iterable[Pair], since: datetime) -> list[Sent]:
        wanted = set(pairs)
        return [
            Sent(m.store_id, m.customer_id or "", m.decided_at, m.kind, m.journey, m.channel)
            for m in self._rows()
            if m.status == "sent"
            and m.channel in ("sms", "email")
            and m.journey != "keywords"
            and (m.store_id, m.customer_id) in wanted
            and m.decided_at
            and m.decided_at >= since
        ]

    def spent(self, store: str, month: str) -> Decimal:
        return self.t.spend.get((store, month), Decimal(0))

    def add_spend(self, spend: dict[Pair, Decimal]) -> None:
        for key, value in spend.items():
            self.t.spend[key] = self.t.spend.get(key, Decimal(0)) + value

    def write(self, messages: Sequence[Message]) -> set[str]:
        written = set()
        for m in messages:
            key = (m.store_id, m.message_id)
            if key in self.t.messages and self.t.messages[key].status != PENDING:
                continue  # decided elsewhere: left alone
            self.t.messages[key] = copy.copy(m)
            written.add(m.message_id)
        return written

    def add_links(self, links: Sequence[tuple[str, str, str, str]]) -> None:
        for store, token, message, target in links:
            self.t.links.setdefault((store, token), (message, target))

    def decided(self, stores: Sequence[str]) -> list[Message]:
        rows = [m for m in self._rows() if m.store_id in stores and m.decided_at]
        return sorted(rows, key=lambda m: (m.decided_at, m.message_id))


class FakeInbox:
    def __init__(self, tables: Tables) -> None:
        self.t = tables

    def add(self, events: Sequence[Event]) -> None:
        for e in events:
            self.t.inbox.setdefault((e.store, e.id), e)

    def stores(self) -> list[str]:
        return sorted({store for store, _ in self.t.inbox})

    def take(self, stores: Sequence[str], limit: int) -> list[Event]:
        mine = []
        for store in stores:
            mine += sorted(
                (e for (s, _), e in self.t.inbox.items() if s == store),
                key=lambda e: (e.occurred_at, e.store, e.id),
            )[:limit]
        for e in mine:
            del self.t.inbox[(e.store, e.id)]
        return mine


class FakeDeliveries:
    """Deliveries as dicts: the claim's fields plus state, lease owner and attempt time."""

    def __init__(self, tables: Tables) -> None:
        self.t = tables

    def add(self, claims: Sequence[Claim], owner: str, lease_until: datetime) -> None:
        for c in claims:
            row = {"claim": c, "state": "sending", "owner": owner, "attempt_at": lease_until}
            self.t.deliveries.setdefault((c.store_id, c.message_id, c.recipient), row)

    def claim(self, now: datetime, owner: str, lease_until: datetime, limit: int) -> list[Claim]:
        rows = [
            r
            for r in self.t.deliveries.values()
            if r["state"] in ("queued", "sending") and r["attempt_at"] <= now
        ][:limit]
        out = []
        for r in rows:
            r["claim"] = dataclasses.replace(r["claim"], attempts=r["claim"].attempts + 1)
            r.update(state="sending", owner=owner, attempt_at=lease_until)
            out.append(r["claim"])
        return out

    def record(self, outcomes: Sequence[Outcome], owner: str) -> list[tuple[str, str]]:
        recorded = []
        for o in outcomes:
            row = self.t.deliveries[o.claim.key]
            if row["owner"] != owner:
                continue
            row.update(state=o.state, owner=None, error=o.error, refs=o.refs)
            if o.retry_at is not None:
                row["attempt_at"] = o.retry_at
            recorded += [(o.claim.provider, ref) for ref in o.refs]
        return recorded

    def renew(self, claims: Sequence[Claim], owner: str, until: datetime) -> set[Key3]:
        held = set()
        for c in claims:
            row = self.t.deliveries[c.key]
            if row["owner"] == owner and row["state"] == "sending":
                row["attempt_at"] = until
                held.add(c.key)
        return held

    def reserve(self, provider: str, span: timedelta, now: datetime) -> datetime:
        start = max(self.t.slots.get(provider, now), now)
        self.t.slots[provider] = start + span
        return start

    def defer(self, provider: str, until: datetime) -> None:
        for row in self.t.deliveries.values():
            if row["state"] == "queued" and row["claim"].provider == provider:
                row["attempt_at"] = until

    def wait(self, receipt: Receipt) -> None:
        self.t.waiting.append(receipt)

    def waiting(self, refs: Sequence[tuple[str, str]]) -> list[Receipt]:
        wanted = set(refs)
        found = [r for r in self.t.waiting if (r.provider, r.ref) in wanted]
        self.t.waiting = [r for r in self.t.waiting if (r.provider, r.ref) not in wanted]
        return found

    def forget_waiting(self, before: datetime) -> int:
        kept = [r for r in self.t.waiting if r.at >= before]
        gone, self.t.waiting = len(self.t.waiting) - len(kept), kept
        return gone

    def apply_receipts(self, receipts: Sequence[DeliveryReceipt]) -> None:
        for r in receipts:
            for (store, message, _), row in self.t.deliveries.items():
                mine = r.message_id == message or r.ref in row.get("refs", ())
                if store == r.store_id and mine:
                    row.update(state=r.status, error=r.error)

    def locate(self, provider: str, refs: Iterable[str]) -> dict[str, tuple[str, str]]:
        wanted = set(refs)
        return {
            ref: (store, message)
            for (store, message, _), row in self.t.deliveries.items()
            for ref in row.get("refs", ())
            if ref in wanted and row["claim"].provider == provider
        }

    def last_store(self, provider: str, stores: Sequence[str], recipient: str) -> str | None:
        for (store, _, to), row in reversed(self.t.deliveries.items()):
            if store in stores and to == recipient and row["claim"].provider == provider:
                return store
        return None


class FakeUnitOfWork:
    """Changes become visible on commit; leaving without commit rolls them back."""

    def __init__(self, tables: Tables) -> None:
        self.tables = tables
        self.committed = False

    def __enter__(self) -> FakeUnitOfWork:
        self._snapshot = copy.deepcopy(self.tables)
        self.events = FakeEventLog(self.tables)
        self.state = FakeStateRepo(self.tables)
        self.outbox = FakeOutbox(self.tables)
        self.inbox = FakeInbox(self.tables)
        self.deliveries = FakeDeliveries(self.tables)
        return self

    def __exit__(
        self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        if not self.committed:
            for field in dataclasses.fields(Tables):
                setattr(self.tables, field.name, getattr(self._snapshot, field.name))

    def commit(self) -> None:
        self.committed = True

    def lock_store(self, store: str) -> bool:
        return True

    def refresh_statistics(self, grown: bool = False) -> None:
        pass


def _found(messages: Iterable[Message]) -> Found:
    """As the outbox answers a batch: pending messages whole, decided ones as keys."""
    found = Found()
    for m in messages:
        if m.status == PENDING:
            found.pending.append(copy.copy(m))
        else:
            found.decided[m.key] = m.customer_id
    return found
