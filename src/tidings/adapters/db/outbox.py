"""The outbox: messages as rows with `run_at`; the database is the queue."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import fields
from datetime import datetime
from decimal import Decimal
from sys import intern
from typing import Any, NamedTuple

from sqlalchemy import Connection, Table, case, select
from sqlalchemy.dialects import postgresql, sqlite

from tidings.adapters.db import tables as t
from tidings.adapters.db.bulk import Reader, Writer
from tidings.adapters.db.engine import claims_rows, in_index_order
from tidings.adapters.db.plans import unindexed, written
from tidings.adapters.db.repositories import Pair, chunks
from tidings.domain.messages import PENDING, Message
from tidings.services.world import CAPPED, Found, Sent

M = t.messages.c
MICROS = Decimal(1_000_000)
_MESSAGE_FIELDS = [f.name for f in fields(Message)]
_PENDING = M.status == written(PENDING)  # the partial index ix_messages_due


def insert(conn: Connection, table: Table) -> Any:
    """The dialect's INSERT, which knows ON CONFLICT."""
    return (postgresql if conn.dialect.name == "postgresql" else sqlite).insert(table)


MESSAGE_COLUMNS = [M[name] for name in _MESSAGE_FIELDS]
# A batch keeps a decided message's key and customer only (World.decided): the rest of its row
# is chosen for a pending one alone, in SQL, so a decided row costs no times to read.
_KEPT = ("store_id", "journey", "step", "subject", "customer_id", "status")
_FOUND_COLUMNS = [
    M[name] if name in _KEPT else case((_PENDING, M[name])).label(name) for name in _MESSAGE_FIELDS
]
_OF_SUBJECTS = Reader(t.messages, [*_FOUND_COLUMNS, M.subject], "subject")
_ABOUT_CUSTOMERS = Reader(  # a customer's own: birthdays, campaigns
    t.messages, [*_FOUND_COLUMNS, M.customer_id], "customer_id", "subject LIKE 'customer:%'"
)
_PENDING_OF_CUSTOMERS = Reader(
    t.messages, [*_FOUND_COLUMNS, M.customer_id], "customer_id", f"status = '{PENDING}'"
)
_SENT = Reader(  # what the frequency caps count
    t.messages,
    [M.store_id, M.customer_id, M.decided_at, M.kind, M.journey, M.channel],
    "customer_id",
    "status = 'sent' AND channel IN ({}) AND journey != 'keywords' AND decided_at >= ?".format(
        ", ".join(f"'{channel}'" for channel in CAPPED)
    ),
)
_STATUS, _CUSTOMER = _MESSAGE_FIELDS.index("status"), _MESSAGE_FIELDS.index("customer_id")
_KEY = [_MESSAGE_FIELDS.index(name) for name in ("store_id", "journey", "step", "subject")]


def message_of(row: Any) -> Message:
    """A row selected as MESSAGE_COLUMNS (the dataclass's fields, in order) as a Message.

    Its words from a few (store, journey, step, kind, channel, status, reason, cost) are
    shared with every other message's, and equal times are one object: a replay's World
    holds a hundred thousand messages loaded again, at 560 bytes each instead of 980."""
    values = list(row)
    for i in _WORDS:
        if values[i] is not None:
            values[i] = intern(values[i])
    if values[_RUN_AT] == values[_DUE_AT]:
        values[_RUN_AT] = values[_DUE_AT]
    if values[_DECIDED_AT] == values[_RUN_AT]:
        values[_DECIDED_AT] = values[_RUN_AT]
    return Message(*values)


_WORDS = [
    _MESSAGE_FIELDS.index(name)
    for name in ("store_id", "journey", "step", "kind", "channel", "status", "reason", "cost")
]
_RUN_AT, _DUE_AT, _DECIDED_AT = (
    _MESSAGE_FIELDS.index(name) for name in ("run_at", "due_at", "decided_at")
)


