"""Deliveries as rows: claimed with leases, recorded and renewed where the lease still holds.

PostgreSQL workers claim with `FOR UPDATE SKIP LOCKED`: rows another worker is claiming are
passed over, never waited for. SQLite has one writer at a time (`BEGIN IMMEDIATE`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    Connection,
    and_,
    bindparam,
    delete,
    select,
    text,
    tuple_,
    update,
)

from tidings.adapters.db import tables as t
from tidings.adapters.db.bulk import Writer
from tidings.adapters.db.engine import claims_rows, in_index_order
from tidings.adapters.db.plans import written
from tidings.adapters.db.repositories import CHUNK
from tidings.domain.delivery import (
    ACCEPTED,
    CLAIMABLE,
    QUEUED,
    SENDING,
    Claim,
    Outcome,
    Receipt,
)
from tidings.domain.state import DeliveryReceipt

D = t.deliveries.c
M = t.messages.c
R = t.provider_refs.c
W = t.receipts_waiting.c
Key3 = tuple[str, str, str]
_KEY = and_(
    D.store_id == bindparam("k_store"),
    D.message_id == bindparam("k_message"),
    D.recipient == bindparam("k_recipient"),
)
_CLAIMED = [D.store_id, D.message_id, D.recipient, D.channel, D.provider, M.body, M.decided_at]
_CLAIMED += [M.kind, M.title, M.customer_id, t.stores.c.base_url, D.attempts, M.template]
# A receipt speaks of a message the provider took: not of one still waiting to be tried.
_RECEIVED = text(
    "(deliveries.state IN ('sending', 'accepted', 'delivered', 'undeliverable')"
    " OR (deliveries.state = 'failed' AND deliveries.accepted_at IS NOT NULL))"
)  # literal: an expanding IN cannot go in an executemany


def _claimed(row: Any) -> Claim:
    """A claimed row as a Claim, its attempts counting this one."""
    store, message, recipient, channel, provider, body, decided, *rest = row
    kind, title, customer, base_url, attempts, template = rest
    return Claim(
        store, message, recipient, channel, provider, body or "", decided, kind, title,
        customer, base_url or "", attempts + 1, template,
    )  # fmt: skip


def _key(claim: Claim) -> dict[str, Any]:
    return {
        "k_store": claim.store_id,
        "k_message": claim.message_id,
        "k_recipient": claim.recipient,
    }


_CLAIMABLE = [written(state) for state in CLAIMABLE]  # the partial index ix_deliveries_claim
# Built once: a statement made anew for each recording cost more than the recording itself.
_TAKE_WAITING = (
    delete(t.receipts_waiting)
    .where(tuple_(W.provider, W.ref).in_(bindparam("refs", expanding=True)))
    .returning(*t.receipts_waiting.c)
)
_ANY_WAITING = select(W.ref).limit(1)


class SqlDeliveries:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def add(self, claims: Sequence[Claim], owner: str, lease_until: datetime) -> None:
        until = Writer.time_for(self.conn)(lease_until)
        rows = [(*c.key, c.channel, c.provider, SENDING, c.attempts, until, owner) for c in claims]
        _DELIVERIES.write_rows(self.conn, rows, update=False)

    def claim(self, now: datetime, owner: str, lease_until: datetime, limit: int) -> list[Claim]:
        query = (
            select(*_CLAIMED)
            .join(t.messages, and_(M.store_id == D.store_id, M.message_id == D.message_id))
            .join(t.stores, t.stores.c.store_id == D.store_id)
            .where(D.state.in_(_CLAIMABLE), D.attempt_at <= now)
            .order_by(D.attempt_at, M.decided_at)  # a deferred backlog: the oldest first
            .limit(limit)
        )
        if claims_rows(self.conn):
            query = query.with_for_update(skip_locked=True, of=t.deliveries)
        with in_index_order(self.conn):
            claims = [_claimed(row) for row in self.conn.execute(query)]
        if claims:
            take = update(t.deliveries).where(_KEY)
            take = take.values(
                state=SENDING, attempts=D.attempts + 1, attempt_at=lease_until, lease_owner=owner
            )
            self.conn.execute(take, [_key(c) for c in claims])
        return claims

    def record(self, outcomes: Sequence[Outcome], owner: str) -> list[tuple[str, str]]:
        """What came of each try, in one statement, where `owner` still holds the lease. An
        acceptance keeps a receipt that came first (a fast provider); its references are kept
        to find the message by when the provider's receipts come."""
        time = Writer.time_for(self.conn)
        rows = [_outcome(o, owner, time) for o in outcomes]
        held = set(_OUTCOMES.update(self.conn, rows, _ASSIGN, _WHERE, returning=_KEYS))
        refs = {
            (o.claim.provider, ref): o.claim.key
            for o in outcomes
            if o.claim.key in held
            for ref in o.refs
        }
        _REFS.write_rows(self.conn, [(p, r, *key) for (p, r), key in sorted(refs.items())])
        return sorted(refs)

    def renew(self, claims: Sequence[Claim], owner: str, until: datetime) -> set[Key3]:
        at = Writer.time_for(self.conn)(until)
        rows = [(*c.key, owner, SENDING, at) for c in claims]
        found = _RENEW.update(self.conn, rows, _LEASE, _MINE, returning=_KEYS)
        return {(s, m, r) for s, m, r in found}

    def reserve(self, provider: str, span: timedelta, now: datetime) -> datetime:
        s = t.provider_slots.c
        query = select(s.free_at).where(s.provider == provider)
        if claims_rows(self.conn):
            query = query.with_for_update()
        free: datetime | None = self.conn.execute(query).scalar()
        start = max(free or now, now)
        _SLOTS.write_rows(self.conn, [(provider, Writer.time_for(self.conn)(start + span))])
        return start

    def defer(self, provider: str, until: datetime) -> None:
        waiting = (D.state.in_(_CLAIMABLE), D.state == written(QUEUED), D.provider == provider)
        self.conn.execute(update(t.deliveries).where(*waiting).values(attempt_at=until))

    def wait(self, receipt: Receipt) -> None:
        time = Writer.time_for(self.conn)
        row = (receipt.provider, receipt.ref, receipt.status, receipt.error, time(receipt.at))
        _WAITING.write_rows(self.conn, [row], update=True)

    def waiting(self, refs: Sequence[tuple[str, str]]) -> list[Receipt]:
        found: list[Receipt] = []
        if self.conn.execute(_ANY_WAITING).first() is None:  # the usual case, and cheap
            return found
        for start in range(0, len(refs), CHUNK):
            part = list(refs[start : start + CHUNK])
            rows = self.conn.execute(_TAKE_WAITING, {"refs": part}).all()  # found and gone
            found += [Receipt(p, ref, status, at, error) for p, ref, status, error, at in rows]
        return sorted(found, key=lambda r: r.at)

    def forget_waiting(self, before: datetime) -> int:
        """Receipts whose acceptance was never recorded (a part of a long text taken before
        the message failed, another installation's message) wait no longer."""
        gone = self.conn.execute(delete(t.receipts_waiting).where(W.received_at < before))
        return int(gone.rowcount or 0)

    def apply_receipts(self, receipts: Sequence[DeliveryReceipt]) -> None:
        """A receipt sets the state of its message's deliveries among those the provider took:
        a provider's own receipt the one delivery its reference was recorded for, with that
        provider; a store's own word, by tidings' id or by reference, in that store."""
        own = [r for r in receipts if r.provider and r.ref]
        by_id = [r for r in receipts if not (r.provider and r.ref) and r.message_id]
        by_ref = [r for r in receipts if not (r.provider or r.message_id) and r.ref]
        for stmt, rows in ((_BY_PROVIDER, own), (_BY_ID, by_id), (_BY_REF, by_ref)):
            if rows:
                self.conn.execute(stmt, [_receipt(r) for r in rows])

    def locate(self, provider: str, refs: Iterable[str]) -> dict[str, tuple[str, str]]:
        wanted = sorted(set(refs))
        out: dict[str, tuple[str, str]] = {}
        for start in range(0, len(wanted), CHUNK):
            query = select(R.ref, R.store_id, R.message_id).where(
                R.provider == provider, R.ref.in_(wanted[start : start + CHUNK])
            )
            out.update({ref: (store, mid) for ref, store, mid in self.conn.execute(query)})
        return out

    def last_store(self, provider: str, stores: Sequence[str], recipient: str) -> str | None:
        query = (
            select(D.store_id)
            .where(D.provider == provider, D.recipient == recipient, D.store_id.in_(stores))
            .where(D.accepted_at.is_not(None))
            .order_by(D.accepted_at.desc())
            .limit(1)
        )
        found: str | None = self.conn.execute(query).scalar()
        return found


