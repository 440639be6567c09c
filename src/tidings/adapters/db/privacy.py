"""Erasing a customer's personal data from every table that holds it; the rows stay, so
that counts do. Then `scrub`: the old versions of those rows go from the database's files
too (SQLite: zeroed pages and a truncated WAL; PostgreSQL: VACUUM of the tables touched).
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Sequence
from datetime import datetime

from sqlalchemy import Connection, Engine, select, update

from tidings.adapters.db import tables as t
from tidings.adapters.db.plans import written
from tidings.domain.consent import ERASED
from tidings.domain.delivery import CLAIMABLE

log = logging.getLogger(__name__)
C = t.customers.c
M = t.messages.c
D = t.deliveries.c
E = t.events.c
R = t.provider_refs.c
H = t.hook_deliveries.c
WORDS = (("reviews", t.reviews, "text"), ("tickets", t.tickets, "reason"))
TOUCHED = (
    "customers", "events", "messages", "deliveries", "provider_refs", "reviews", "tickets",
    "hook_deliveries",
)  # fmt: skip


class SqlPrivacy:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def erase_customer(self, store: str, customer: str, at: datetime) -> dict[str, int]:
        """Blank the customer's contact data (a relay's buyer id too, on their orders), the
        texts, subjects and recipients of the messages to them (not the merchant's alerts
        about them), and stop what waits to be delivered to them: a worker still sending one
        records nothing. Counts by table."""
        blank = dict.fromkeys(("phone", "phone_key", "email", "name", "birthday", "tags", "relay"))
        mine = (C.store_id == store, C.customer_id == customer)
        blanked = update(t.customers).where(*mine).values(**blank, erased_at=at)
        customers = self.conn.execute(blanked)
        orders = (t.orders.c.store_id == store, t.orders.c.customer_id == customer)
        self.conn.execute(update(t.orders).where(*orders).values(relay=None))  # their buyer id
        to_them = (M.store_id == store, M.customer_id == customer, M.channel != "alert")
        ids = select(M.message_id).where(*to_them)
        theirs = (D.store_id == store, D.message_id.in_(ids))
        stopped = update(t.deliveries).where(*theirs, D.state.in_(CLAIMABLE))
        self.conn.execute(stopped.values(state="failed", error="erased", final_at=at))
        gone = update(t.deliveries).where(*theirs).values(recipient=ERASED, lease_owner=None)
        deliveries = self.conn.execute(gone)
        refs = (R.store_id == store, R.message_id.in_(ids))
        self.conn.execute(update(t.provider_refs).where(*refs).values(recipient=ERASED))
        texts = (
            update(t.messages)
            .where(*to_them)
            .values(body=None, recipient=None, title=None, template=None)
        )
        messages = self.conn.execute(texts)
        kept = update(t.hook_deliveries).where(H.store_id == store, H.customer_id == customer)
        self.conn.execute(kept.values(body=None, headers=None))  # the webhooks about them
        return {
            "customers": customers.rowcount,
            "messages": messages.rowcount,
            "deliveries": deliveries.rowcount,
        }

    def messages_to(self, store: str, customer: str) -> list[str]:
        """The ids of the messages to the customer (the merchant's alerts are not)."""
        to_them = (M.store_id == store, M.customer_id == customer, M.channel != "alert")
        return list(self.conn.execute(select(M.message_id).where(*to_them)).scalars())

    def alerts_about(self, store: str, customer: str) -> list[tuple[str, str, str, str]]:
        """(id, subject, title, body) of the merchant's alerts about the customer."""
        about = (M.store_id == store, M.customer_id == customer, M.channel == "alert")
        query = select(M.message_id, M.subject, M.title, M.body).where(*about)
        return [(i, s, title or "", body or "") for i, s, title, body in self.conn.execute(query)]

    def replace_alert_texts(self, store: str, message_ids: Collection[str]) -> int:
        """The alerts' title and body become ERASED: the alert stays, as does what it was."""
        mine = (M.store_id == store, M.message_id.in_(sorted(message_ids)))
        replaced = update(t.messages).where(*mine).values(title=ERASED, body=ERASED)
        return self.conn.execute(replaced).rowcount if message_ids else 0

    def replace_their_words(self, store: str, customer: str) -> dict[str, int]:
        """The customer's review texts and after-sale reasons become ERASED (ratings, kinds and
        outcomes stay, so the scores do)."""
        counts = {}
        for name, table, column in WORDS:
            mine = (table.c.store_id == store, table.c.customer_id == customer)
            said = table.c[column].is_not(None)
            stmt = update(table).where(*mine, said).values({column: ERASED})
            counts[name] = self.conn.execute(stmt).rowcount
        return counts

    def events_of(self, store: str, customer: str, types: Sequence[str]) -> list[tuple[str, str]]:
        """(id, payload) of the customer's own events of `types` (found by the customer the
        event log keeps beside each, not by reading the store's texts)."""
        mine = (E.store_id == store, E.customer_id == customer, E.type.in_(list(types)))
        return [
            (row[0], row[1])
            for row in self.conn.execute(select(E.event_id, E.payload).where(*mine))
        ]

    def replies(self, store: str) -> list[tuple[str, str]]:
        """(id, payload) of the store's shopper replies (the index of a store's events by
        type: every other event of the store stays unread)."""
        inbound = (E.store_id == store, E.type == written("message.inbound"))
        return [
            (row[0], row[1])
            for row in self.conn.execute(select(E.event_id, E.payload).where(*inbound))
        ]

    def rewrite_event(self, store: str, event_id: str, payload: str) -> None:
        stmt = update(t.events).where(E.store_id == store, E.event_id == event_id)
        self.conn.execute(stmt.values(payload=payload))


def scrub(engine: Engine) -> bool:
    """After an erasure committed: no old version of an erased row stays readable in the
    database's files. SQLite zeroes what it frees (`secure_delete`, engine.py); here the WAL,
    which still holds the pages as they were, is checkpointed and truncated. PostgreSQL keeps
    the old row versions as dead tuples until VACUUM: the touched tables are vacuumed, their
    indexes too. False when a reader held the WAL meanwhile (the next checkpoint does it)."""
    if engine.dialect.name == "sqlite":
        raw = engine.raw_connection()
        try:  # outside any transaction: the pool's connections run in autocommit
            cursor = raw.cursor()
            busy, _, _ = cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
            cursor.close()
        finally:
            raw.close()
        if busy:
            log.warning("erasure: a reader held the WAL; its old pages go at the next checkpoint")
        return not busy
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql(f"VACUUM (INDEX_CLEANUP ON) {', '.join(TOUCHED)}")
    return True
