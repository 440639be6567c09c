"""Deliveries as rows: claimed with leases, recorded where the lease still holds.

PostgreSQL workers claim with `FOR UPDATE SKIP LOCKED`: rows another worker is claiming are
passed over, never waited for. SQLite has one writer at a time (`BEGIN IMMEDIATE`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, bindparam, select, tuple_, update

from tidings.adapters.db import tables as t
from tidings.adapters.db.bulk import Writer
from tidings.domain.delivery import ACCEPTED, CLAIMABLE, SENDING, Claim, Outcome
from tidings.domain.state import DeliveryReceipt

D = t.deliveries.c
M = t.messages.c
R = t.provider_refs.c
_KEY = and_(
    D.store_id == bindparam("k_store"),
    D.message_id == bindparam("k_message"),
    D.recipient == bindparam("k_recipient"),
)


_CLAIMED = [D.store_id, D.message_id, D.recipient, D.channel, D.provider, M.body, M.due_at]
_CLAIMED += [M.decided_at, M.kind, M.title, M.customer_id, D.attempts]


def _claimed(row: Any) -> Claim:
    """A claimed row as a Claim, its attempts counting this one."""
    store, message, recipient, channel, provider, body, due, decided, *rest = row
    kind, title, customer, attempts = rest
    return Claim(
        store, message, recipient, channel, provider, body or "", due, decided or due, kind,
        title, customer, attempts + 1,
    )  # fmt: skip


def _route(c: Claim) -> tuple[str, str, str, str, str]:
    return (c.store_id, c.message_id, c.recipient, c.channel, c.provider)


def _key(claim: Claim, owner: str | None = None) -> dict[str, Any]:
    key = {"k_store": claim.store_id, "k_message": claim.message_id, "k_recipient": claim.recipient}
    return key if owner is None else {**key, "k_owner": owner}


class SqlDeliveries:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.claims = conn.dialect.name == "postgresql"

    def add(self, claims: Sequence[Claim], owner: str, lease_until: datetime) -> None:
        time = Writer.time_for(self.conn)
        until = time(lease_until)
        rows = [
            (*_route(c), SENDING, c.attempts, until, owner, time(c.due_at), *([None] * 4))
            for c in claims
        ]
        _DELIVERIES.write_rows(self.conn, rows, update=False)

    def claim(self, now: datetime, owner: str, lease_until: datetime, limit: int) -> list[Claim]:
        query = (
            select(*_CLAIMED)
            .join(t.messages, and_(M.store_id == D.store_id, M.message_id == D.message_id))
            .where(D.state.in_(CLAIMABLE), D.attempt_at <= now)
            .order_by(D.attempt_at)
            .limit(limit)
        )
        if self.claims:
            query = query.with_for_update(skip_locked=True, of=t.deliveries)
        claims = [_claimed(row) for row in self.conn.execute(query)]
        if claims:
            take = update(t.deliveries).where(_KEY)
            take = take.values(
                state=SENDING, attempts=D.attempts + 1, attempt_at=lease_until, lease_owner=owner
            )
            self.conn.execute(take, [_key(c) for c in claims])
        return claims

    def record(self, outcomes: Sequence[Outcome], owner: str) -> None:
        """What came of each try, in one statement, where `owner` still holds the lease. An
        acceptance keeps a receipt that came first (a fast provider), and its references are
        kept to find the message by when the provider's receipts come."""
        time = Writer.time_for(self.conn)
        rows = [_outcome(o, time) for o in outcomes]
        _OUTCOMES.update(self.conn, rows, _ASSIGN, _WHERE, owner)
        refs = {
            (o.claim.provider, ref): (o.claim.store_id, o.claim.message_id, o.claim.recipient)
            for o in outcomes
            for ref in o.refs
        }
        _REFS.write_rows(self.conn, [(p, r, *to) for (p, r), to in sorted(refs.items())])

    def apply_receipts(self, receipts: Sequence[DeliveryReceipt]) -> None:
        """A receipt sets the state of its message's deliveries, found by id or by reference."""
        values: dict[str, Any] = {"state": bindparam("v_state"), "error": bindparam("v_error")}
        values |= {"final_at": bindparam("v_at")}
        by_id = [r for r in receipts if r.message_id]
        if by_id:
            stmt = update(t.deliveries).where(
                D.store_id == bindparam("k_store"), D.message_id == bindparam("k_message")
            )
            params = [_receipt(r) | {"k_message": r.message_id} for r in by_id]
            self.conn.execute(stmt.values(**values), params)
        by_ref = [r for r in receipts if not r.message_id and r.ref]
        if by_ref:
            found = select(R.message_id, R.recipient).where(
                R.store_id == bindparam("k_store"), R.ref == bindparam("k_ref")
            )
            stmt = update(t.deliveries).where(
                D.store_id == bindparam("k_store"),
                tuple_(D.message_id, D.recipient).in_(found.scalar_subquery()),
            )
            params = [_receipt(r) | {"k_ref": r.ref} for r in by_ref]
            self.conn.execute(stmt.values(**values), params)

    def locate(self, provider: str, refs: Iterable[str]) -> dict[str, tuple[str, str]]:
        wanted = sorted(set(refs))
        out: dict[str, tuple[str, str]] = {}
        for start in range(0, len(wanted), 500):
            query = select(R.ref, R.store_id, R.message_id).where(
                R.provider == provider, R.ref.in_(wanted[start : start + 500])
            )
            out.update({ref: (store, mid) for ref, store, mid in self.conn.execute(query)})
        return out

    def last_store(self, provider: str, stores: Sequence[str], recipient: str) -> str | None:
        query = (
            select(D.store_id)
            .where(D.provider == provider, D.recipient == recipient, D.store_id.in_(stores))
            .order_by(D.accepted_at.desc())
            .limit(1)
        )
        found: str | None = self.conn.execute(query).scalar()
        return found


