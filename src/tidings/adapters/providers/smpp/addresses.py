"""SMPP addresses: (TON, NPI, address) of a recipient and of a sender."""

from __future__ import annotations

import re
from typing import Any

from tidings.domain.delivery import mask
from tidings.domain.errors import Permanent

Address = tuple[int, int, str]  # TON, NPI, address
_DIGITS = re.compile(r"[0-9]{1,20}")
_MAX_ALPHANUMERIC = 11


def addressing(source: Address, destination: Address) -> dict[str, Any]:
    """The submit_sm fields of a source and a destination."""
    return {
        "source_addr_ton": source[0],
        "source_addr_npi": source[1],
        "source_addr": source[2],
        "dest_addr_ton": destination[0],
        "dest_addr_npi": destination[1],
        "destination_addr": destination[2],
    }


def destination(to: str) -> Address:
    """An E.164 number is international (TON 1, NPI 1); other digits are of unknown type."""
    digits = to.removeprefix("+")
    if not _DIGITS.fullmatch(digits):
        raise Permanent(f"not a phone number: {mask(to)}")
    return (1, 1, digits) if to.startswith("+") else (0, 1, digits)


def source(sender: str) -> Address:
    """A sender: none (the SMSC's default), a number, or an alphanumeric id (TON 5)."""
    if not sender:
        return (0, 0, "")
    if _DIGITS.fullmatch(sender.removeprefix("+")):
        return destination(sender)  # a number is addressed the same either way
    if not (sender.isascii() and sender.isprintable()) or len(sender) > _MAX_ALPHANUMERIC:
        raise Permanent(f"an alphanumeric sender id is 1 to 11 ASCII characters: {sender!r}")
    return (5, 0, sender)
