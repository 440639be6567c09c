"""The console's unit of work: the analytics' and the API's reads, the console's users, and
the few reads only the console makes (a message search, a message's clicks, open alerts)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, func, literal, or_, select

from tidings.adapters.db import tables as t
from tidings.adapters.db.analytics.steps import SqlStepReads
from tidings.adapters.db.analytics.uow import SqlAnalyticsUnitOfWork
from tidings.adapters.db.outbox import MESSAGE_COLUMNS, message_of
from tidings.adapters.db.read import _conditions as filtered  # the API's filters, the same
from tidings.adapters.db.settings import SqlSettings
from tidings.adapters.db.users import SqlPeople
from tidings.domain.messages import Message
from tidings.services.console_ports import Answer, Parcel, Review
from tidings.services.ports import MessageFilter

M, A, L, C = t.messages.c, t.alerts.c, t.links.c, t.clicks.c
S, ORD, R = t.shipments.c, t.orders.c, t.reviews.c
REVIEW = (R.review_id, R.order_id, R.rating, R.text, R.posted_at, R.deleted_at, R.deleted_by)
SUBJECTS = ("order", "cart", "shipment")
# a score culprit's table, its id column, and the column its messages are searched by
BEHIND = {
    "review": (t.reviews, "review_id", "order_id"),
    "ticket": (t.tickets, "ticket_id", "order_id"),
    "dispute": (t.disputes, "dispute_id", "order_id"),
    "conversation": (t.chat_messages, "conversation_id", "customer_id"),
}


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

    def searched_by(self, store: str, kind: str, ids: Sequence[str]) -> dict[str, str]:
        if not ids:
            return {}
        table, key, found_by = BEHIND[kind]
        c = table.c
        query = (
            select(c[key], c[found_by])
            .distinct()
            .where(  # a conversation has many rows
                c.store_id == store, c[key].in_(list(ids)), c[found_by].is_not(None)
            )
        )
        return {row[0]: row[1] for row in self.conn.execute(query)}


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


class SqlReviewReads:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def bad_reviews(
        self, store: str, start: datetime, end: datetime, worst: int, limit: int
    ) -> list[tuple[Review, Answer | None, Answer | None]]:
        reply, apology = t.messages.alias("reply"), t.messages.alias("apology")
        answer = (reply.c.message_id, reply.c.status, reply.c.reason, reply.c.body)
        sorry = (apology.c.message_id, apology.c.status, apology.c.reason, apology.c.body)
        query = (
            select(*REVIEW, *answer, *sorry)
            .outerjoin(reply, _answer(reply, "bad"))
            .outerjoin(apology, _answer(apology, "apology"))
            .where(R.store_id == store, R.rating <= worst, R.posted_at >= start,
                   R.posted_at < end)
            .order_by(R.posted_at.desc(), R.review_id)
            .limit(limit)
        )  # fmt: skip
        return [
            (Review(*row[:7]), _answer_of(row[7:11]), _answer_of(row[11:15]))
            for row in self.conn.execute(query)
        ]

    def deleted_reviews(
        self, store: str, start: datetime, end: datetime, limit: int
    ) -> list[Review]:
        query = (
            select(*REVIEW)
            .where(R.store_id == store, R.deleted_at >= start, R.deleted_at < end)
            .order_by(R.deleted_at.desc(), R.review_id)
            .limit(limit)
        )
        return [Review(*row) for row in self.conn.execute(query)]


def _answer(messages: Any, step: str) -> Any:
    """review_reply's message `step` about the review (its subject is `review:<id>`)."""
    c = messages.c
    return and_(
        c.store_id == R.store_id, c.journey == "review_reply", c.step == step,
        c.subject == literal("review:") + R.review_id,
    )  # fmt: skip


def _answer_of(row: Sequence[Any]) -> Answer | None:
    return None if row[0] is None else Answer(*row)


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
        self.reviews = SqlReviewReads(self._conn)
        self.settings = SqlSettings(self._conn)
        self.steps = SqlStepReads(self._conn)
        return self
