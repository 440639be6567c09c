"""Collection, arrival and the orders at risk, worked out by hand, on both databases.

Shanghai time; T is 2026-11-20 10:00 unless told, so day D is 20 November.
"""

from __future__ import annotations

from helpers import checkpoint, event, order, paid, shipped
from outcomes_helpers import figures, local, metric, score, shop

T = local(2026, 11, 20, 10, 0)


def _paid_order(oid: str, when, **over):
    return [order(oid, when, status="paid", **over)]


def _collected(oid: str, sid: str, when):
    return [shipped(oid, sid, when), checkpoint(sid, "in_transit", when, order_id=oid)]


def test_same_day_collection_and_the_16_00_cut_off(db_url):
    events = [
        shop(),
        # o1: paid 15:59:59 on D-1: due by the end of D-1; collected 23:59:59: in time
        *_paid_order("o1", local(2026, 11, 19, 15, 59, 59)),
        *_collected("o1", "s1", local(2026, 11, 19, 23, 59, 59)),
        # o2: paid 16:00:00 on D-1: due by the end of D, not yet passed: not counted
        *_paid_order("o2", local(2026, 11, 19, 16, 0, 0)),
        # o3: paid 15:59:59 on D-2, collected at midnight: one second late
        *_paid_order("o3", local(2026, 11, 18, 15, 59, 59)),
        *_collected("o3", "s3", local(2026, 11, 19, 0, 0, 0)),
        # o4: paid 16:00:00 on D-2: due by the end of D-1; collected 23:00 on D-1: in time
        *_paid_order("o4", local(2026, 11, 18, 16, 0, 0)),
        *_collected("o4", "s4", local(2026, 11, 19, 23, 0)),
        # o5: paid, then cancelled: left out
        *_paid_order("o5", local(2026, 11, 18, 10, 0)),
        event("order.cancelled", local(2026, 11, 18, 12, 0), order_id="o5", reason="customer"),
        # o6: cash on delivery, paid when created; collected the same evening: in time
        order("o6", local(2026, 11, 19, 9, 0), payment="cod", status="unpaid"),
        *_collected("o6", "s6", local(2026, 11, 19, 20, 0)),
        # o7: paid with order.paid on D-1, never collected: late
        order("o7", local(2026, 11, 19, 9, 30)),
        paid("o7", local(2026, 11, 19, 10, 0)),
        # o8: never paid: not counted
        order("o8", local(2026, 11, 19, 9, 0)),
        # o9: two parcels; the first collected in time counts (the other is late)
        *_paid_order("o9", local(2026, 11, 19, 9, 0)),
        *_collected("o9", "s9a", local(2026, 11, 20, 1, 0)),
        *_collected("o9", "s9b", local(2026, 11, 19, 22, 0)),
        # o10: paid 15:59:59 on 20 Oct: due by the end of 20 Oct = D-31: out of the window
        *_paid_order("o10", local(2026, 10, 20, 15, 59, 59)),
        # o11: paid 16:00 on 20 Oct: due by the end of 21 Oct = D-30: in; never collected
        *_paid_order("o11", local(2026, 10, 20, 16, 0, 0)),
    ]
    result = score(db_url, events, T)
    # in time: o1, o4, o6, o9 = 4; deadline passed: o1, o3, o4, o6, o7, o9, o11 = 7
    # late, newest paid first: o7 (19 Nov 10:00), o3 (18 Nov 15:59:59), o11 (20 Oct 16:00)
    assert figures(result, "same_day_collection_rate") == (4, 7, False, ["o7", "o3", "o11"])
    assert metric(result, "same_day_collection_rate")["value"] == 4 / 7
    # not collected, deadline ahead: o2 (paid 19 Nov 16:00), due by the end of 20 Nov
    assert result["at_risk"] == [{"order_id": "o2", "deadline": "2026-11-21T00:00:00+08:00"}]


def test_at_risk_soonest_deadline_first(db_url):
    at = local(2026, 11, 20, 17, 0)
    events = [
        shop(),
        *_paid_order("a1", local(2026, 11, 20, 16, 30)),  # due by the end of 21 Nov
        *_paid_order("a2", local(2026, 11, 20, 9, 0)),  # due by the end of 20 Nov
        *_paid_order("a3", local(2026, 11, 19, 16, 0)),  # due by the end of 20 Nov, paid first
        *_paid_order("a4", local(2026, 11, 20, 10, 0)),
        *_collected("a4", "s4", local(2026, 11, 20, 12, 0)),  # collected before T: safe
        *_paid_order("a5", local(2026, 11, 20, 11, 0)),
        *_collected("a5", "s5", local(2026, 11, 20, 18, 0)),  # collected after T: at risk at T
        *_paid_order("a6", local(2026, 11, 19, 15, 0)),  # due by midnight: already late
        *_paid_order("a8", local(2026, 11, 20, 17, 30)),  # paid after T
        *_paid_order("a9", local(2026, 11, 20, 12, 0)),
        event("order.cancelled", local(2026, 11, 20, 13, 0), order_id="a9", reason="customer"),
    ]
    result = score(db_url, events, at)
    # by deadline, then by when paid: a3, a2, a5 (end of 20 Nov), then a1 (end of 21 Nov)
    assert result["at_risk"] == [
        {"order_id": "a3", "deadline": "2026-11-21T00:00:00+08:00"},
        {"order_id": "a2", "deadline": "2026-11-21T00:00:00+08:00"},
        {"order_id": "a5", "deadline": "2026-11-21T00:00:00+08:00"},
        {"order_id": "a1", "deadline": "2026-11-22T00:00:00+08:00"},
    ]


def _parcel(sid: str, collected, arrived=None, status: str = "delivered"):
    out = [checkpoint(sid, "in_transit", collected)]
    if arrived is not None:
        out.append(checkpoint(sid, status, arrived))
    return out


def test_next_day_arrival_over_d_30_to_d_2(db_url):
    events = [
        shop(),
        # s1: collected 18 Nov (D-2) 23:59:59, delivered 19 Nov 23:59:59: in time
        *_parcel("s1", local(2026, 11, 18, 23, 59, 59), local(2026, 11, 19, 23, 59, 59)),
        # s2: collected 18 Nov, waits at a pickup point from 20 Nov 00:00:00: late
        *_parcel("s2", local(2026, 11, 18, 10), local(2026, 11, 20), "available_for_pickup"),
        # s3: collected on D-1: out of the window
        *_parcel("s3", local(2026, 11, 19, 8, 0)),
        # s4: collected at the first instant of D-30 (21 Oct), arrived the next day: in time
        *_parcel("s4", local(2026, 10, 21, 0, 0, 0), local(2026, 10, 22, 12, 0)),
        # s5: collected the second before D-30: out
        *_parcel("s5", local(2026, 10, 20, 23, 59, 59), local(2026, 10, 21, 1, 0)),
        # s6: collected 10 Nov, never arrived: late
        *_parcel("s6", local(2026, 11, 10, 9, 0)),
        # s7: a pickup point is an arrival too: in time
        *_parcel("s7", local(2026, 11, 10, 10), local(2026, 11, 11, 9), "available_for_pickup"),
    ]
    result = score(db_url, events, T)
    # in time: s1, s4, s7 = 3; collected in the window: s1, s2, s4, s6, s7 = 5
    # late, newest collected first: s2 (18 Nov 10:00), s6 (10 Nov)
    assert figures(result, "next_day_arrival_rate") == (3, 5, False, ["s2", "s6"])
    assert metric(result, "next_day_arrival_rate")["window"] == {
        "first": "2026-10-21",
        "last": "2026-11-18",
    }
