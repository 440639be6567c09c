"""After-sale hours, return satisfaction and disputes, worked out by hand, on both databases.

Shanghai time; T is 2026-11-20 10:00, day D is 20 November.
"""

from __future__ import annotations

from helpers import event, order, paid
from outcomes_helpers import dispute, figures, local, metric, opened, resolved, score, shop

T = local(2026, 11, 20, 10, 0)


def test_aftersale_hours_and_return_satisfaction(db_url):
    events = [
        shop(),
        # t1: a return, 24 h exactly, satisfied
        opened("t1", local(2026, 11, 18, 10)),
        resolved("t1", local(2026, 11, 19, 10), satisfied=True),
        # t2: a refund, 60 h, unhappy (refunds are not in the satisfaction rate)
        opened("t2", local(2026, 11, 17, 10), kind="refund"),
        resolved("t2", local(2026, 11, 19, 22), satisfied=False),
        # t3: an exchange resolved at the first instant of D-30 (21 Oct): 14 h, unhappy
        opened("t3", local(2026, 10, 20, 10), kind="exchange"),
        resolved("t3", local(2026, 10, 21, 0, 0, 0), satisfied=False),
        # t4: a repair resolved the second before D-30: out of the hours, in the 180 days
        opened("t4", local(2026, 10, 19, 10), kind="repair"),
        resolved("t4", local(2026, 10, 20, 23, 59, 59), satisfied=True),
        # t5: resolved on day D: out of both
        opened("t5", local(2026, 11, 19, 9)),
        resolved("t5", local(2026, 11, 20, 9), satisfied=False),
        # t6: a return of 30 h without a rating: in the hours only
        opened("t6", local(2026, 11, 1, 8)),
        resolved("t6", local(2026, 11, 2, 14)),
        # t7: resolved at the first instant of D-180 (24 May: 20 Nov less 180 days), satisfied
        opened("t7", local(2026, 5, 20, 10)),
        resolved("t7", local(2026, 5, 24, 0, 0, 0), satisfied=True),
        # t8: the second before D-180: out
        opened("t8", local(2026, 5, 20, 10)),
        resolved("t8", local(2026, 5, 23, 23, 59, 59), satisfied=False),
    ]
    result = score(db_url, events, T)
    # hours: t1 24 + t2 60 + t3 14 + t6 30 = 128 over 4 tickets: 32 h > 24
    # longer than 24 h, newest resolved first: t2 (19 Nov 22:00), t6 (2 Nov); t1 is 24 h flat
    assert figures(result, "aftersale_avg_hours") == (128.0, 4, False, ["t2", "t6"])
    assert metric(result, "aftersale_avg_hours")["value"] == 32.0
    # satisfaction (return, exchange, repair, rated, 24 May … 19 Nov): t1 yes, t3 no,
    # t4 yes, t7 yes: 3/4 = 0.75 < 0.90; unhappy: t3
    assert figures(result, "return_satisfaction_rate") == (3, 4, False, ["t3"])
    assert metric(result, "return_satisfaction_rate")["window"]["first"] == "2026-05-24"


def test_dispute_rate(db_url):
    events = [
        shop(),
        order("o1", local(2026, 11, 1, 10), status="paid"),
        order("o2", local(2026, 11, 2, 10)),
        paid("o2", local(2026, 11, 2, 10, 5)),
        order("o3", local(2026, 11, 3, 10), payment="cod"),  # paid when created
        order("o4", local(2026, 11, 4, 10), status="paid"),  # paid, then cancelled: counts
        event("order.cancelled", local(2026, 11, 5), order_id="o4", reason="customer"),
        order("o5", local(2026, 11, 5, 10)),  # never paid
        order("o6", local(2026, 10, 20, 23, 59, 59), status="paid"),  # before D-30
        order("o7", local(2026, 11, 20, 9), status="paid"),  # on day D
        dispute("d1", local(2026, 11, 19, 23, 59, 59), "o1"),  # D-1: in
        dispute("d2", local(2026, 10, 20, 23, 59, 59), "o6"),  # before D-30: out
        dispute("d3", local(2026, 11, 20, 0, 0, 0), "o2"),  # day D: out
        dispute("d4", local(2026, 10, 21, 0, 0, 0), "o3"),  # D-30's first instant: in
    ]
    result = score(db_url, events, T)
    # disputes opened 21 Oct … 19 Nov: d1, d4 = 2; orders paid then: o1, o2, o3, o4 = 4
    # 2/4 = 0.5 > 0.005; newest first: d1, d4
    assert figures(result, "dispute_rate") == (2, 4, False, ["d1", "d4"])
