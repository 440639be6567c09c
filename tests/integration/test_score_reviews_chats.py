"""The score's review and chat metrics, worked out by hand, on SQLite and PostgreSQL.

T is 2026-11-20 10:00 in Shanghai unless told: day D is 20 November.
"""

from __future__ import annotations

import pytest

from helpers import event
from outcomes_helpers import chat, figures, local, metric, review, score, score_at, shop

T = local(2026, 11, 20, 10, 0)


def test_review_positive_rate_over_90_days_with_deleted_reviews(db_url):
    events = [
        shop(),
        review("r0", local(2026, 8, 21, 23, 59, 59), 1),  # the day before D-90: out
        review("r1", local(2026, 8, 22, 0, 0, 0), 5),  # D-90, its first second: in, good
        review("r4", local(2026, 10, 1, 12, 0), 2),  # bad, deleted below: still counted
        review("r5", local(2026, 10, 2, 12, 0), 4),  # 4 is good
        review("r2", local(2026, 11, 19, 23, 59, 59), 3),  # D-1, its last second: in, bad
        review("r3", local(2026, 11, 20, 0, 0, 0), 1),  # day D: out
        event("review.deleted", local(2026, 10, 3), review_id="r4", by="platform"),
    ]
    result = score(db_url, events, T)
    # good: r1, r5 = 2; all in the window: r1, r4, r5, r2 = 4; 2/4 = 0.5 < 0.95
    # culprits, newest first: r2 (19 Nov), r4 (1 Oct)
    assert figures(result, "review_positive_rate") == (2, 4, False, ["r2", "r4"])
    assert metric(result, "review_positive_rate")["value"] == 0.5
    assert metric(result, "review_positive_rate")["window"] == {
        "first": "2026-08-22",
        "last": "2026-11-19",
    }


def _d1(hour: int, minute: int = 0, second: int = 0):
    return local(2026, 11, 19, hour, minute, second)  # D-1


def test_response_turns_bots_and_the_30_second_edge(db_url):
    events = [
        shop(),
        # k1: a bot answers in exactly 30 s: in time
        chat("k1", _d1(10), "inbound"),
        chat("k1", _d1(10, 0, 30), "outbound", "bot"),
        # k2: a human answers in 31 s: late
        chat("k2", _d1(11), "inbound"),
        chat("k2", _d1(11, 0, 31), "outbound", "human"),
        # k3: a second inbound before any reply starts no turn; the turn waits 35 s: late
        chat("k3", _d1(12), "inbound"),
        chat("k3", _d1(12, 0, 10), "inbound"),
        chat("k3", _d1(12, 0, 35), "outbound", "human"),
        # k4: never answered: late, and not in the mean
        chat("k4", _d1(13), "inbound"),
        # k5: two turns (the second inbound follows an outbound): 5 s and 20 s, both in time
        chat("k5", _d1(14), "inbound"),
        chat("k5", _d1(14, 0, 5), "outbound", "bot"),
        chat("k5", _d1(14, 1, 0), "inbound"),
        chat("k5", _d1(14, 1, 20), "outbound", "human"),
    ]
    result = score(db_url, events, T)
    # turns: k1, k2, k3, k4, k5a, k5b = 6; in time: k1, k5a, k5b = 3 → 3/6 = 0.5
    # late or unanswered conversations, newest turn first: k4 (13:00), k3 (12:00), k2 (11:00)
    assert figures(result, "response_30s_rate") == (3, 6, False, ["k4", "k3", "k2"])
    # answered turns: 5; seconds 30 + 31 + 35 + 5 + 20 = 121; mean 24.2 s <= 30
    # slower than the 30 s target: k3 (35 s, 12:00), k2 (31 s, 11:00)
    assert figures(result, "response_avg_seconds") == (121.0, 5, True, ["k3", "k2"])
    assert metric(result, "response_avg_seconds")["value"] == pytest.approx(24.2)


def test_response_window_edges(db_url):
    events = [
        shop(),
        # k11: a turn the second before D-30 (20 Oct 23:59:59); its reply inside: no turn in
        chat("k11", local(2026, 10, 20, 23, 59, 59), "inbound"),
        chat("k11", local(2026, 10, 21, 0, 0, 9), "outbound", "bot"),
        # k6: its turn starts before the window; the inbound inside is no new turn
        chat("k6", local(2026, 10, 20, 23, 59, 50), "inbound"),
        chat("k6", local(2026, 10, 21, 0, 0, 5), "inbound"),
        chat("k6", local(2026, 10, 21, 0, 0, 20), "outbound", "human"),
        # k7: D-30's first instant (21 Oct 00:00:00): in, answered in 10 s
        chat("k7", local(2026, 10, 21, 0, 0, 0), "inbound"),
        chat("k7", local(2026, 10, 21, 0, 0, 10), "outbound", "human"),
        # k9: D-1's last seconds, answered after midnight (on day D) in 25 s: in, in time
        chat("k9", local(2026, 11, 19, 23, 59, 50), "inbound"),
        chat("k9", local(2026, 11, 20, 0, 0, 15), "outbound", "bot"),
        # k8: day D itself: out
        chat("k8", local(2026, 11, 20, 0, 0, 0), "inbound"),
    ]
    result = score(db_url, events, T)
    # turns: k7 (10 s), k9 (25 s): 2 of 2 in time; mean (10 + 25) / 2 = 17.5 s
    assert figures(result, "response_30s_rate") == (2, 2, True, [])
    assert figures(result, "response_avg_seconds") == (35.0, 2, True, [])


def test_a_reply_after_t_is_not_known_at_t(db_url):
    events = [
        shop(),
        chat("k10", local(2026, 11, 19, 23, 59, 50), "inbound"),
        chat("k10", local(2026, 11, 20, 0, 0, 10), "outbound", "human"),
    ]
    before = score(db_url, events, local(2026, 11, 20, 0, 0, 5))
    # at 00:00:05 the reply has not come: one turn, unanswered
    assert figures(before, "response_30s_rate") == (0, 1, False, ["k10"])
    assert figures(before, "response_avg_seconds")[:2] == (0, 0)
    after = score_at(db_url, local(2026, 11, 20, 0, 0, 10))
    # at 00:00:10 it has: answered in 20 s
    assert figures(after, "response_30s_rate") == (1, 1, True, [])
    assert figures(after, "response_avg_seconds") == (20.0, 1, True, [])
