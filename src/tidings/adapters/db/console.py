"""The console's unit of work: the analytics' and the API's reads, the console's users, and
the few reads only the console makes (a message search, a message's clicks, open alerts)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Connection, and_, func, or_, select

from tidings.adapters.db import tables as t
from tidings.adapters.db.analytics.uow import SqlAnalyticsUnitOfWork
from tidings.adapters.db.outbox import MESSAGE_COLUMNS, message_of
from tidings.adapters.db.read import _conditions as filtered  # the API's filters, the same
from tidings.adapters.db.users import SqlPeople
from tidings.domain.messages import Message
from tidings.services.ports import MessageFilter
from tidings.services.queries_parcels import Parcel

M, A, L, C = t.messages.c, t.alerts.c, t.links.c, t.clicks.c
S, ORD = t.shipments.c, t.orders.c
SUBJECTS = ("order", "cart", "shipment")


class SqlConsoleReads:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def store_locale(self, store: str) -> str | None:
        row = self.conn.execute(select(t.stores.c.locale).where(t.stores.c.store_id == store))
        return row.scalar()

    def open_alerts(self, store: str) -> int:
        query = select(func.count()).where(A.store_id == store, A.state == "open")
        return int(self.conn.execute(query).scalar_one())

    def search(
        self,
        store: str,
        where: MessageFilter,
        text: str,
        phone: str | None,
        customers: Sequence[str],
        limit: int,
    ) -> list[Message]:
        """Newest due first: messages about an order, cart or shipment with id `text`, or to
        the customer with that id, or to `phone` or a customer with it (`customers`)."""
        query = select(*MESSAGE_COLUMNS).where(M.store_id == store, *filtered(store, where))
        if text:
            about = [M.subject == f"{kind}:{text}" for kind in SUBJECTS]
            about += [
                M.subject.like(f"{kind}:{_literal(text)}:%", escape="\\") for kind in SUBJECTS
            ]
            about.append(M.customer_id == text)
            if phone:
                about.append(M.recipient == phone)
            if customers:
                about.append(M.customer_id.in_(list(customers)))
            query = query.where(or_(*about))
        query = query.order_by(M.due_at.desc(), M.message_id.desc()).limit(limit)
        return [message_of(row) for row in self.conn.execute(query)]

    def message(self, store: str, message_id: str) -> Message | None:
        query = select(*MESSAGE_COLUMNS).where(M.store_id == store, M.message_id == message_id)
        row = self.conn.execute(query).first()
        return None if row is None else message_of(row)

    def clicks(self, store: str, message_id: str) -> list[datetime]:
        query = (
            select(C.clicked_at)
            .join(t.links, (L.store_id == C.store_id) & (L.token == C.token))
            .where(L.store_id == store, L.message_id == message_id)
            .order_by(C.clicked_at)
        )
        return [row[0] for row in self.conn.execute(query)]


class SqlParcelReads:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def shipment_counts(self, store: str) -> dict[str, int]:
        query = select(S.status, func.count()).where(S.store_id == store).group_by(S.status)
        return {status: int(n) for status, n in self.conn.execute(query) if status}

    def needing_care(self, store: str, stalled_before: datetime, limit: int) -> list[Parcel]:
        care = or_(
            S.status.in_(("exception", "failed_attempt", "available_for_pickup")),
            and_(S.status == "in_transit", S.status_at < stalled_before),
            and_(S.status.in_(("returning", "returned")), ORD.payment == "cod"),
        )
        query = (
            select(S.shipment_id, S.order_id, S.carrier, S.tracking_number, S.status,
                   S.substatus, S.status_at, S.pickup_point, S.storage_until, ORD.payment)
            .outerjoin(t.orders, and_(ORD.store_id == S.store_id, ORD.order_id == S.order_id))
            .where(S.store_id == store, care)
            .order_by(S.status_at.desc(), S.shipment_id)
            .limit(limit)
        )  # fmt: skip
        return [Parcel(**row._mapping) for row in self.conn.execute(query)]


def _literal(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


class SqlConsoleUnitOfWork(SqlAnalyticsUnitOfWork):
    """A unit of work that also keeps the console's people and answers its own reads."""

    def __enter__(self) -> SqlConsoleUnitOfWork:
        super().__enter__()
        assert self._conn is not None
        self.people = SqlPeople(self._conn)
        self.console = SqlConsoleReads(self._conn)
        self.parcels = SqlParcelReads(self._conn)
        return self
