"""The demo store of `tidings demo`: about 30 days of lifelike history as contract events.

Two pure steps, both deterministic for a seed and an end:

1. `history(end)` is what a store tells tidings: customers, carts (some abandoned), orders
   (prepaid, some paid late or never; cash on delivery), parcels (delivered, waiting at a pickup
   point, a failed attempt, an exception, stalled, cash on delivery refused), reviews (a few bad,
   one deleted), after-sale tickets, birthdays. A Double 11 peak sits in the middle.
2. `feedback(messages, end)` is what the world answers to what tidings sent: delivery receipts
   (`message.status`) and short-link clicks (`link.clicked`, the token read from the text).

Its one rule: nothing happens after `end` (the caller's now), so a replay that runs the clock
to `end` leaves exactly the state a live store would have now.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from tidings.domain.messages import Message

STORE = "demo"
OWNER = "owner@demo.example"
ZONE = ZoneInfo("Asia/Shanghai")
DAYS = 30
HOLDOUT = {"cart_recovery": 0.2, "review_request": 0.2}  # journeys with a held-back share
LOCALES = ("zh-CN",) * 8 + ("en", "ru")
NAMES = {"zh-CN": "王芳 李强 张伟 刘洋 陈静 杨磊 赵敏 黄勇", "en": "Emily Mia Jack Noah",
         "ru": "Анна Иван Ольга Павел"}  # fmt: skip
SKUS = (("tea-01", "龙井茶 250g", "129.00"), ("cup-02", "Teacup set", "89.00"),
        ("pot-03", "Чайник", "259.00"), ("box-04", "礼盒", "59.00"))  # fmt: skip
RATINGS = (5,) * 30 + (4,) * 8 + (3, 2, 1)
TOKEN = re.compile(r"/l/([A-Za-z0-9_-]{8,32})")


def history(end: datetime, *, seed: int = 11, customers: int = 240) -> list[dict[str, Any]]:
    """The store's events over the `DAYS` days before `end`, none after it."""
    rng = random.Random(seed)
    start = end - timedelta(days=DAYS)
    out = [_event("store", "store.upserted", start - timedelta(hours=2), _store())]
    people = [_customer(rng, n, start) for n in range(customers)]
    out += [_event(f"cu{n}", "customer.upserted", start - timedelta(hours=1), data)
            for n, data in enumerate(people)]  # fmt: skip
    peak = peak_day(end)
    serial = 0
    for day in range(DAYS + 1):  # the last one is today, up to now
        local = (start + timedelta(days=day)).astimezone(ZONE).date()
        for _ in range(_orders_on(local, peak, rng)):
            serial += 1
            when = _moment(local, rng)
            out += _shopper(rng, f"{serial:05d}", rng.choice(people), when)
    return sorted((e for e in out if e["occurred_at"] <= _stamp(end)),
                  key=lambda e: e["occurred_at"])  # fmt: skip


def feedback(messages: Iterable[Message], end: datetime, *, seed: int = 11) -> list[dict[str, Any]]:
    """Receipts for the SMS sent (most delivered, a few failed) and clicks on their links."""
    rng = random.Random(seed)
    out: list[dict[str, Any]] = []
    for m in messages:
        if m.status != "sent" or m.channel != "sms" or m.decided_at is None:
            continue
        fate = rng.random()
        if fate < 0.97:
            status = "delivered" if fate < 0.93 else "failed"
            at = m.decided_at + timedelta(seconds=rng.randint(3, 90))
            data = {"message_id": m.message_id, "status": status}
            out.append(_event(f"rc-{m.message_id}", "message.status", at, data))
        for token in TOKEN.findall(m.body or ""):
            if fate < 0.93 and rng.random() < 0.3:
                at = m.decided_at + timedelta(minutes=rng.randint(1, 180))
                out.append(_event(f"ck-{token}", "link.clicked", at, {"token": token}))
    return [e for e in out if e["occurred_at"] <= _stamp(end)]