def _outcome(o: Outcome, owner: str, time: Callable[[datetime | None], Any]) -> tuple[Any, ...]:
    """An outcome as a row of `_OUTCOMES`: the delivery's key and lease, its new state and
    error, when to try again, when accepted, when it ended (each None where it does not
    apply)."""
    accepted = o.state == ACCEPTED
    ended = None if accepted or o.retry_at else o.at
    times = (time(o.retry_at), time(o.at if accepted else None), time(ended))
    return (*o.claim.key, owner, o.state, o.error, *times)


def _receipt(r: DeliveryReceipt) -> dict[str, Any]:
    keys = {"k_store": r.store_id, "k_message": r.message_id, "k_ref": r.ref}
    return keys | {"k_provider": r.provider, "v_state": r.status, "v_error": r.error, "v_at": r.at}


def _receipts_where(*where: Any) -> Any:
    """The update a receipt makes of the deliveries `where` finds, among those received."""
    values: dict[str, Any] = {"state": bindparam("v_state"), "error": bindparam("v_error")}
    values |= {"final_at": bindparam("v_at")}
    return (
        update(t.deliveries)
        .where(D.store_id == bindparam("k_store"), *where, _RECEIVED)
        .values(**values)
    )


def _referred(*where: Any) -> Any:
    """(message, recipient) of the store's references `where` names."""
    found = select(R.message_id, R.recipient).where(R.store_id == bindparam("k_store"), *where)
    return tuple_(D.message_id, D.recipient).in_(found.scalar_subquery())