class SqlOutbox:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def due(
        self, until: datetime, limit: int, stores: Sequence[str] | None = None
    ) -> list[Message]:
        """Claim pending rows due by `until` (PostgreSQL: rows other workers hold are skipped)."""
        query = (
            select(*MESSAGE_COLUMNS)
            .where(_PENDING, M.run_at <= until)
            .order_by(M.run_at, M.message_id)
        )
        if stores is not None:
            query = query.where(unindexed(M.store_id).in_(stores))  # ix_messages_due leads
        if limit:
            query = query.limit(limit)
        if claims_rows(self.conn):
            query = query.with_for_update(skip_locked=True)
        with in_index_order(self.conn):
            rows = self.conn.execute(query).all()
        return [message_of(r) for r in rows]

    def stores_due(self, until: datetime) -> list[str]:
        due = select(unindexed(M.store_id)).where(_PENDING, M.run_at <= until)  # ix_messages_due
        query = due.distinct()
        return list(self.conn.execute(query).scalars())

    def next_due(self) -> datetime | None:
        query = select(M.run_at).where(_PENDING).order_by(M.run_at).limit(1)
        value = self.conn.execute(query).scalar()
        return t.UtcDateTime().process_result_value(value, self.conn.dialect)

    def for_subjects(self, pairs: Iterable[Pair]) -> Found:
        return self._messages(pairs, _OF_SUBJECTS)

    def about_customers(self, pairs: Iterable[Pair]) -> Found:
        """The messages about these customers themselves (birthdays, campaigns)."""
        return self._messages(pairs, _ABOUT_CUSTOMERS)

    def pending_for_customers(self, pairs: Iterable[Pair]) -> list[Message]:
        return self._messages(pairs, _PENDING_OF_CUSTOMERS).pending

    def _messages(self, pairs: Iterable[Pair], reader: Reader) -> Found:
        """Messages whose `reader`'s column is one of the (store, value) pairs, as a batch
        holds them (a decided one as its key and customer)."""
        found = Found()
        for stores, values, wanted in chunks(pairs):
            for *row, value in reader.rows(self.conn, stores, values):
                if (row[0], value) not in wanted:
                    continue
                if row[_STATUS] == PENDING:
                    found.pending.append(message_of(row))
                else:
                    store, journey, step, subject = (row[i] for i in _KEY)
                    key = (intern(store), intern(journey), intern(step), subject)
                    found.decided[key] = row[_CUSTOMER]
        return found

    def sent_since(self, pairs: Iterable[Pair], since: datetime) -> list[Sent]:
        out: list[Sent] = []
        at = Writer.time_for(self.conn)(since)
        for stores, ids, wanted in chunks(pairs):
            rows = _SENT.rows(self.conn, stores, ids, at)
            out.extend(Sent(*r) for r in rows if (r[0], r[1]) in wanted)
        return out

    def spent(self, store: str, month: str) -> Decimal:
        query = select(t.sms_spend.c.micros).where(
            t.sms_spend.c.store_id == store, t.sms_spend.c.month == month
        )
        value = self.conn.execute(query).scalar()
        return Decimal(value or 0) / MICROS

    def add_spend(self, spend: dict[tuple[str, str], Decimal]) -> None:
        rows = [
            {"store_id": s, "month": m, "micros": int(v * MICROS)}
            for (s, m), v in sorted(spend.items())
            if v
        ]
        if not rows:
            return
        stmt = insert(self.conn, t.sms_spend)
        stmt = stmt.on_conflict_do_update(
            index_elements=["store_id", "month"],
            set_={"micros": t.sms_spend.c.micros + stmt.excluded.micros},
        )
        self.conn.execute(stmt, rows)

    def write(self, messages: Sequence[Message]) -> set[str]:
        """Insert or update; a row already decided elsewhere is left alone. Ids written here."""
        ordered = sorted(messages, key=lambda m: (m.store_id, m.message_id))
        written = _MESSAGES.write(
            self.conn,
            ordered,
            where=f"{t.messages.name}.status = 'pending'",
            returning="message_id",
        )
        return {row[0] for row in written}

    def add_links(self, links: Sequence[tuple[str, str, str, str]]) -> None:
        _LINKS.write(self.conn, [_Link(*link) for link in links], update=False)

    def decided(self, stores: Sequence[str]) -> Iterable[Message]:
        """Every decided message of `stores`, by decision time then id (the replay output)."""
        query = (
            select(*MESSAGE_COLUMNS)
            .where(M.store_id.in_(stores), M.decided_at.is_not(None))
            .order_by(M.decided_at, M.message_id)
        )
        for row in self.conn.execution_options(yield_per=2000).execute(query):
            yield message_of(row)


class _Link(NamedTuple):
    store_id: str
    token: str
    message_id: str
    target: str


_MESSAGES = Writer(t.messages, _MESSAGE_FIELDS)
_LINKS = Writer(t.links, list(_Link._fields))
