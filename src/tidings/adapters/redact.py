"""Providers' own words made fit for a log line: phones and emails in them are masked.

A provider's refusal often quotes the address it refused ("The 'To' number +15551234567 is not a
valid phone number", "550 5.1.1 <ana@mail.example>: no such user"); that text becomes the
message's recorded reason and goes to logs, so it is scrubbed where it enters.
"""

from __future__ import annotations

import re

from tidings.domain.delivery import mask

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_PHONE = re.compile(r"(?<![\w+])\+?\d{7,15}(?!\w)")


def scrub(text: str) -> str:
    """`text` with every email address and phone-like run of 7 to 15 digits masked."""
    text = _EMAIL.sub(lambda m: mask(m.group()), text)
    return _PHONE.sub(lambda m: mask(m.group()), text)