def peak_day(end: datetime) -> date:
    """The last Double 11 within the history, else a day near its middle (a sale all the same)."""
    last = end.astimezone(ZONE).date()
    eleven = date(last.year if last >= date(last.year, 11, 11) else last.year - 1, 11, 11)
    return eleven if (last - eleven).days < DAYS - 2 else last - timedelta(days=DAYS // 2)


def _store() -> dict[str, Any]:
    return {"name": "Demo 茶铺", "timezone": "Asia/Shanghai", "locale": "zh-CN",
            "default_region": "CN", "currency": "CNY", "sms_signature": "【茶铺】",
            "base_url": "https://demo.example",
            "merchant_contacts": [{"phone": "+8613911110000", "email": "ops@demo.example"}],
            "sms_price": "0.05", "monthly_sms_budget": "400.00",
            "journeys": {name: {"holdout": share} for name, share in HOLDOUT.items()}}  # fmt: skip


def _customer(rng: random.Random, n: int, start: datetime) -> dict[str, Any]:
    locale = rng.choice(LOCALES)
    data: dict[str, Any] = {"customer_id": f"c{n:04d}", "locale": locale,
                            "name": rng.choice(NAMES[locale].split()),
                            "phone": f"+86138{n:08d}"}  # fmt: skip
    consent = rng.random()
    if consent < 0.75:
        data["sms_consent"] = True
    elif consent < 0.8:
        data["sms_consent"] = False
    if n % 40 == 0:  # a birthday within the history
        data["birthday"] = (start + timedelta(days=5 + n % 20)).astimezone(ZONE).strftime("%m-%d")
    return data


def _orders_on(day: date, peak: date, rng: random.Random) -> int:
    """A quiet shop's day, a busier run-up, and the peak."""
    gap = (peak - day).days
    base = 60 if gap == 0 else 18 if 0 < gap <= 2 else 7
    return base + rng.randint(0, base // 3)


def _moment(day: date, rng: random.Random) -> datetime:
    hour = rng.choice((0, 0, 9, 10, 11, 13, 14, 15, 19, 20, 20, 21, 22))  # midnight: the sale opens
    local = datetime.combine(day, time(hour, rng.randint(0, 59), rng.randint(0, 59)), ZONE)
    return local.astimezone(UTC)


def _shopper(
    rng: random.Random, ref: str, who: dict[str, Any], at: datetime
) -> list[dict[str, Any]]:
    """One cart: abandoned, recovered after its reminder, or an order straight away."""
    customer = who["customer_id"]
    sku, name, price = rng.choice(SKUS)
    qty = rng.randint(1, 3)
    total = f"{int(float(price) * 100) * qty / 100:.2f}"
    cart = {"cart_id": f"k{ref}", "customer_id": customer, "total": total, "currency": "CNY",
            "items": [{"sku": sku, "name": name, "qty": qty, "price": price}],
            "url": f"https://demo.example/cart/k{ref}"}  # fmt: skip
    out = [_event(f"k{ref}", "cart.updated", at, cart)]
    fate = rng.random()
    if fate < 0.22:
        return out  # abandoned
    later = timedelta(hours=rng.uniform(1.5, 6)) if fate < 0.3 else timedelta(minutes=8)
    return out + _order(rng, ref, cart, at + later)


def _order(
    rng: random.Random, ref: str, cart: dict[str, Any], at: datetime
) -> list[dict[str, Any]]:
    cod = rng.random() < 0.15
    customer, total = cart["customer_id"], cart["total"]
    data = {"order_id": f"o{ref}", "customer_id": customer, "cart_id": f"k{ref}", "total": total,
            "currency": "CNY", "items": cart["items"], "payment": "cod" if cod else "prepaid",
            "status": "unpaid", "pay_url": f"https://demo.example/pay/o{ref}"}  # fmt: skip
    out = [_event(f"o{ref}", "order.created", at, data)]
    if not cod:
        fate = rng.random()
        if fate < 0.08:
            closed = {"order_id": f"o{ref}", "reason": "closed_unpaid"}
            return [*out, _event(f"x{ref}", "order.cancelled", at + timedelta(hours=24), closed)]
        at += timedelta(minutes=rng.randint(35, 240) if fate < 0.2 else rng.randint(2, 20))
        out.append(_event(f"p{ref}", "order.paid", at, {"order_id": f"o{ref}", "amount": total}))
    out += _chat(rng, ref, customer, at) if rng.random() < 0.2 else []
    return out + _parcel(rng, ref, customer, at + timedelta(hours=rng.uniform(2, 20)), cod)


def _parcel(
    rng: random.Random, ref: str, customer: str, at: datetime, cod: bool
) -> list[dict[str, Any]]:
    """The parcel's checkpoints: mostly delivered, now and then a hitch."""
    carrier = rng.choice(("SF", "YTO", "ZTO"))
    ship = {"order_id": f"o{ref}", "shipment_id": f"s{ref}", "carrier": carrier,
            "tracking_number": f"{carrier}{ref}{rng.randint(1000, 9999)}"}  # fmt: skip
    out = [_event(f"s{ref}", "order.shipped", at, ship)]

    def point(step: str, status: str, hours: float, **more: Any) -> dict[str, Any]:
        data = {**ship, "status": status, **more}
        return _event(f"s{ref}-{step}", "shipment.checkpoint", at + timedelta(hours=hours), data)

    out.append(point("collected", "in_transit", 2, location="杭州"))
    fate = rng.random()
    if fate < 0.03:
        return out  # stalled: no word from the carrier since
    if cod and fate < 0.2:
        return [*out, point("back", "returning", 60, substatus="refused")]
    if fate < 0.1:
        until = (at + timedelta(days=7)).isoformat()
        pickup = {"point": "菜鸟驿站 12 号", "address": "文三路 90 号", "code": f"{ref[-4:]}",
                  "storage_until": until}  # fmt: skip
        out.append(point("pickup", "available_for_pickup", 50, pickup=pickup))
        hours = 50 + rng.uniform(5, 120)
    elif fate < 0.14:
        out.append(point("missed", "failed_attempt", 50, substatus="no_one_home"))
        hours = 74.0
    elif fate < 0.17:
        out.append(point("held", "exception", 40, substatus="address_problem"))
        return out
    else:
        hours = rng.choice((20.0, 26.0, 30.0, 44.0, 60.0))
        out.append(point("out", "out_for_delivery", hours - 4))
    out.append(point("done", "delivered", hours))
    return out + _after(rng, ref, customer, at + timedelta(hours=hours))


def _chat(rng: random.Random, ref: str, customer: str, at: datetime) -> list[dict[str, Any]]:
    """A question before paying, answered by a person: mostly within 30 s, now and then not."""
    asked = at - timedelta(minutes=3)
    answered = asked + timedelta(seconds=rng.choice((8, 12, 20, 25, 28, 95)))
    talk = {"conversation_id": f"chat{ref}", "customer_id": customer}
    return [_event(f"q{ref}", "chat.message", asked, {**talk, "direction": "inbound"}),
            _event(f"a{ref}", "chat.message", answered,
                   {**talk, "direction": "outbound", "responder": "human"})]  # fmt: skip


def _after(rng: random.Random, ref: str, customer: str, at: datetime) -> list[dict[str, Any]]:
    """A review now and then (a bad one now and then deleted), an after-sale ticket rarely."""
    out: list[dict[str, Any]] = []
    fate = rng.random()
    if fate < 0.35:
        rating = rng.choice(RATINGS)
        review = {"review_id": f"r{ref}", "order_id": f"o{ref}", "customer_id": customer,
                  "rating": rating, "text": "很好喝" if rating > 3 else "包装破了"}  # fmt: skip
        out.append(_event(f"r{ref}", "review.posted", at + timedelta(hours=30), review))
        if rating <= 2 and rng.random() < 0.4:
            gone = {"review_id": f"r{ref}", "by": "customer"}
            out.append(_event(f"rd{ref}", "review.deleted", at + timedelta(hours=50), gone))
    elif fate < 0.39:
        ticket = {"ticket_id": f"t{ref}", "order_id": f"o{ref}", "customer_id": customer,
                  "kind": "return", "reason": "damaged"}  # fmt: skip
        out.append(_event(f"t{ref}", "aftersale.opened", at + timedelta(hours=20), ticket))
        closed = {"ticket_id": f"t{ref}", "outcome": "refunded", "satisfied": True}
        out.append(_event(f"tr{ref}", "aftersale.resolved", at + timedelta(hours=60), closed))
    return out


def _event(ident: str, kind: str, at: datetime, data: dict[str, Any]) -> dict[str, Any]:
    return {"id": f"demo-{ident}", "type": kind, "store": STORE,
            "occurred_at": _stamp(at), "data": data}  # fmt: skip


def _stamp(at: datetime) -> str:
    """UTC, so that stamps compare as text."""
    return at.astimezone(UTC).isoformat()
