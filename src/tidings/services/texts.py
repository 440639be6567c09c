"""What a message says: the store's journeys, templates in the right locale, short links."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cached_property, lru_cache
from typing import Any

from tidings.domain import sms
from tidings.domain.catalogue import Catalogue
from tidings.domain.checks import check_web_url
from tidings.domain.conditions import any_holds, resolve
from tidings.domain.errors import InvalidTemplate
from tidings.domain.journeys import Journey, Step
from tidings.domain.messages import (
    Message,
    coupon_code,
    link_token,
    page_key,
    unsubscribe_token,
)
from tidings.domain.state import Store
from tidings.services.ports import Renderer

OPT_OUT_HINT = {"zh-CN": "回T退订", "en": "Reply STOP to opt out", "ru": "Отписка: СТОП"}
UNSUBSCRIBE = {"zh-CN": "退订邮件：", "en": "Unsubscribe: ", "ru": "Отписаться от писем: "}
# The longest SMS a template may make: 10 segments are 1,530 GSM-7 or 670 UCS-2 characters,
# several times any reminder's text; past that an SMS is a mistake or an attack, billed per
# segment (a 100 MB text was 653,595), and many carriers cut concatenated SMS at 6 to 10.
MAX_SMS_SEGMENTS = 10
SIGNATURE_CLOSERS = ("】", "]", ")", "）", "」", "〕")  # a bracketed signature needs no space
Link = tuple[str, str, str, str]  # store, token, message id, target url
StoreJourneys = tuple[dict[str, Journey], dict[str, list[Journey]]]


@dataclass
class Texts:
    catalogue: Catalogue
    renderer: Renderer
    link_secret: bytes
    public_url: str = "http://127.0.0.1:8000"  # where tidings itself is reached
    _cache: dict[str, tuple[datetime | None, StoreJourneys]] = field(default_factory=dict)

    def _for(self, store: Store) -> StoreJourneys:
        cached = self._cache.get(store.store_id)
        if cached is None or cached[0] != store.updated_at:
            journeys = self.catalogue.for_store(store.journeys)
            cached = (store.updated_at, (journeys, self.catalogue.by_trigger(journeys)))
            self._cache[store.store_id] = cached
        return cached[1]

    @property
    def cap_window(self) -> timedelta:
        """How far back the frequency caps look: 24 h, or a journey's longer cap."""
        caps = [s.cap for j in self.catalogue.journeys.values() for s in j.steps if s.cap]
        return max([timedelta(hours=24), *caps])

    @cached_property
    def about_customers(self) -> frozenset[str]:
        """The event types that start a journey about a customer (a store's overrides change
        neither a journey's subject nor its triggers)."""
        journeys = self.catalogue.journeys.values()
        return frozenset(t for j in journeys if j.subject == "customer" for t in j.triggers)

    def journeys(self, store: Store) -> dict[str, Journey]:
        """The journeys as `store` runs them (overrides applied), cached per store version."""
        return self._for(store)[0]

    def triggered(self, store: Store, event_type: str) -> list[Journey]:
        """The enabled journeys of `store` that an event of `event_type` starts."""
        return self._for(store)[1].get(event_type, [])

    def render_step(
        self, message: Message, step: Step, store: Store, ctx: dict[str, Any]
    ) -> tuple[str, list[Link]]:
        links: dict[str, str] = {}
        rows: list[Link] = []
        for name, path in step.links.items():
            target = self._target(str(resolve(tuple(path.split(".")), ctx) or ""), store, ctx)
            if store.base_url:
                token = link_token(self.link_secret, message.message_id, name)
                links[name] = f"{store.base_url}/l/{token}"
                rows.append((store.store_id, token, message.message_id, target))
            else:
                links[name] = target
        ctx["links"] = links
        ctx["coupon"] = None
        if step.coupon and (not step.coupon_if or any_holds(step.coupon_if, ctx)):
            store.coupons_issued += 1  # the store's next code (the caller saves the store)
            ctx["coupon"] = coupon_code(self.link_secret, store.store_id, store.coupons_issued)
        reader = None if message.channel == "alert" else ctx.get("customer")  # or the merchant
        ctx["tz"] = getattr(reader, "timezone", None) or store.timezone
        locale = ctx["locale"] = _locale(step.template, reader, store)
        text = self.renderer.render(_variant(step.template[locale], message, store), ctx)
        if message.channel in ("alert", "email"):
            message.title = self._title(step, store, ctx, locale, text)
        if message.channel == "email":
            return self._email(text, message, store, locale), rows
        if message.channel != "sms":  # alerts and public review replies: the text alone
            return text, rows
        return self._compose(text, store, locale, message.kind == "marketing"), rows

    def _target(self, target: str, store: Store, ctx: dict[str, Any]) -> str:
        """Where a link leads: a web page named by the event (absolute http or https), or the
        tracking page of the message's own parcel, signed (only its link opens it); any
        other target (a path, `javascript:`, another store's page) leads to the store's
        home instead."""
        parcel = ctx.get("shipment")
        own = getattr(parcel, "store_id", None) == store.store_id
        if own and target == getattr(parcel, "tracking_path", None):
            base = store.base_url or self.public_url
            return f"{base}{target}?k={page_key(self.link_secret, target)}"
        return target if _web_url(target) else store.base_url

    def unsubscribe_url(self, base_url: str, message_id: str) -> str:
        """The one-click link that stops a shopper's emails (List-Unsubscribe), under the
        store's `base_url` as its short links are (else where tidings is reached)."""
        token = unsubscribe_token(self.link_secret, message_id)
        return f"{base_url or self.public_url}/u/{token}"

    def _title(self, step: Step, store: Store, ctx: dict[str, Any], locale: str, text: str) -> str:
        """An email's subject: the step's own, else the store's name and the first sentence."""
        if step.title:
            return self.renderer.render(step.title[_locale(step.title, None, store)], ctx)
        return _first_sentence(store, text)

    def _email(self, text: str, message: Message, store: Store, locale: str) -> str:
        if message.kind != "marketing":
            return text
        hint = UNSUBSCRIBE.get(locale, UNSUBSCRIBE["en"])
        return f"{text}\n\n{hint}{self.unsubscribe_url(store.base_url, message.message_id)}"

    def reply(self, message: Message, store: Store) -> str:
        texts = self.catalogue.replies[message.step]
        locale = _locale(texts, None, store)
        text = self.renderer.render(texts[locale], {"store": store})
        return self._compose(text, store, locale, marketing=False)

    def alert(self, message: Message, store: Store, **extra: Any) -> str:
        """A merchant alert's text: its step names the alert's kind."""
        texts = self.catalogue.alerts[message.step]
        locale = _locale(texts, None, store)
        text = self.renderer.render(texts[locale], {"store": store, **extra})
        message.title = _first_sentence(store, text)
        return text

    @staticmethod
    def _compose(text: str, store: Store, locale: str, marketing: bool) -> str:
        body = composed(text, store.sms_signature, locale, marketing)
        segments = sms.count(body).segments
        if segments > MAX_SMS_SEGMENTS:
            raise InvalidTemplate(
                f"the SMS takes {segments} segments, more than {MAX_SMS_SEGMENTS}"
            )
        return body


