"""Connectors (a store's platforms and the secrets their webhooks are signed with) and the
deliveries kept as received.

The one rule: a secret is read here only to check a signature; nothing here hands it to an
answer or a log (`listed` has no secret in it).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, and_, delete, insert, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from tidings.adapters.db import tables as t
from tidings.domain.connectors import Credentials, StoreFacts

C = t.connectors.c
H = t.hook_deliveries.c
S = t.stores.c
P = t.shipments.c
R = t.orders.c


class SqlConnectors:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def add(self, store: str, source: str, secret: str, at: datetime) -> None:
        """Connect `source` to `store`; a second add replaces the secret."""
        self.conn.execute(delete(t.connectors).where(C.store_id == store, C.source == source))
        row = {"store_id": store, "source": source, "secret": secret, "created_at": at}
        self.conn.execute(insert(t.connectors).values(**row))

    def remove(self, store: str, source: str) -> bool:
        gone = delete(t.connectors).where(C.store_id == store, C.source == source)
        return bool(self.conn.execute(gone).rowcount)

    def listed(self, store: str | None) -> list[tuple[str, str, datetime]]:
        """(store, source, added at), without the secrets."""
        query = select(C.store_id, C.source, C.created_at).order_by(C.store_id, C.source)
        if store is not None:
            query = query.where(C.store_id == store)
        return [(r[0], r[1], r[2]) for r in self.conn.execute(query)]

    def secret(self, store: str, source: str) -> str | None:
        query = select(C.secret).where(C.store_id == store, C.source == source)
        found: str | None = self.conn.execute(query).scalar()
        return found

    def facts(self, store: str) -> StoreFacts:
        query = select(S.timezone, S.default_region, S.currency).where(S.store_id == store)
        row = self.conn.execute(query).first()
        if row is None:
            return StoreFacts()
        return StoreFacts(row[0] or "UTC", row[1], row[2])

    def keep(self, row: dict[str, Any]) -> bool:
        """Keep a delivery; False when one with the same id was kept before."""
        table = t.hook_deliveries
        dialect = postgresql if self.conn.dialect.name == "postgresql" else sqlite
        stmt = dialect.insert(table).values(**row).on_conflict_do_nothing()
        return self.conn.execute(stmt.returning(H.delivery_id)).first() is not None

    def refused(self, store: str, source: str, reason: str, at: datetime) -> bool:
        """Count a webhook refused for `reason`; only for a store tidings knows (a made-up store
        id in a URL writes nothing). Whether it was counted."""
        if self.conn.execute(select(S.store_id).where(S.store_id == store)).first() is None:
            return False
        F = t.hook_refusals.c
        row = {"store_id": store, "source": source, "day": at.astimezone(UTC).date().isoformat(),
               "reason": reason, "count": 1, "last_at": at}  # fmt: skip
        dialect = postgresql if self.conn.dialect.name == "postgresql" else sqlite
        stmt = dialect.insert(t.hook_refusals).values(**row)
        bump = {"count": F.count + 1, "last_at": stmt.excluded.last_at}
        keys = [F.store_id, F.source, F.day, F.reason]
        self.conn.execute(stmt.on_conflict_do_update(index_elements=keys, set_=bump))
        return True

    def refusals(self, store: str, source: str, limit: int) -> list[dict[str, Any]]:
        """The refused webhooks counted per day and reason, newest day first."""
        F = t.hook_refusals.c
        query = (
            select(F.day, F.reason, F.count, F.last_at)
            .where(F.store_id == store, F.source == source)
            .order_by(F.day.desc(), F.reason)
            .limit(limit)
        )
        return [dict(r._mapping) for r in self.conn.execute(query)]

    def failures(self, store: str, source: str, limit: int) -> list[dict[str, Any]]:
        query = (
            select(H.delivery_id, H.received_at, H.topic, H.reason)
            .where(H.store_id == store, H.source == source, H.outcome == "failed")
            .order_by(H.received_at.desc(), H.delivery_id)
            .limit(limit)
        )
        return [dict(r._mapping) for r in self.conn.execute(query)]

    def failed(
        self, store: str, source: str, limit: int
    ) -> list[tuple[str, bytes, dict[str, str], datetime]]:
        """(id, body, headers, received at) of the deliveries that did not translate and still
        have their body (erasure blanks it), oldest first."""
        query = (
            select(H.delivery_id, H.body, H.headers, H.received_at)
            .where(H.store_id == store, H.source == source, H.outcome == "failed")
            .where(H.body.is_not(None))
            .order_by(H.received_at, H.delivery_id)
            .limit(limit)
        )
        return [(r[0], r[1].encode(), r[2] or {}, r[3]) for r in self.conn.execute(query)]

    def settle(self, store: str, source: str, delivery_id: str, row: dict[str, Any]) -> None:
        """Record what a delivery's translation came to, again (outcome, reason, customer and
        events)."""
        mine = (H.store_id == store, H.source == source, H.delivery_id == delivery_id)
        self.conn.execute(update(t.hook_deliveries).where(*mine).values(**row))

    def shipments(self, store: str, number: str) -> list[tuple[str, str | None, str | None]]:
        """(shipment id, carrier, order id) of the store's shipments with this number."""
        query = select(P.shipment_id, P.carrier, P.order_id).where(
            P.store_id == store, P.tracking_number == number
        )
        return [(r[0], r[1], r[2]) for r in self.conn.execute(query)]

    def shipment(self, store: str, shipment_id: str) -> tuple[str | None, str | None] | None:
        """(carrier, tracking number) of one shipment, or None when it is not known."""
        query = select(P.carrier, P.tracking_number).where(
            P.store_id == store, P.shipment_id == shipment_id
        )
        row = self.conn.execute(query).first()
        return None if row is None else (row[0], row[1])

    def customer_of(self, store: str, orders: Sequence[str]) -> str | None:
        """The customer of the first of these orders that names one."""
        query = select(R.customer_id).where(
            R.store_id == store, R.order_id.in_(list(orders)), R.customer_id.is_not(None)
        )
        found: str | None = self.conn.execute(query.order_by(R.order_id).limit(1)).scalar()
        return found

    def open_shipments(self, store: str, since: datetime) -> list[tuple[str | None, str]]:
        """(carrier, tracking number) of the store's shipments that are neither delivered nor
        back with the sender and had news (or were shipped) since `since`."""
        recent = or_(
            P.status_at >= since,
            and_(P.status_at.is_(None), or_(P.shipped_at.is_(None), P.shipped_at >= since)),
        )
        query = select(P.carrier, P.tracking_number).where(
            P.store_id == store,
            P.tracking_number.is_not(None),
            or_(P.status.is_(None), P.status.not_in(("delivered", "returned"))),
            recent,
        )
        return [(r[0], r[1]) for r in self.conn.execute(query)]

    # --- pulled platforms: settings, cursor, and whose turn it is ---------------------------

    def configure(self, store: str, source: str, settings: Mapping[str, str]) -> None:
        mine = (C.store_id == store, C.source == source)
        self.conn.execute(update(t.connectors).where(*mine).values(settings=dict(settings)))

    def credentials(self, store: str, source: str) -> Credentials | None:
        """The connector's secret and settings (None: no such connector)."""
        found = self.pulling(store, source)
        return None if found is None else found[0]

    def pulling(self, store: str, source: str) -> tuple[Credentials, str | None] | None:
        """The connector's credentials and where its last pull stopped (None: no connector)."""
        query = select(C.secret, C.settings, C.cursor).where(
            C.store_id == store, C.source == source
        )
        row = self.conn.execute(query).first()
        if row is None:
            return None
        return Credentials(row[0], dict(row[1] or {})), row[2]

    def pulled(
        self, store: str, source: str, cursor: str | None, after: datetime, error: str | None
    ) -> None:
        mine = (C.store_id == store, C.source == source)
        values = {"cursor": cursor, "pull_after": after, "pull_error": error}
        self.conn.execute(update(t.connectors).where(*mine).values(**values))

    def due_pulls(self, sources: tuple[str, ...], now: datetime) -> list[tuple[str, str]]:
        """The (store, source) among `sources` whose next pull is due, the longest waiting first."""
        query = (
            select(C.store_id, C.source)
            .where(C.source.in_(sources), or_(C.pull_after.is_(None), C.pull_after <= now))
            .order_by(C.pull_after.is_not(None), C.pull_after, C.store_id, C.source)
        )
        return [(r[0], r[1]) for r in self.conn.execute(query)]

    def claim_pull(self, store: str, source: str, now: datetime, until: datetime) -> bool:
        """Take the connector's pull until `until` unless another worker took it first."""
        free = or_(C.pull_after.is_(None), C.pull_after <= now)
        claim = update(t.connectors).where(C.store_id == store, C.source == source, free)
        return bool(self.conn.execute(claim.values(pull_after=until)).rowcount)
