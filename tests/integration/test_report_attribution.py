"""The report's counts and which message brought each order back, on both databases.

Every customer has a phone of their own, so that no cap gets in the way; every SMS here is
one UCS-2 segment at the store's price of 0.05; every order is 129.00.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from helpers import cart, checkpoint, customer, event, order, paid, replay, shipped
from outcomes_helpers import local, report, shop
from tidings.adapters.db import tables as t
from tidings.adapters.db.engine import make_engine

NOV_11, NOV_12 = date(2026, 11, 11), date(2026, 11, 12)


def _customers(*numbers: int, **over):
    return [customer(f"c{n}", f"+86138001380{n:02d}", **over) for n in numbers]


def _reminders():
    """payment_reminder: first at 10:30; last 22 h after creation (08:00, quiet until 09:00)."""
    return [
        *_customers(1, 2, 3, 4, 5),
        # o1: paid 15 min after the first reminder: credited to it; the last is not sent
        order("o1", local(2026, 11, 11, 10), "c1"),
        paid("o1", local(2026, 11, 11, 10, 45)),
        # o2: paid before any reminder: nothing sent, nothing credited
        order("o2", local(2026, 11, 11, 10), "c2"),
        paid("o2", local(2026, 11, 11, 10, 20)),
        # o3: closes at 12:00 and is paid at 12:30: too late for credit
        order("o3", local(2026, 11, 11, 10), "c3", auto_close_at="2026-11-11T12:00:00+08:00"),
        paid("o3", local(2026, 11, 11, 12, 30)),
        # o4: paid after both reminders, 23.5 h after creation: credited once, to the last
        order("o4", local(2026, 11, 11, 10), "c4"),
        paid("o4", local(2026, 11, 12, 9, 30)),
        # o5: paid 24 h and 1 s after creation: the order had closed
        order("o5", local(2026, 11, 11, 10), "c5"),
        paid("o5", local(2026, 11, 12, 10, 0, 1)),
    ]


def _first_phase():
    carts = [cart(f"k{n}", local(2026, 11, 11, 10), f"c{n}") for n in (6, 7, 8, 9)]
    return [
        shop(),
        *_reminders(),
        *_customers(6, 7, 8, 9, 11, sms_consent=True),
        *_customers(10),  # service messages only
        *carts,  # cart_recovery: each reminded at 11:00
        order("o6", local(2026, 11, 11, 11, 30), "c6", status="paid"),  # 30 min after: credit
        # o10: cash on delivery; delivered_thanks at 15:00 carries a coupon
        order("o10", local(2026, 11, 11, 9), "c10", payment="cod"),
        shipped("o10", "s10", local(2026, 11, 11, 12)),
        checkpoint("s10", "delivered", local(2026, 11, 11, 15), order_id="o10"),
    ]


def _one(db_url: str, query):
    engine = make_engine(db_url)
    with engine.begin() as conn:
        value = conn.execute(query).scalar_one()
    engine.dispose()
    return value


def _token(db_url: str, subject: str) -> str:
    m, k = t.messages.c, t.links.c
    query = select(k.token).join(t.messages, m.message_id == k.message_id)
    return _one(db_url, query.where(m.subject == subject))


def _second_phase(db_url: str):
    code = _one(db_url, select(t.coupons.c.code))
    click = "link.clicked"
    return [
        # k7: clicked the next morning, ordered 1.5 h after the click (24.5 h after the SMS)
        event(click, local(2026, 11, 12, 10), token=_token(db_url, "cart:k7")),
        event(click, local(2026, 11, 12, 10, 5), token=_token(db_url, "cart:k7")),
        order("o7", local(2026, 11, 12, 11, 30), "c7", status="paid"),
        # k8: no click; ordered 24 h and 1 s after the SMS: no credit
        order("o8", local(2026, 11, 12, 11, 0, 1), "c8", status="paid"),
        # k9: clicked at 11:10, ordered exactly 24 h after the click: credit
        event(click, local(2026, 11, 11, 11, 10), token=_token(db_url, "cart:k9")),
        order("o9", local(2026, 11, 12, 11, 10), "c9", status="paid"),
        # c11: a cart reminder at 09:00, then an order at 10:00 naming c10's coupon: both
        # qualify, the coupon wins
        cart("k11", local(2026, 11, 12, 8), "c11"),
        order("o11", local(2026, 11, 12, 10), "c11", status="paid", coupon_code=code),
    ]


def _replay(db_url: str) -> None:
    """Replay the first phase, then what needs its links and its coupon."""
    replay(db_url, _first_phase())
    replay(db_url, _second_phase(db_url))


def _deliveries(db_url: str, states: dict[str, str]) -> None:
    """The provider's receipts of these subjects' messages, replayed as `message.status`."""
    engine = make_engine(db_url)
    m = t.messages.c
    with engine.connect() as conn:
        ids = {
            subject: conn.execute(
                select(m.message_id).where(m.subject == subject, m.step != "last")
            ).scalar_one()
            for subject in states
        }
    engine.dispose()
    at = local(2026, 11, 11, 12)
    receipts = [
        event("message.status", at, message_id=ids[subject], status=state)
        for subject, state in states.items()
    ]
    replay(db_url, receipts)


def _by_journey(result):
    return {row["journey"]: row for row in result["journeys"]}


def test_attribution_for_each_journey(db_url):
    _replay(db_url)
    _deliveries(db_url, {"order:o1": "delivered", "order:o3": "failed", "cart:k6": "delivered"})
    rows = _by_journey(report(db_url, NOV_11, NOV_12))
    # payment_reminder: sent first o1, o3, o4, o5 and last o4, o5 = 6 (6 segments, 0.30);
    # suppressed: o2's first and o1's last, both condition_cleared; delivered: o1's first;
    # credited: o1 (first), o4 (last) = 2 orders, 258.00; 0.30 / 2 = 0.15 an order
    assert rows["payment_reminder"] == {
        "journey": "payment_reminder",
        "sent": 6,
        "suppressed": {"condition_cleared": 2},
        "suppressed_total": 2,
        "delivered": 1,
        "clicked": 0,
        "segments": 6,
        "cost": "0.30",
        "orders_recovered": 2,
        "revenue_recovered": "258.00",
        "cost_per_order": "0.15",
    }
    # cart_recovery: k6 … k9 and k11 sent = 5 (0.25); clicked: k7 (twice), k9 = 2; delivered: k6;
    # credited: o6 (30 min), o7 (after a click), o9 (24 h after a click) = 3, 387.00;
    # 0.25 / 3 = 0.0833 an order
    cart_row = rows["cart_recovery"]
    assert (cart_row["sent"], cart_row["cost"], cart_row["clicked"]) == (5, "0.25", 2)
    assert cart_row["delivered"] == 1
    assert (cart_row["orders_recovered"], cart_row["revenue_recovered"]) == (3, "387.00")
    assert cart_row["cost_per_order"] == "0.0833"
    # delivered_thanks: its coupon brought o11 back (not the cart reminder sent since)
    thanks = rows["delivered_thanks"]
    assert (thanks["sent"], thanks["orders_recovered"], thanks["revenue_recovered"]) == (
        1,
        1,
        "129.00",
    )
    assert rows["shipping_notice"]["orders_recovered"] == 0


def test_the_period_is_when_the_messages_were_decided(db_url):
    _replay(db_url)
    result = report(db_url, NOV_12, NOV_12)
    rows = _by_journey(result)
    # 12 Nov: payment_reminder last o4, o5 sent (o1's suppressed at 08:00); o4 credited
    reminder = rows["payment_reminder"]
    assert (reminder["sent"], reminder["suppressed"]) == (2, {"condition_cleared": 1})
    assert (reminder["orders_recovered"], reminder["revenue_recovered"]) == (1, "129.00")
    # k11's reminder is the only cart SMS of the day; o11 went to the coupon of 11 Nov
    assert (rows["cart_recovery"]["sent"], rows["cart_recovery"]["orders_recovered"]) == (1, 0)
    assert "delivered_thanks" not in rows
    assert result["totals"]["orders_recovered"] == 1
    assert (result["from"], result["to"], result["currency"]) == ("2026-11-12", "2026-11-12", "CNY")