_BY_PROVIDER = _receipts_where(
    D.provider == bindparam("k_provider"),
    _referred(R.provider == bindparam("k_provider"), R.ref == bindparam("k_ref")),
)
_BY_ID = _receipts_where(D.message_id == bindparam("k_message"))
_BY_REF = _receipts_where(_referred(R.ref == bindparam("k_ref")))


_KEYS = ("store_id", "message_id", "recipient")
_DELIVERIES = Writer(
    t.deliveries, [*_KEYS, "channel", "provider", "state", "attempts", "attempt_at", "lease_owner"]
)
_LEASED = [*_KEYS, "lease_owner"]
_OUTCOMES = Writer(
    t.deliveries, [*_LEASED, "state", "error", "attempt_at", "accepted_at", "final_at"]
)
_ASSIGN = (
    "state = CASE WHEN v.state = 'accepted' AND d.state <> 'sending' THEN d.state"
    " ELSE v.state END, error = v.error, attempt_at = COALESCE(v.attempt_at, d.attempt_at),"
    " accepted_at = COALESCE(v.accepted_at, d.accepted_at),"
    " final_at = COALESCE(v.final_at, d.final_at), lease_owner = NULL"
)
# The rows found by key and lease, both joined to the rows given, never a filter of the table
# alone: statistics taken while no row was leased say that none is, and PostgreSQL then read
# the whole table for the rows of a lease and tried each against every row given (at 356,000
# deliveries, over a second a statement: tests/integration/test_postgres_plans.py).
_HELD = (
    "d.store_id = v.store_id AND d.message_id = v.message_id AND d.recipient = v.recipient"
    " AND d.lease_owner = v.lease_owner"
)
_WHERE = f"{_HELD} AND (d.state = 'sending' OR v.state = 'accepted')"
_RENEW = Writer(t.deliveries, [*_LEASED, "state", "attempt_at"])
_LEASE = "attempt_at = v.attempt_at"
_MINE = f"{_HELD} AND d.state = v.state"  # still sending
_REFS = Writer(t.provider_refs)
_WAITING = Writer(t.receipts_waiting)
_SLOTS = Writer(t.provider_slots)
