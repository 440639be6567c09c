"""What an SMPP provider keeps across restarts (`providers.smpp.kept.PartsKept`), as rows.

The provider calls it outside any unit of work, between PDUs: each call is one short
transaction of its own, committed. A reply's row of part 0 says it was handed over.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Engine, and_, delete, insert, select

from tidings.adapters.db import tables as t
from tidings.adapters.providers.smpp.kept import ReplyKey, ReplyPart, Sending, Taken

P = t.smpp_parts_taken.c
Q = t.smpp_reply_parts.c
_HANDED = 0  # the part number of the row that says a reply was handed over


class SqlSmppParts:
    """The parts kept of one SMPP provider, `provider`."""

    def __init__(self, engine: Engine, provider: str) -> None:
        self.engine = engine
        self.provider = provider

    def taken(self, key: Sending) -> Taken | None:
        query = select(P.part, P.source, P.digest, P.concat_ref, P.ref).where(self._text(key))
        with self.engine.connect() as conn:
            rows = conn.execute(query).all()
        if not rows:
            return None
        _, source, digest, ref, _ = rows[0]
        return Taken(source, digest, ref, {part: r for part, *_, r in rows})

    def take(self, key: Sending, taken: Taken, index: int, at: datetime) -> None:
        store, message, recipient = key
        row: dict[str, Any] = {"store_id": store, "message_id": message, "recipient": recipient}
        row |= {"provider": self.provider, "part": index, "source": taken.source}
        row |= {"digest": taken.digest, "concat_ref": taken.ref, "ref": taken.refs[index]}
        with self.engine.begin() as conn:
            conn.execute(delete(t.smpp_parts_taken).where(self._text(key), P.part == index))
            conn.execute(insert(t.smpp_parts_taken), [row | {"taken_at": at}])

    def sent(self, key: Sending) -> None:
        with self.engine.begin() as conn:
            conn.execute(delete(t.smpp_parts_taken).where(self._text(key)))

    def forget_taken(self, before: datetime) -> None:
        mine = and_(P.provider == self.provider, P.taken_at < before)
        with self.engine.begin() as conn:
            conn.execute(delete(t.smpp_parts_taken).where(mine))

    def reply_parts(self) -> list[ReplyPart]:
        query = select(*_REPLY).where(Q.provider == self.provider, Q.part != _HANDED)
        with self.engine.connect() as conn:
            return [_part(row) for row in conn.execute(query)]

    def handed(self) -> list[tuple[ReplyKey, datetime]]:
        query = select(*_REPLY).where(Q.provider == self.provider, Q.part == _HANDED)
        with self.engine.connect() as conn:
            return [(p.key, p.at) for p in map(_part, conn.execute(query))]

    def keep_part(self, part: ReplyPart) -> None:
        with self.engine.begin() as conn:
            conn.execute(delete(t.smpp_reply_parts).where(self._reply(part.key, part.seq)))
            conn.execute(insert(t.smpp_reply_parts), [self._row(part)])

    def drop_parts(self, key: ReplyKey, seq: int | None = None) -> None:
        with self.engine.begin() as conn:
            conn.execute(delete(t.smpp_reply_parts).where(self._reply(key, seq)))

    def hand(self, key: ReplyKey, at: datetime) -> None:
        marker = ReplyPart(key, _HANDED, b"", 0, at)
        with self.engine.begin() as conn:
            conn.execute(delete(t.smpp_reply_parts).where(self._reply(key)))
            conn.execute(insert(t.smpp_reply_parts), [self._row(marker)])

    def forget_handed(self, before: datetime) -> None:
        old = and_(Q.provider == self.provider, Q.part == _HANDED, Q.received_at < before)
        with self.engine.begin() as conn:
            conn.execute(delete(t.smpp_reply_parts).where(old))

    def _text(self, key: Sending) -> Any:
        store, message, recipient = key
        return and_(
            P.store_id == store,
            P.message_id == message,
            P.recipient == recipient,
            P.provider == self.provider,
        )

    def _reply(self, key: ReplyKey, seq: int | None = None) -> Any:
        sender, to, ref, total = key
        where = and_(
            Q.provider == self.provider,
            Q.sender == sender,
            Q.recipient == to,
            Q.concat_ref == ref,
            Q.total == total,
        )
        return where if seq is None else and_(where, Q.part == seq)

    def _row(self, part: ReplyPart) -> dict[str, Any]:
        sender, to, ref, total = part.key
        return {
            "provider": self.provider, "sender": sender, "recipient": to, "concat_ref": ref,
            "total": total, "part": part.seq, "data": part.data, "coding": part.coding,
            "received_at": part.at,
        }  # fmt: skip


_REPLY = [Q.sender, Q.recipient, Q.concat_ref, Q.total, Q.part, Q.data, Q.coding, Q.received_at]


def _part(row: Any) -> ReplyPart:
    sender, to, ref, total, seq, data, coding, at = row
    return ReplyPart((sender, to, ref, total), seq, bytes(data), coding, at)
