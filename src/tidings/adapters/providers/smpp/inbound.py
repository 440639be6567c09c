"""What a deliver_sm from the SMSC is: a delivery receipt, a shopper's reply, or neither.

A receipt is a deliver_sm whose esm_class says "SMSC delivery receipt" (0x04) or that carries
the `receipted_message_id` or `message_state` parameter. Its reference and state come from
those parameters when present, else from the receipt text. A receipt of a state that is not
final (ENROUTE, ACCEPTD, an intermediate notification), or one that names no message, is
acknowledged and dropped. SME acknowledgements are dropped too. Anything else is a reply.

Numbers of international type (TON 1) come back as E.164 (`+` and the digits).

A long reply comes as parts that carry a concatenation header; `Reassembly` keeps them until
the last one comes and makes one reply of them, in the parts' order. Parts still missing
`PART_WAIT` seconds after the first came are given up: the reply goes with what came.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

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

Key = tuple[str, str, int, int]  # sender, to, reference, total


@dataclass
class _Pieces:
    first: Reply
    started: float  # monotonic seconds
    texts: dict[int, str] = field(default_factory=dict)  # by seq

    def joined(self, at: datetime) -> Reply:
        return replace(self.first, text="".join(self.texts[n] for n in sorted(self.texts)), at=at)


class Reassembly:
    """The parts of shoppers' long replies, kept until each reply is whole."""

    def __init__(self, wait: float = PART_WAIT) -> None:
        self._wait = wait
        self._open: dict[Key, _Pieces] = {}

    def add(
        self, part: Reply, header: tuple[int, int, int], now: float
    ) -> tuple[Key, Reply] | None:
        """Keep `part`; the whole reply (and its key, for `done`) once every part came."""
        ref, total, seq = header
        key = (part.sender, part.to, ref, total)
        pieces = self._open.setdefault(key, _Pieces(part, now))
        pieces.texts[seq] = part.text
        return (key, pieces.joined(part.at)) if len(pieces.texts) == total else None

    def overdue(self, now: float) -> list[tuple[Key, Reply]]:
        """Replies whose missing parts waited too long, with what came."""
        return [
            (key, pieces.joined(pieces.first.at))
            for key, pieces in self._open.items()
            if now - pieces.started >= self._wait
        ]

    def done(self, key: Key) -> None:
        """The reply of `key` was handed over: forget its parts."""
        self._open.pop(key, None)


def part_of(pdu: Any) -> tuple[int, int, int] | None:
    """(reference, total, seq) when the deliver_sm is one part of a long text."""
    if not pdu.esm_class & UDHI:
        return None
    return concatenation_of(pdu.short_message or pdu.message_payload or b"")


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
    data = pdu.short_message or pdu.message_payload or b""
    return decode(data, pdu.data_coding or 0, header=bool(pdu.esm_class & UDHI))


def _number(address: bytes | str | None, ton: int | None) -> str:
    text = text_of(address)
    if ton == INTERNATIONAL and text.isascii() and text.isdigit():
        return f"+{text}"
    return text


def _network_error(code: bytes | None) -> str:
    return code.hex() if code else ""
