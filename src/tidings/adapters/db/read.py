"""The read side of the API: messages by filters and pages, deliveries, alerts, links."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, or_, select, update

from tidings.adapters.db import tables as t
from tidings.adapters.db.outbox import MESSAGE_COLUMNS, message_of
from tidings.adapters.db.plans import unindexed
from tidings.domain.delivery import RECEIPT_STATES
from tidings.domain.messages import Message
from tidings.domain.state import Alert
from tidings.services.ports import MessageFilter

M = t.messages.c
D = t.deliveries.c
A = t.alerts.c
L = t.links.c
R = t.provider_refs.c
S = t.stores.c
DELIVERY_STATES = ("queued", "sending", "accepted", *RECEIPT_STATES, "expired")


class SqlReadModel:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def messages(
        self, store: str, where: MessageFilter, after: tuple[datetime, str] | None, limit: int
    ) -> list[Message]:
        """A page of the store's messages, newest due first; `after` is the last one seen."""
        query = select(*MESSAGE_COLUMNS).where(M.store_id == store, *_conditions(store, where))
        if after is not None:
            due, ident = after
            query = query.where(or_(M.due_at < due, and_(M.due_at == due, M.message_id < ident)))
        by_due: Any = unindexed(M.due_at) if where.customer else M.due_at  # customer's index leads
        query = query.order_by(by_due.desc(), M.message_id.desc()).limit(limit)
        return [message_of(row) for row in self.conn.execute(query)]

    def deliveries(self, store: str, messages: Sequence[str]) -> dict[str, list[dict[str, Any]]]:
        """Each message's deliveries, with the provider's references (one per SMS part)."""
        cols = [D.message_id, D.recipient, D.channel, D.provider, D.state, D.attempts]
        cols += [D.error, D.accepted_at, D.final_at]
        ids = list(messages)
        query = select(*cols).where(D.store_id == store, D.message_id.in_(ids))
        refs: dict[tuple[str, str], list[str]] = {}
        found = select(R.message_id, R.recipient, R.ref).where(R.store_id == store)
        for mid, to, ref in self.conn.execute(found.where(R.message_id.in_(ids)).order_by(R.ref)):
            refs.setdefault((mid, to), []).append(ref)
        out: dict[str, list[dict[str, Any]]] = {}
        for row in self.conn.execute(query.order_by(D.message_id, D.recipient)):
            view = dict(row._mapping)
            view["refs"] = refs.get((view["message_id"], view["recipient"]), [])
            out.setdefault(view.pop("message_id"), []).append(view)
        return out

    def of_customer(self, store: str, customer: str, limit: int) -> list[Message]:
        query = select(*MESSAGE_COLUMNS).where(M.store_id == store, M.customer_id == customer)
        query = query.order_by(unindexed(M.due_at).desc(), M.message_id.desc()).limit(limit)
        return [message_of(row) for row in self.conn.execute(query)]

    def alerts(self, store: str, state: str | None, limit: int) -> list[tuple[Alert, str | None]]:
        query = (
            select(t.alerts, M.body)
            .join(t.messages, and_(M.store_id == A.store_id, M.message_id == A.message_id))
            .where(A.store_id == store)
        )
        if state:
            query = query.where(A.state == state)
        query = query.order_by(A.opened_at.desc(), A.message_id).limit(limit)
        rows = self.conn.execute(query)
        return [(Alert(*row[:-1]), row[-1]) for row in rows]

    def set_alert(self, store: str, message_id: str, state: str, at: datetime) -> bool:
        """Acknowledge or resolve an alert; False when the store has no such alert."""
        values: dict[str, Any] = {"state": state}
        values[f"{state}_at"] = at
        stmt = update(t.alerts).where(A.store_id == store, A.message_id == message_id)
        return bool(self.conn.execute(stmt.values(**values)).rowcount)

    def links(self, token: str) -> list[tuple[str, str, str]]:
        """(store, target, the store's base_url) of each short link that has `token` (one,
        but for a chance collision of two stores' tokens)."""
        query = (
            select(L.store_id, L.target, S.base_url)
            .join(t.stores, S.store_id == L.store_id)
            .where(L.token == token)
        )
        return [(row[0], row[1], row[2] or "") for row in self.conn.execute(query)]

    def base_urls(self, host: str) -> dict[str, str]:
        """The `base_url` of each store whose base_url names `host` (or contains its text)."""
        query = select(S.store_id, S.base_url).where(S.base_url.contains(host, autoescape=True))
        return {row[0]: row[1] for row in self.conn.execute(query)}

    def message(self, message_id: str) -> Message | None:
        row = self.conn.execute(select(*MESSAGE_COLUMNS).where(M.message_id == message_id)).first()
        return None if row is None else message_of(row)


def _conditions(store: str, where: MessageFilter) -> list[Any]:
    out: list[Any] = []
    if where.journey:
        out.append(M.journey == where.journey)
    if where.status in DELIVERY_STATES:
        delivered = select(D.message_id).where(D.store_id == store, D.state == where.status)
        out.append(M.message_id.in_(delivered))
    elif where.status:
        out.append(M.status == where.status)
    if where.reason:
        out.append(M.reason == where.reason)
    if where.customer:
        out.append(M.customer_id == where.customer)
    if where.since:
        out.append(M.due_at >= where.since)
    if where.until:
        out.append(M.due_at < where.until)
    return out
