"""What a deliver_sm from the SMSC is: a delivery receipt, a shopper's reply, or neither.

A receipt is a deliver_sm whose esm_class says "SMSC delivery receipt" (0x04) or that carries
the `receipted_message_id` or `message_state` parameter. Its reference and state come from
those parameters when present, else from the receipt text. A receipt of a state that is not
final (ENROUTE, ACCEPTD, an intermediate notification), or one that names no message, is
acknowledged and dropped. SME acknowledgements are dropped too. Anything else is a reply.

Numbers of international type (TON 1) come back as E.164 (`+` and the digits).

A long reply comes as parts that carry a concatenation header; `Reassembly` keeps them until
the last one comes and makes one reply of them, in the parts' order. Parts still missing
`PART_WAIT` seconds after the first came are given up: the reply goes with what came. Each
part is kept (`kept.PartsKept`: in the database for a live worker) before the SMSC hears it
arrived, so a worker that restarts puts the reply together with the parts it acknowledged.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from tidings.adapters.providers.smpp.kept import MemoryParts, PartsKept, ReplyKey, ReplyPart
from tidings.adapters.providers.smpp.session import text_of
from tidings.domain.delivery import Receipt, Reply
from tidings.domain.sms_receipts import (
    MESSAGE_STATES,
    parse_receipt,
    receipt_error,
    receipt_status,
)
from tidings.domain.sms_wire import UDHI, concatenation_of, decode

log = logging.getLogger(__name__)

MESSAGE_TYPE = 0x3C  # esm_class bits 5-2
DEFAULT_TYPE, RECEIPT_TYPE = 0x00, 0x04
INTERNATIONAL = 1
PART_WAIT = 600.0
MAX_OPEN = 1000  # long replies being put together at once; past it the oldest is given up
FAILED_TRIES = 3  # an overdue reply the handler failed on so often is given up

Key = ReplyKey  # sender, to, reference, total


@dataclass(frozen=True, slots=True)
class Part:
    """One part of a long text: its place and its user data after the header."""

    ref: int
    total: int
    seq: int
    data: bytes
    coding: int


@dataclass
class _Pieces:
    first: Reply
    started: float  # monotonic seconds
    coding: int
    data: dict[int, bytes] = field(default_factory=dict)  # by seq
    failures: int = 0

    def joined(self, at: datetime) -> Reply:
        """The reply, its parts' data decoded together (a character may span two parts)."""
        data = b"".join(self.data[n] for n in sorted(self.data))
        return replace(self.first, text=decode(data, self.coding), at=at)


class Reassembly:
    """The parts of shoppers' long replies, kept until each reply is whole.

    A reply handed over is remembered for `wait` seconds, so that a part the SMSC delivers
    again after that (one acknowledged late, say) is recognised and not made a reply of its
    own. A part the handler failed on is forgotten (`failed`): it comes again.
    """

    def __init__(
        self, wait: float = PART_WAIT, most: int = MAX_OPEN, kept: PartsKept | None = None
    ) -> None:
        self._wait = wait
        self._most = most
        self._kept: PartsKept = kept if kept is not None else MemoryParts()
        self._open: dict[Key, _Pieces] = {}
        self._handed: dict[Key, float] = {}

    def restore(self, provider: str, now: float, wall: datetime) -> None:
        """Take up the parts and handed replies kept (by a worker before a restart); a wall
        time `at` is `now - (wall - at)` on the monotonic clock."""
        for key, at in self._kept.handed():
            self._handed[key] = now - (wall - at).total_seconds()
        for part in sorted(self._kept.reply_parts(), key=lambda p: p.at):
            sender, to, _, _ = part.key
            first = Reply(provider=provider, sender=sender, to=to, text="", at=part.at)
            started = now - (wall - part.at).total_seconds()
            pieces = self._open.setdefault(part.key, _Pieces(first, started, part.coding))
            pieces.data[part.seq] = part.data

    def add(self, part: Reply, piece: Part, now: float) -> tuple[Key, Reply] | None:
        """Keep `piece`; the whole reply (and its key, for `done`) once every part came."""
        key = (part.sender, part.to, piece.ref, piece.total)
        self._forget_handed(now, part.at)
        if key in self._handed:
            log.info("smpp: a part of a reply already handed over came again; dropped")
            return None
        if key not in self._open and len(self._open) >= self._most:
            oldest = min(self._open, key=lambda k: self._open[k].started)
            log.warning("smpp: too many long replies at once; one was given up unfinished")
            self._give_up(oldest)
        self._kept.keep_part(ReplyPart(key, piece.seq, piece.data, piece.coding, part.at))
        pieces = self._open.setdefault(key, _Pieces(part, now, piece.coding))
        pieces.data[piece.seq] = piece.data
        return (key, pieces.joined(part.at)) if len(pieces.data) == piece.total else None

    def overdue(self, now: float) -> list[tuple[Key, Reply]]:
        """Replies whose missing parts waited too long, with what came."""
        return [
            (key, pieces.joined(pieces.first.at))
            for key, pieces in self._open.items()
            if now - pieces.started >= self._wait
        ]

    def done(self, key: Key, now: float, at: datetime) -> None:
        """The reply of `key` was handed over (at wall time `at`): forget its parts, remember
        that it went."""
        if self._open.pop(key, None) is not None:
            self._handed[key] = now
            self._kept.hand(key, at)

    def failed(self, key: Key, seq: int | None = None) -> None:
        """The handler failed on the reply of `key`: forget part `seq` (the SMSC delivers it
        again), or, for an overdue reply, give it up after `FAILED_TRIES`."""
        pieces = self._open.get(key)
        if pieces is None:
            return
        if seq is not None:
            pieces.data.pop(seq, None)
            self._kept.drop_parts(key, seq)
            return
        pieces.failures += 1
        if pieces.failures >= FAILED_TRIES:
            log.warning("smpp: an unfinished long reply was given up: its handler kept failing")
            self._give_up(key)

    def _give_up(self, key: Key) -> None:
        del self._open[key]
        self._kept.drop_parts(key)

    def _forget_handed(self, now: float, wall: datetime) -> None:
        old = [k for k, at in self._handed.items() if now - at >= self._wait]
        for key in old:
            del self._handed[key]
        if old:
            self._kept.forget_handed(wall - timedelta(seconds=self._wait))


