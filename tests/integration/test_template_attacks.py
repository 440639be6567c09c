"""A seller's template cannot take the instance down: a huge text is refused when it comes in or
waits for a mend instead of going out, a render error waits for a mend instead of failing the
store's batch, a live batch decides only for its time, a store whose batch keeps failing is
backed off, and the API's reads never wait for the worker's write transaction."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event, select

from fakes_providers import ScriptedProvider
from helpers import Clock, at, customer, live, order, post, rounds, shipped, store
from tidings import bootstrap
from tidings.adapters.db import tables
from tidings.domain.errors import InvalidEvent
from tidings.entrypoints.api.app import create_app
from tidings.services.live import Worker


def _orders(n: int, sid: str = "acme", **over: Any) -> list[dict]:
    people = [customer(f"c{i}", phone=f"+861380013{i:04d}", when=at(-23)) for i in range(n)]
    paid = [order(f"o{i}", at(9), cid=f"c{i}", status="paid") for i in range(n)]
    sent = [shipped(f"o{i}", f"s{i}", at(10)) for i in range(n)]
    return [{**e, "store": sid} for e in [store(**over), *people, *paid, *sent]]


def _notice(text: str) -> dict[str, Any]:
    return {"shipping_notice": {"templates": {"shipped": {"zh-CN": text}}}}


def _messages(app: bootstrap.App, sid: str = "acme") -> list[dict]:
    with app.db.connect() as conn:
        rows = conn.execute(select(tables.messages).where(tables.messages.c.store_id == sid))
        return [dict(r._mapping) for r in rows]


def test_a_template_that_makes_100_mb_is_refused_when_it_comes_in(db_url):
    app = live(db_url, Clock(at(10)), {"file": ScriptedProvider()})
    with pytest.raises(InvalidEvent, match="100000000 characters"):
        post(app, _orders(1, journeys=_notice("{{ 'x' * 10**8 }}")))
    app.close()


def test_an_sms_of_more_than_ten_segments_is_not_sent_but_waits_for_a_mend(db_url, caplog):
    clock, provider = Clock(at(10)), ScriptedProvider()
    app = live(db_url, clock, {"file": provider})
    post(app, _orders(1, journeys=_notice("{{ shipment.carrier * 350 }}")))  # 706 UCS-2
    rounds(app)
    assert provider.sent == []
    (waiting,) = _messages(app)
    assert waiting["status"] == "pending" and waiting["run_at"] == at(11)
    assert "the SMS takes 11 segments, more than 10" in caplog.text
    app.close()


def test_a_render_error_waits_for_a_mend_and_the_stores_batch_goes_on(db_url, caplog):
    clock, provider = Clock(at(10)), ScriptedProvider()
    app = live(db_url, clock, {"file": provider})
    power = "{{ 10 ** (shipment.tracking_number | length * 2000) }}"  # 10**6000 with data
    post(app, [*_orders(1, journeys=_notice(power)), *_orders(1, "bolt")])
    assert rounds(app) == 1  # everything done in one round: no batch failed
    assert [o.store_id for o in provider.sent] == ["bolt"]
    (waiting,) = _messages(app)
    assert waiting["status"] == "pending" and waiting["run_at"] == at(11)
    assert "bits" in caplog.text
    app.close()


class Ticks:
    """A timer that moves `tick` seconds each time it is read."""

    def __init__(self, tick: float) -> None:
        self.now, self.tick = 0.0, tick

    def __call__(self) -> float:
        self.now += self.tick
        return self.now


def test_a_live_batch_decides_for_its_time_and_leaves_the_rest_to_the_next(db_url):
    clock, provider = Clock(at(10)), ScriptedProvider()
    app = live(db_url, clock, {"file": provider})
    app.engine.decide_seconds, app.engine.timer = 1.0, Ticks(0.4)  # 3 decisions a batch
    post(app, _orders(5))
    worker = app.worker()
    worker.round()
    assert sorted(m["status"] for m in _messages(app)) == ["pending"] * 2 + ["sent"] * 3
    worker.round()
    assert [m["status"] for m in _messages(app)] == ["sent"] * 5
    app.close()


class Failing:
    """The engine, failing every batch that holds `store` while `failing`."""

    def __init__(self, engine: Any, store: str) -> None:
        self.engine, self.store, self.failing, self.tries = engine, store, True, 0

    def run(self, uow: Any, events: Any, until: Any, **options: Any) -> Any:
        if self.store in options["stores"]:
            self.tries += options["stores"] == [self.store]
            if self.failing:
                raise RuntimeError("the database refuses this store's rows")
        return self.engine.run(uow, events, until, **options)


def _failures(caplog: pytest.LogCaptureFixture) -> int:
    return sum("store acme" in r.getMessage() for r in caplog.records if r.levelname == "ERROR")


@pytest.mark.logs_errors
def test_a_store_whose_batch_keeps_failing_is_backed_off_and_the_others_go_on(db_url, caplog):
    clock, provider = Clock(at(10)), ScriptedProvider()
    app = live(db_url, clock, {"file": provider})
    post(app, [*_orders(1), *_orders(1, "bolt")])
    failing = Failing(app.engine, "acme")
    worker: Worker = app.worker()
    worker.engine = failing  # type: ignore[assignment]
    seen = []
    for seconds in (0, 0, 4, 1, 0, 9, 1, 19, 1):  # waits of 5, 10, then 20 seconds
        clock.advance(seconds=seconds)
        worker.round()
        seen.append((failing.tries, _failures(caplog)))
    assert seen == [(1, 1), (1, 1), (1, 1), (2, 2), (2, 2), (2, 2), (3, 3), (3, 3), (4, 4)]
    assert [o.store_id for o in provider.sent] == ["bolt"]  # the other store went on
    failing.failing = False
    clock.advance(seconds=40)
    worker.round()
    assert worker.backoffs == {} and [o.store_id for o in provider.sent] == ["bolt", "acme"]
    app.close()


def test_the_apis_reads_do_not_wait_for_the_workers_write_transaction(db_url):
    app = live(db_url, Clock(at(10)), {"file": ScriptedProvider()})
    key = app.create_key("acme")
    app.db.dispose()  # new connections, which give up waiting for a lock at once
    event.listen(app.db, "connect", _impatient)
    with TestClient(create_app(app)) as client, app.unit_of_work() as worker:
        assert worker.lock_store("acme")  # the worker's transaction, holding the writer's lock
        answer = client.get("/v1/alerts", headers={"Authorization": f"Bearer {key}"})
        assert answer.status_code == 200 and answer.json() == {"alerts": []}
    app.close()


def test_a_read_only_unit_of_work_cannot_commit(db_url):
    app = live(db_url, Clock(at(10)), {"file": ScriptedProvider()})
    with app.unit_of_work(read_only=True) as uow, pytest.raises(RuntimeError, match="read-only"):
        uow.commit()
    app.close()


def _impatient(dbapi_conn: Any, _record: Any) -> None:
    if type(dbapi_conn).__module__.startswith("sqlite3"):
        dbapi_conn.execute("PRAGMA busy_timeout=100")
