"""Phone numbers: E.164 from what shoppers and stores write, valid or None."""

from __future__ import annotations

from functools import lru_cache

import phonenumbers


@lru_cache(maxsize=200_000)
def to_e164(raw: str | None, region: str) -> str | None:
    """The E.164 form of `raw` read in `region`, or None when it is no valid number."""
    if not raw:
        return None
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def lookup_key(raw: str | None, region: str) -> str | None:
    """A cheap key to find a customer by phone: E.164 when written so, else parsed."""
    if not raw:
        return None
    compact = "".join(ch for ch in raw if ch.isdigit() or ch == "+")
    if compact.startswith("+"):
        return compact
    return to_e164(raw, region)


def national_digits(e164: str | None) -> str | None:
    """The number's digits as written at home (`+8613800138000` → `13800138000`)."""
    if not e164:
        return None
    try:
        return str(phonenumbers.parse(e164).national_number)
    except phonenumbers.NumberParseException:
        return None
