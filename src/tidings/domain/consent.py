"""Consent by message kind, and the opt-out / opt-in / help keywords of SMS replies.

A STOP outlives the shopper's erasure, so an opt-out is kept under a keyed digest of the
number, never the number itself: `phone_digest(key, phone)` is the same for the same key
and number, and tells nothing of the number without the key.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Literal

from tidings.domain.state import Customer, PhoneOptOut

OPT_OUT = frozenset(
    {
        "STOP",
        "UNSUBSCRIBE",
        "CANCEL",
        "END",
        "QUIT",
        "STOPALL",
        "T",
        "TD",
        "N",
        "退订",
        "СТОП",
        "ОТПИСАТЬСЯ",
    }
)
# Opt-out words of one locale's stores besides the list above: in mainland China a marketing
# SMS may end "拒收请回复R", so a zh-CN store takes a lone R as a refusal (elsewhere R is no word).
LOCAL_OPT_OUT = {"zh-CN": frozenset({"R"})}
OPT_IN = frozenset({"START", "UNSTOP"})
HELP = frozenset({"HELP", "INFO"})
Keyword = Literal["opt_out", "opt_in", "help"]


ERASED = "erased"  # what stands where an erased shopper's number or words were
DIGEST_CHARS = 32  # 128 bits of HMAC-SHA256 in hex: no two numbers of a store meet


def phone_digest(key: bytes, phone: str) -> str:
    """The keyed digest an opt-out of `phone` (E.164) is kept under."""
    return hmac.new(key, phone.encode(), hashlib.sha256).hexdigest()[:DIGEST_CHARS]


def keyword(text: str, locale: str | None = None) -> Keyword | None:
    """What a reply to a store of `locale` asks for: the whole message, trimmed, any case;
    None for other text."""
    word = text.strip().upper()
    if word in OPT_OUT or word in LOCAL_OPT_OUT.get(locale or "", ()):
        return "opt_out"
    if word in OPT_IN:
        return "opt_in"
    if word in HELP:
        return "help"
    return None


def opted_out(customer: Customer | None, phone: PhoneOptOut | None) -> bool:
    """Opted out of everything: by the store's data or by the shopper's own STOP."""
    by_store = customer is not None and customer.sms_consent is False
    return by_store or (phone is not None and phone.opted_out)


def consent_reason(
    kind: str, customer: Customer | None, phone: PhoneOptOut | None
) -> Literal["opted_out", "no_consent"] | None:
    """Why an SMS of `kind` may not go, or None when it may.

    Service messages go unless the shopper opted out. Marketing needs `sms_consent: true`,
    given after the shopper's last START if there was one.
    """
    if opted_out(customer, phone):
        return "opted_out"
    if kind != "marketing":
        return None
    if customer is None or customer.sms_consent is not True:
        return "no_consent"
    restarted = phone.changed_at if phone is not None else None
    given = customer.sms_consent_at
    if restarted is not None and (given is None or given <= restarted):
        return "no_consent"
    return None


def email_consent_reason(
    kind: str, customer: Customer | None
) -> Literal["opted_out", "no_consent"] | None:
    """Why an email of `kind` may not go: `email_consent: false` stops every email, and
    marketing needs `email_consent: true`."""
    consent = customer.email_consent if customer is not None else None
    if consent is False:
        return "opted_out"
    if kind == "marketing" and consent is not True:
        return "no_consent"
    return None
