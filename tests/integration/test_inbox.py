"""The inbox on each database: a worker's pass takes the oldest waiting events of each of its
stores, as many as its batch a store, and the rest wait for the next pass."""

from __future__ import annotations

from typing import Any

from helpers import Clock, at, live, order, post, store


def _take(app: Any, stores: list[str], limit: int) -> list[str]:
    with app.unit_of_work() as uow:
        taken = uow.inbox.take(stores, limit)
        uow.commit()
    return sorted(e.id for e in taken)


def test_a_pass_takes_the_oldest_of_each_store_and_leaves_the_rest(db_url: str) -> None:
    app = live(db_url, Clock(at(12)))
    events = [{**store(at(0)), "store": s, "id": f"{s}-store"} for s in ("s1", "s2", "s3")]
    for i in (3, 1, 2, 0):  # posted out of order: taken by when they happened
        for s in ("s1", "s2"):
            events.append({**order(f"o{i}", at(1, minutes=i)), "store": s, "id": f"{s}-o{i}"})
    post(app, events)

    first = _take(app, ["s2", "s1"], 3)
    rest = _take(app, ["s1", "s2", "s3"], 10)

    assert first == ["s1-o0", "s1-o1", "s1-store", "s2-o0", "s2-o1", "s2-store"]
    assert rest == ["s1-o2", "s1-o3", "s2-o2", "s2-o3", "s3-store"]
    assert _take(app, ["s1", "s2", "s3"], 10) == []
    app.close()
