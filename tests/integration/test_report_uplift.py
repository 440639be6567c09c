"""Uplift against the holdout in the report: arms, outcomes and intervals, on both databases.

Which subjects are held back is a stable hash of journey and subject; the tests pick subject
ids on each side with the same function, so that the arms have the sizes worked out below.
"""

from __future__ import annotations

import itertools
from datetime import date, timedelta

import pytest

from helpers import cart, checkpoint, customer, event, order, paid, replay, shipped
from outcomes_helpers import local, report, shop
from tidings.domain.messages import held_out

DAY = date(2026, 11, 11)


def _ids(journey: str, kind: str, prefix: str, held: bool, n: int) -> list[str]:
    """The first `n` ids `prefix<i>` whose subject lands on the held-back side (or not)."""
    found = (
        f"{prefix}{i}"
        for i in itertools.count()
        if held_out(journey, f"{kind}:{prefix}{i}", 0.5) is held
    )
    return list(itertools.islice(found, n))


def _at(name: str, events: list[dict]) -> list[dict]:
    return [{**e, "store": name} for e in events]


def _holdout(name: str, journey: str) -> dict:
    return {**shop(name, journeys={journey: {"holdout": 0.5}}), "store": name}


def _phones():
    numbers = itertools.count(1)
    return lambda: f"+861380{next(numbers):07d}"


def test_payment_reminder_uplift_with_its_interval(db_url):
    phone = _phones()
    events = [_holdout("pay", "payment_reminder")]
    treated = _ids("payment_reminder", "order", "t", held=False, n=40)
    held = _ids("payment_reminder", "order", "h", held=True, n=40)
    for i, oid in enumerate(treated + held):
        events += _at("pay", [customer(oid, phone()), order(oid, local(2026, 11, 11, 10), oid)])
        # 30 of the 40 treated pay, and 20 of the 40 held back (after the first reminder)
        if (oid in treated and i < 30) or (oid in held and i - 40 < 20):
            events += _at("pay", [paid(oid, local(2026, 11, 11, 10, 45))])
    replay(db_url, events)
    (row,) = report(db_url, DAY, DAY + timedelta(days=1), "pay")["uplift"]
    assert row["treated"] == {"subjects": 40, "outcomes": 30, "rate": 0.75}
    assert row["held_back"] == {"subjects": 40, "outcomes": 20, "rate": 0.5}
    assert (row["outcome"], row["enough_data"], row["note"]) == ("paid", True, None)
    # p1 - p0 = 0.75 - 0.50 = 0.25; Wilson (z = 1.959964, z² = 3.841459):
    #   30/40: centre (0.75 + 0.048018) / 1.096036 = 0.728095,
    #          half 1.959964 · sqrt(0.0046875 + 0.00060023) / 1.096036 = 0.130034
    #          → 0.598061 … 0.858129
    #   20/40: centre 0.5, half 1.959964 · sqrt(0.00625 + 0.00060023) / 1.096036 = 0.148006
    #          → 0.351994 … 0.648006
    # low  = 0.25 - sqrt(0.151939² + 0.148006²) = 0.25 - 0.212111 = 0.037889
    # high = 0.25 + sqrt(0.108129² + 0.148006²) = 0.25 + 0.183298 = 0.433298
    absolute = row["absolute"]
    assert absolute["value"] == pytest.approx(0.25)
    assert (round(absolute["low"], 3), round(absolute["high"], 3)) == (0.038, 0.433)
    # RR = 0.75 / 0.5 = 1.5; se = sqrt(1/30 - 1/40 + 1/20 - 1/40) = 0.182574;
    # 1.5 · exp(∓1.959964 · 0.182574) = 1.5 · (0.69918, 1.43024) = 1.04877, 2.14535
    relative = row["relative"]
    assert relative["value"] == pytest.approx(0.5)
    assert (round(relative["low"], 3), round(relative["high"], 3)) == (0.049, 1.145)
    # 12 Nov alone: the unpaid held-back orders' last reminders are held back that day, but
    # each subject counts on the day of its first message (11 Nov): both arms are empty
    (later,) = report(db_url, DAY + timedelta(days=1), DAY + timedelta(days=1), "pay")["uplift"]
    assert (later["treated"]["subjects"], later["held_back"]["subjects"]) == (0, 0)


def _pickups(phone) -> list[dict]:
    """Parcels waiting from 11 Nov 10:00 until 14 Nov 10:00."""
    treated = _ids("pickup_reminder", "shipment", "ts", held=False, n=3)
    held = _ids("pickup_reminder", "shipment", "hs", held=True, n=3)
    until = local(2026, 11, 14, 10).isoformat()
    pickup = {"point": "Locker 7", "address": "1 Road", "code": "1234", "storage_until": until}
    collected = {  # when each parcel was collected; None: never
        treated[0]: local(2026, 11, 12, 9),  # before the storage ended: yes
        treated[1]: local(2026, 11, 14, 11),  # after it: no
        treated[2]: None,
        held[0]: local(2026, 11, 13, 9),  # yes
        held[1]: local(2026, 11, 14, 10),  # at the last moment: yes
        held[2]: None,
    }
    events = []
    for sid, when in collected.items():
        oid = "o" + sid
        events += [customer(oid, phone()), order(oid, local(2026, 11, 11, 8), oid, status="paid")]
        events += [shipped(oid, sid, local(2026, 11, 11, 9))]
        events += [checkpoint(sid, "available_for_pickup", local(2026, 11, 11, 10), pickup=pickup)]
        if when is not None:
            events.append(checkpoint(sid, "delivered", when))
    return events