def part_of(pdu: Any) -> Part | None:
    """The part of a long text the deliver_sm is, if it is one."""
    if not pdu.esm_class & UDHI:
        return None
    data = _user_data(pdu)
    header = concatenation_of(data)
    if header is None:
        return None
    return Part(*header, data=data[data[0] + 1 :], coding=pdu.data_coding or 0)


def inbound(pdu: Any, provider: str, now: datetime) -> Receipt | Reply | None:
    """The receipt or reply a deliver_sm brings; None for one with nothing to hand over."""
    kind = pdu.esm_class & MESSAGE_TYPE
    has_receipt_tlv = pdu.receipted_message_id is not None or pdu.message_state is not None
    if kind == RECEIPT_TYPE or has_receipt_tlv:
        return _receipt(pdu, provider, now)
    if kind != DEFAULT_TYPE:
        log.info("smpp: a deliver_sm of message type 0x%02X was dropped", kind)
        return None
    return Reply(
        provider=provider,
        sender=_number(pdu.source_addr, pdu.source_addr_ton),
        to=_number(pdu.destination_addr, pdu.dest_addr_ton),
        text=_body(pdu),
        at=now,
    )


def _receipt(pdu: Any, provider: str, now: datetime) -> Receipt | None:
    written = parse_receipt(_body(pdu))
    ref = text_of(pdu.receipted_message_id) or (written.id if written else "")
    if pdu.message_state is not None:
        stat = MESSAGE_STATES.get(pdu.message_state, "UNKNOWN")
    else:
        stat = written.stat if written else ""
    if not ref or not stat:
        log.warning("smpp: a delivery receipt without a message id or state was dropped")
        return None
    status = receipt_status(stat)
    if status is None:
        log.debug("smpp: receipt for %s is not final (%s)", ref, stat)
        return None
    err = written.err if written else _network_error(pdu.network_error_code)
    return Receipt(
        provider=provider, ref=ref, status=status, at=now, error=receipt_error(stat, err)
    )


def _body(pdu: Any) -> str:
    return decode(_user_data(pdu), pdu.data_coding or 0, header=bool(pdu.esm_class & UDHI))


def _user_data(pdu: Any) -> bytes:
    return bytes(pdu.short_message or pdu.message_payload or b"")


def _number(address: bytes | str | None, ton: int | None) -> str:
    text = text_of(address)
    if ton == INTERNATIONAL and text.isascii() and text.isdigit():
        return f"+{text}"
    return text


def _network_error(code: bytes | None) -> str:
    return code.hex() if code else ""
