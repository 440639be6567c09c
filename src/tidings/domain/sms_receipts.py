"""Delivery receipts as SMSCs word them, and what they mean for a delivery.

The common text form (SMPP 3.4, appendix B, and what most SMSCs and HTTP gateways send):

    id:XXXX sub:001 dlvrd:001 submit date:YYMMDDhhmm done date:YYMMDDhhmm stat:DELIVRD
    err:000 text:…

Field names are read case-insensitively and `text` runs to the end. The final states map
onto a delivery's receipt statuses:

    DELIVRD                              delivered
    UNDELIV, EXPIRED, REJECTD, DELETED   undeliverable (the handset or the network refused it)
    UNKNOWN, anything else final         failed
    ENROUTE, ACCEPTD                     not final: no receipt status yet (None)

ACCEPTD is final in the letter of SMPP 3.4, but SMSCs use it for "taken by the network"
before the real outcome, so it waits for the receipt that follows.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

from tidings.domain.delivery import ReceiptStatus

# SMPP 3.4 message_state values (the TLV) and the stat words of the receipt text.
MESSAGE_STATES: Final = {
    1: "ENROUTE",
    2: "DELIVRD",
    3: "EXPIRED",
    4: "DELETED",
    5: "UNDELIV",
    6: "ACCEPTD",
    7: "UNKNOWN",
    8: "REJECTD",
}
_NOT_FINAL: Final = frozenset({"ENROUTE", "ACCEPTD"})
_UNDELIVERABLE: Final = frozenset({"UNDELIV", "EXPIRED", "REJECTD", "DELETED"})
_NO_ERROR: Final = frozenset({"", "0", "00", "000"})
_FIELD: Final = re.compile(r"\b(id|sub|dlvrd|submit date|done date|stat|err|text):", re.I)


@dataclass(frozen=True, slots=True)
class ReceiptText:
    """The fields of a receipt's text, as written (dates are the SMSC's, without a zone)."""

    id: str
    stat: str
    err: str = ""
    sub: str = ""
    dlvrd: str = ""
    submit_date: str = ""
    done_date: str = ""
    text: str = ""


def parse_receipt(text: str) -> ReceiptText | None:
    """The fields of a receipt text; None when it names no message id or no state."""
    fields: dict[str, str] = {}
    matches = list(_FIELD.finditer(text))
    ends = [following.start() for following in matches[1:]] + [len(text)]
    for match, end in zip(matches, ends, strict=False):  # no match: no field
        name = match.group(1).lower().replace(" ", "_")
        if name == "text":  # the message's own words, whatever they hold
            fields.setdefault(name, text[match.end() :].strip())
            break
        fields.setdefault(name, text[match.end() : end].strip())
    if not fields.get("id") or not fields.get("stat"):
        return None
    return ReceiptText(**fields)


def receipt_status(stat: str) -> ReceiptStatus | None:
    """The delivery status a receipt's state means; None while the message is not final."""
    word = stat.strip().upper()
    if word in _NOT_FINAL:
        return None
    if word == "DELIVRD":
        return "delivered"
    if word in _UNDELIVERABLE:
        return "undeliverable"
    return "failed"


def receipt_error(stat: str, err: str) -> str | None:
    """What a receipt says went wrong: None for a delivered message or no error code."""
    word = stat.strip().upper()
    if word == "DELIVRD":
        return None
    code = err.strip()
    return word if code in _NO_ERROR else f"{word} err:{code}"