def composed(text: str, signature: str, locale: str, marketing: bool) -> str:
    """An SMS as it goes: the store's signature first, the opt-out hint last on marketing."""
    body = signed(signature, text)
    if marketing:
        hint = OPT_OUT_HINT.get(locale, OPT_OUT_HINT["en"])
        body = f"{body}{hint}" if locale == "zh-CN" else f"{body} {hint}"
    return body


def signed(signature: str, text: str) -> str:
    """The text after the store's signature: one space between them, unless the signature
    closes a bracket (`【Acme】`, `[Acme]`, `(Acme)`) or ends in a space already."""
    if not signature or signature.endswith(SIGNATURE_CLOSERS) or signature[-1].isspace():
        return f"{signature}{text}"
    return f"{signature} {text}"


@lru_cache(maxsize=16_384)  # a link's target is asked again for each of its messages
def _web_url(target: str) -> bool:
    if not target:  # no field to link to: the store's home (asked for every cart link)
        return False
    try:
        check_web_url(target, "link")
    except ValueError:
        return False
    return True


def _first_sentence(store: Store, text: str) -> str:
    """A subject line from a text: the store's name and the text's first sentence."""
    first = re.split(r"(?<=[.!?。！？])\s*", text, maxsplit=1)[0]
    first = first if len(first) <= 60 else first[:59] + "…"
    return f"{store.name}: {first}" if store.name else first


def _variant(texts: str | tuple[str, ...], message: Message, store: Store) -> str:
    """One of a step's variants: picked by a stable hash of the subject (a replay picks the
    same), never the one the store used last for this step (unless for this same message,
    rendered again after quiet hours)."""
    if isinstance(texts, str):
        return texts
    last = store.variants.get(message.step)
    if isinstance(last, list) and last[1] == message.message_id:
        return texts[int(last[0]) % len(texts)]
    pick = int(hashlib.blake2b(message.subject.encode(), digest_size=8).hexdigest(), 16)
    pick %= len(texts)
    if len(texts) > 1 and isinstance(last, list) and last[0] == pick:
        pick = (pick + 1) % len(texts)
    store.variants[message.step] = [pick, message.message_id]
    return texts[pick]


def _locale(texts: Mapping[str, object], customer: Any, store: Store) -> str:
    """The customer's locale, else the store's, else English, else any the text has."""
    for wanted in (getattr(customer, "locale", None), store.locale, "en"):
        if wanted in texts:
            return str(wanted)
    return next(iter(texts))
