"""Text made fit for a log line: phones and emails in providers' words, keys and tokens in
the shoppers' URLs, are masked.

A provider's refusal often quotes the address it refused ("The 'To' number +15551234567 is not a
valid phone number", "550 5.1.1 <ana@mail.example>: no such user"); that text becomes the
message's recorded reason and goes to logs, so it is scrubbed where it enters.

uvicorn's access log writes each request's path with its query: a tracking page's key
(`/t/acme/s1?k=…`), a short link's or an unsubscribe link's token (`/l/…`, `/u/…`) would be
kept in clear by whoever keeps the log, and each opens a shopper's page. `UrlSecrets` masks them.
"""

from __future__ import annotations

import logging
import re

from tidings.domain.delivery import mask

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_PHONE = re.compile(r"(?<![\w+])\+?\d{7,15}(?!\w)")


def scrub(text: str) -> str:
    """`text` with every email address and phone-like run of 7 to 15 digits masked."""
    text = _EMAIL.sub(lambda m: mask(m.group()), text)
    return _PHONE.sub(lambda m: mask(m.group()), text)


MASK = "***"
_TOKEN_PATH = re.compile(r"^(/[lu]/)[^/?#\s]+")  # /l/<token>, /u/<token>
_KEY_PARAM = re.compile(r"([?&](?:k|token)=)[^&#\s]+")  # ?k=<key> of a tracking page,
# ?token=<secret> of a webhook URL (CDEK, Ozon, the SMS providers' pushes)


def url(path: str) -> str:
    """`path` (with its query) with the keys and tokens that open shoppers' pages masked."""
    return _KEY_PARAM.sub(rf"\g<1>{MASK}", _TOKEN_PATH.sub(rf"\g<1>{MASK}", path))


class UrlSecrets(logging.Filter):
    """Masks page keys and tokens in a log record's arguments: uvicorn's access log passes
    the path with its query as one of them."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(url(a) if isinstance(a, str) else a for a in record.args)
        return True