def _outcome(o: Outcome, time: Callable[[datetime | None], Any]) -> tuple[Any, ...]:
    """An outcome as a row of `_OUTCOMES`: the delivery's key, its new state, ref and error,
    when to try again, when accepted, when it ended (each None where it does not apply)."""
    c, accepted = o.claim, o.state == ACCEPTED
    ended = None if accepted or o.retry_at else o.at
    ref = o.refs[0] if o.refs else None
    key = (c.store_id, c.message_id, c.recipient)
    return (
        *key,
        o.state,
        ref,
        o.error,
        time(o.retry_at),
        time(o.at if accepted else None),
        time(ended),
    )


def _receipt(r: DeliveryReceipt) -> dict[str, Any]:
    return {"k_store": r.store_id, "v_state": r.status, "v_error": r.error, "v_at": r.at}


_DELIVERIES = Writer(t.deliveries)
_OUTCOMES = Writer(
    t.deliveries,
    [
        *("store_id", "message_id", "recipient", "state", "ref", "error", "attempt_at"),
        *("accepted_at", "final_at"),
    ],
)
_ASSIGN = (
    "state = CASE WHEN v.state = 'accepted' AND d.state <> 'sending' THEN d.state"
    " ELSE v.state END, ref = COALESCE(v.ref, d.ref), error = v.error,"
    " attempt_at = COALESCE(v.attempt_at, d.attempt_at),"
    " accepted_at = COALESCE(v.accepted_at, d.accepted_at),"
    " final_at = COALESCE(v.final_at, d.final_at), lease_owner = NULL"
)
_WHERE = (
    "d.store_id = v.store_id AND d.message_id = v.message_id AND d.recipient = v.recipient"
    " AND d.lease_owner = ? AND (d.state = 'sending' OR v.state = 'accepted')"
)
_REFS = Writer(t.provider_refs)
