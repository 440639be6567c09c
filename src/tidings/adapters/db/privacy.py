"""Erasing a customer's personal data from every table that holds it; the rows stay, so
that counts do."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Connection, or_, select, update

from tidings.adapters.db import tables as t
from tidings.domain.delivery import CLAIMABLE

C = t.customers.c
M = t.messages.c
D = t.deliveries.c
E = t.events.c
R = t.provider_refs.c
H = t.hook_deliveries.c
ERASED = "erased"


class SqlPrivacy:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def erase_customer(self, store: str, customer: str, at: datetime) -> dict[str, int]:
        """Blank the customer's contact data, the texts, subjects and recipients of the
        messages to them (not the merchant's alerts about them), and stop what waits to be
        delivered to them: a worker still sending one records nothing. Counts by table."""
        blank = dict.fromkeys(("phone", "phone_key", "email", "name", "birthday", "tags"))
        mine = (C.store_id == store, C.customer_id == customer)
        blanked = update(t.customers).where(*mine).values(**blank, erased_at=at)
        customers = self.conn.execute(blanked)
        to_them = (M.store_id == store, M.customer_id == customer, M.channel != "alert")
        ids = select(M.message_id).where(*to_them)
        theirs = (D.store_id == store, D.message_id.in_(ids))
        stopped = update(t.deliveries).where(*theirs, D.state.in_(CLAIMABLE))
        self.conn.execute(stopped.values(state="failed", error="erased", final_at=at))
        gone = update(t.deliveries).where(*theirs).values(recipient=ERASED, lease_owner=None)
        deliveries = self.conn.execute(gone)
        refs = (R.store_id == store, R.message_id.in_(ids))
        self.conn.execute(update(t.provider_refs).where(*refs).values(recipient=ERASED))
        texts = update(t.messages).where(*to_them).values(body=None, recipient=None, title=None)
        messages = self.conn.execute(texts)
        kept = update(t.hook_deliveries).where(H.store_id == store, H.customer_id == customer)
        self.conn.execute(kept.values(body=None, headers=None))  # the webhooks about them
        return {
            "customers": customers.rowcount,
            "messages": messages.rowcount,
            "deliveries": deliveries.rowcount,
        }

    def events_mentioning(
        self, store: str, types: Sequence[str], needles: Sequence[str] | None
    ) -> list[tuple[str, str]]:
        """(id, payload) of the store's events of `types` whose text contains a needle (or
        all of them, without needles)."""
        query = select(E.event_id, E.payload).where(E.store_id == store, E.type.in_(list(types)))
        if needles is not None:
            query = query.where(or_(*(E.payload.contains(n, autoescape=True) for n in needles)))
        return [(row[0], row[1]) for row in self.conn.execute(query)]

    def rewrite_event(self, store: str, event_id: str, payload: str) -> None:
        stmt = update(t.events).where(E.store_id == store, E.event_id == event_id)
        self.conn.execute(stmt.values(payload=payload))
