"""Days in each store's own zone, targets a store sets, `overall`, and refusals."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from outcomes_helpers import app, dispute, figures, local, review, score, score_at, shop
from tidings.domain.errors import InvalidTarget, NaiveDatetime, UnknownStore


def test_the_same_instant_is_on_different_days_in_different_zones(db_url):
    west = "America/Los_Angeles"
    events = [
        shop("east"),
        shop("west", timezone=west),
        # 15:30 UTC on 19 Nov: 23:30 on 19 Nov in Shanghai, 07:30 on 19 Nov in Los Angeles
        {**review("r1", datetime(2026, 11, 19, 15, 30, tzinfo=UTC), 5), "store": "east"},
        {**review("r1", datetime(2026, 11, 19, 15, 30, tzinfo=UTC), 5), "store": "west"},
        # 07:30 UTC on 19 Nov: 15:30 on 19 Nov in Shanghai, 23:30 on 18 Nov in Los Angeles
        {**review("r2", datetime(2026, 11, 19, 7, 30, tzinfo=UTC), 1), "store": "east"},
        {**review("r2", datetime(2026, 11, 19, 7, 30, tzinfo=UTC), 1), "store": "west"},
    ]
    at = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)  # 10:00 on 20 Nov east, 18:00 on 19 Nov west
    east = score(db_url, events, at, "east")
    west_score = score_at(db_url, at, "west")
    assert (east["day"], east["at"]) == ("2026-11-20", "2026-11-20T10:00:00+08:00")
    assert (west_score["day"], west_score["at"]) == ("2026-11-19", "2026-11-19T18:00:00-08:00")
    # east: both reviews fall on D-1 (19 Nov): 1 good of 2
    assert figures(east, "review_positive_rate") == (1, 2, False, ["r2"])
    # west: r1 is on day D (19 Nov): out; r2 on D-1 (18 Nov): 0 good of 1
    assert figures(west_score, "review_positive_rate") == (0, 1, False, ["r2"])


def test_targets_overridden_and_overall(db_url):
    events = [
        shop(),
        review("r1", local(2026, 11, 10), 5),
        review("r2", local(2026, 11, 11), 2),  # 1 good of 2: 0.5
        dispute("d1", local(2026, 11, 12)),  # 1 dispute over no paid order: no data
    ]
    at = local(2026, 11, 20, 10)
    before = score(db_url, events, at)
    # with data: review_positive_rate only (0.5 < 0.95): 0 of 1 met → 0
    assert before["overall"] == 0.0
    assert before["metrics"]["dispute_rate"]["value"] is None
    application = app(db_url)
    try:
        targets = application.set_targets(
            "acme", {"review_positive_rate": "0.5", "aftersale_avg_hours": "48"}
        )
        assert targets["review_positive_rate"]["target"] == 0.5
        hours = {"target": 48.0, "direction": "<=", "default": 24.0}
        assert targets["aftersale_avg_hours"] == hours
        with pytest.raises(InvalidTarget):  # nothing is written when one value is wrong
            application.set_targets("acme", {"dispute_rate": "0.01", "response_30s_rate": "2"})
        assert application.targets("acme")["dispute_rate"]["target"] == 0.005
    finally:
        application.db.dispose()
    after = score_at(db_url, at)
    # 0.5 >= 0.5 now: 1 of 1 met → 100
    review_rate = after["metrics"]["review_positive_rate"]
    assert (review_rate["target"], review_rate["met"], after["overall"]) == (0.5, True, 100.0)
    application = app(db_url)
    try:
        cleared = application.set_targets("acme", {"review_positive_rate": None})
    finally:
        application.db.dispose()
    assert cleared["review_positive_rate"]["target"] == 0.95
    assert score_at(db_url, at)["overall"] == 0.0


def test_unknown_store_and_naive_time(db_url):
    score(db_url, [shop()], local(2026, 11, 20))
    with pytest.raises(UnknownStore, match="nowhere"):
        score_at(db_url, local(2026, 11, 20), "nowhere")
    with pytest.raises(NaiveDatetime):
        score_at(db_url, datetime(2026, 11, 20, 10, 0))
    application = app(db_url)
    try:
        with pytest.raises(UnknownStore):
            application.set_targets("nowhere", {"dispute_rate": "0.01"})
    finally:
        application.db.dispose()