def _carts(phone) -> list[dict]:
    """Carts updated at 10:00: the reminder is due at 11:00."""
    treated = _ids("cart_recovery", "cart", "tk", held=False, n=2)
    held = _ids("cart_recovery", "cart", "hk", held=True, n=2)
    ordered = {
        treated[0]: local(2026, 11, 11, 13),  # 2 h after the due time: yes
        treated[1]: local(2026, 11, 12, 12),  # 25 h after: no
        held[0]: local(2026, 11, 12, 10),  # 23 h after: yes
        held[1]: None,
    }
    events = []
    for kid, when in ordered.items():
        events += [
            customer(kid, phone(), sms_consent=True),
            cart(kid, local(2026, 11, 11, 10), kid),
        ]
        if when is not None:
            events.append(order("o" + kid, when, kid, status="paid"))
    return events


def test_each_outcome_and_not_enough_data_yet(db_url):
    phone = _phones()
    events = [_holdout("pick", "pickup_reminder"), *_at("pick", _pickups(phone))]
    events += [_holdout("cart", "cart_recovery"), *_at("cart", _carts(phone))]
    replay(db_url, events)
    (pick,) = report(db_url, DAY, DAY + timedelta(days=3), "pick")["uplift"]
    # collected before the storage ended: treated 1 of 3, held back 2 of 3
    assert (pick["journey"], pick["outcome"]) == ("pickup_reminder", "collected")
    assert pick["treated"] == {"subjects": 3, "outcomes": 1, "rate": 1 / 3}
    assert pick["held_back"] == {"subjects": 3, "outcomes": 2, "rate": 2 / 3}
    assert (pick["enough_data"], pick["absolute"], pick["relative"]) == (False, None, None)
    assert pick["note"].startswith("not enough data yet")
    (cart_row,) = report(db_url, DAY, DAY, "cart")["uplift"]
    # ordered within 24 h of the reminder's due time: treated 1 of 2, held back 1 of 2
    assert cart_row["outcome"] == "ordered"
    assert (cart_row["treated"]["outcomes"], cart_row["treated"]["subjects"]) == (1, 2)
    assert (cart_row["held_back"]["outcomes"], cart_row["held_back"]["subjects"]) == (1, 2)
    assert cart_row["enough_data"] is False


def test_review_request_outcome_and_no_holdout_no_uplift(db_url):
    phone = _phones()
    treated = _ids("review_request", "order", "tr", held=False, n=2)
    held = _ids("review_request", "order", "hr", held=True, n=2)
    events = [_holdout("rev", "review_request")]
    for oid in [*treated, *held, "early"]:
        # delivered 11 Nov 12:00: the invitation is due 3 days later, 14 Nov 12:00
        events += _at("rev", [customer(oid, phone(), sms_consent=True)])
        events += _at("rev", [order(oid, local(2026, 11, 10, 9), oid, status="paid")])
        events += _at("rev", [shipped(oid, "s" + oid, local(2026, 11, 10, 12))])
        events += _at("rev", [checkpoint("s" + oid, "delivered", local(2026, 11, 11, 12))])
    reviews = {treated[0]: 15, held[0]: 16, "early": 12}  # day of November of each review
    for oid, day in reviews.items():
        data = {"review_id": "r" + oid, "order_id": oid, "customer_id": oid, "rating": 5}
        events += _at("rev", [event("review.posted", local(2026, 11, day, 10), **data, text="ok")])
    replay(db_url, events)
    result = report(db_url, date(2026, 11, 14), date(2026, 11, 14), "rev")
    (row,) = result["uplift"]
    # reviewed: treated 1 of 2, held back 1 of 2; "early" reviewed before the invitation was
    # due: its reason was gone, so it is in neither arm
    assert row["outcome"] == "reviewed"
    assert (row["treated"]["outcomes"], row["treated"]["subjects"]) == (1, 2)
    assert (row["held_back"]["outcomes"], row["held_back"]["subjects"]) == (1, 2)
    assert report(db_url, DAY, DAY, "rev")["uplift"] == []  # no holdout decided that day


def test_quiet_hours_put_no_shopper_in_the_wrong_arm(db_url):
    # Orders at 22:00: the first reminder is due at 22:30, in the quiet hours. Held back or
    # not, it waits until 09:00 (the holdout is drawn when the message would go); an order
    # paid in the night has then lost its reason in either arm, and is in neither. The others
    # count, each in its arm, on the day the reminder was due.
    phone = _phones()
    treated = _ids("payment_reminder", "order", "tn", held=False, n=3)
    held = _ids("payment_reminder", "order", "hn", held=True, n=3)
    events = [_holdout("night", "payment_reminder")]
    for oid in treated + held:
        events += _at("night", [customer(oid, phone()), order(oid, local(2026, 11, 11, 22), oid)])
    for oid in (*treated[:2], *held[:2]):  # two of each pay at 23:00
        events += _at("night", [paid(oid, local(2026, 11, 11, 23))])
    replay(db_url, events)
    (row,) = report(db_url, DAY, DAY, "night")["uplift"]
    # treated: 1 (reminded at 09:00), held back: 1 (held at 09:00); neither paid after
    assert row["treated"] == {"subjects": 1, "outcomes": 0, "rate": 0.0}
    assert row["held_back"] == {"subjects": 1, "outcomes": 0, "rate": 0.0}
    # 12 Nov: the unpaid held-back order's last reminder is held back, but no subject's
    # first reminder was due that day
    (later,) = report(db_url, DAY + timedelta(days=1), DAY + timedelta(days=1), "night")["uplift"]
    assert (later["treated"]["subjects"], later["held_back"]["subjects"]) == (0, 0)
