"""Where delivery meets time and other workers: leases held through a long batch, receipts that
come first, receipts of messages with several recipients, maximum age after quiet hours, rate
slots shared by workers, templates that do not render, erasure while a worker sends."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import select

from fakes_providers import ScriptedProvider, Transient
from helpers import Clock, at, customer, event, inbound, live, order, post, rounds, shipped, store
from tidings.adapters.db import tables
from tidings.domain.delivery import Accepted, Outgoing, Receipt
from tidings.services import consent


def _rows(app, table) -> list[dict]:  # type: ignore[no-untyped-def]
    with app.db.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(select(table))]


class SlowProvider(ScriptedProvider):
    """Each send takes `seconds` of the test's clock, and may run a hook (another worker)."""

    def __init__(self, clock: Clock, seconds: float, hook=None) -> None:  # type: ignore[no-untyped-def]
        super().__init__()
        self.clock, self.seconds, self.hook = clock, seconds, hook

    def send(self, out: Outgoing) -> Accepted:
        accepted = super().send(out)
        self.clock.advance(seconds=self.seconds)
        if self.hook is not None:
            self.hook(len(self.sent), accepted)
        return accepted


def _orders(n: int) -> list[dict]:
    people = [customer(f"c{i}", phone=f"+861380013{i:04d}", when=at(-23)) for i in range(n)]
    paid = [order(f"o{i}", at(9), cid=f"c{i}", status="paid") for i in range(n)]
    return [store(), *people, *paid, *(shipped(f"o{i}", f"s{i}", at(10)) for i in range(n))]


def test_a_long_batch_keeps_its_lease_and_no_other_worker_sends_it_again(db_url):
    clock = Clock(at(10))
    other = live(db_url, clock, {"file": ScriptedProvider()}, lease_seconds=10)
    taken: list[int] = []

    def meanwhile(sent: int, _: Accepted) -> None:
        if sent % 5 == 0:  # every 5 s of sending, the other worker looks for work
            taken.append(len(other.dispatcher.claim(clock(), 100)))

    slow = SlowProvider(clock, 1.0, meanwhile)
    app = live(db_url, clock, {"file": slow}, lease_seconds=10, in_flight=2)
    post(app, _orders(30))
    rounds(app)  # 30 notices, 1 s each: three times the lease
    assert len(slow.sent) == 30 and taken and set(taken) == {0}
    states = [d["state"] for d in _rows(app, tables.deliveries)]
    assert states == ["accepted"] * 30
    app.close()
    other.close()


def test_a_receipt_that_comes_before_its_acceptance_is_recorded_waits_for_it(db_url):
    clock = Clock(at(10))
    app = live(db_url, clock, {"file": ScriptedProvider()})
    worker = app.worker()

    def fast_receipt(_: int, accepted: Accepted) -> None:  # on another worker's bind
        worker.take(Receipt("file", accepted.refs[0], "delivered", clock()))

    app.dispatcher.providers["file"] = SlowProvider(clock, 0, fast_receipt)  # type: ignore[index]
    post(app, _orders(1))
    rounds(app)
    (row,) = _rows(app, tables.deliveries)
    assert row["state"] == "delivered" and row["accepted_at"] is not None
    assert _rows(app, tables.receipts_waiting) == []
    app.close()


def test_a_receipt_by_message_id_leaves_deliveries_not_yet_taken_to_their_retry(db_url):
    clock, provider = Clock(at(10)), ScriptedProvider("carrier")
    provider.fail_next(Transient("throttled"))  # the first fails, the second waits with it
    providers = {"file": ScriptedProvider(), "carrier": provider}
    app = live(db_url, clock, providers, channels={"sms": "carrier"})
    contacts = [{"phone": "+8613911110000"}, {"phone": "+8613911110001"}]
    review = {"review_id": "r1", "order_id": "o1", "customer_id": "c1", "rating": 1, "text": "x"}
    post(app, [store(merchant_contacts=contacts), event("review.posted", clock(), **review)])
    rounds(app)
    alert = next(m for m in _rows(app, tables.messages) if m["channel"] == "alert")
    post(
        app, [event("message.status", clock(), message_id=alert["message_id"], status="delivered")]
    )
    rounds(app)
    states = sorted(d["state"] for d in _rows(app, tables.deliveries) if d["channel"] == "sms")
    assert states == ["queued", "queued"]  # not "delivered": the provider never had them
    clock.advance(seconds=5)
    rounds(app)
    assert sorted(o.to for o in provider.sent) == ["+8613911110000", "+8613911110001"]
    app.close()


def test_a_message_held_by_quiet_hours_is_young_when_they_end(db_url):
    clock, provider = Clock(at(22)), ScriptedProvider()
    provider.fail_next(Transient("connection refused"))
    app = live(db_url, clock, {"file": provider}, max_age_hours=6)
    shopper = customer("c0", phone="+8613800130000", when=at(-23))
    post(app, [store(), shopper, order("o0", at(9), cid="c0", status="paid")])
    post(app, [shipped("o0", "s0", at(22))])
    rounds(app)
    clock.now = at(24 + 9)  # quiet hours end: 11 h after it was due
    rounds(app)
    (row,) = _rows(app, tables.deliveries)
    assert row["state"] == "queued"  # tried again, not expired
    clock.advance(seconds=5)
    rounds(app)
    assert _rows(app, tables.deliveries)[0]["state"] == "accepted" and len(provider.sent) == 1
    app.close()


def test_workers_share_a_providers_rate_through_reserved_slots(db_url):
    clock = Clock(at(10))
    app = live(db_url, clock, {"file": ScriptedProvider()})
    span = timedelta(seconds=2)
    with app.unit_of_work() as uow:
        first = uow.deliveries.reserve("carrier", span, clock())
        second = uow.deliveries.reserve("carrier", span, clock())
        other = uow.deliveries.reserve("mail", span, clock())
        uow.commit()
    assert (first, second, other) == (at(10), at(10, seconds=2), at(10))
    clock.advance(seconds=10)  # slots past are free again
    with app.unit_of_work() as uow:
        assert uow.deliveries.reserve("carrier", span, clock()) == clock()
    app.close()


@pytest.mark.logs_errors
def test_a_text_that_does_not_render_waits_and_other_stores_go_on(db_url, caplog):
    clock, provider = Clock(at(10)), ScriptedProvider()
    app = live(db_url, clock, {"file": provider})
    broken = {"shipping_notice": {"templates": {"shipped": {"zh-CN": "{{ parcel.nope }}"}}}}
    bolt = [{**e, "store": "bolt"} for e in _orders(1)]
    post(app, [store(journeys=broken), *_orders(1)[1:], *bolt])
    rounds(app)
    assert [o.store_id for o in provider.sent] == ["bolt"]
    (waiting,) = [m for m in _rows(app, tables.messages) if m["store_id"] == "acme"]
    assert waiting["status"] == "pending" and waiting["run_at"] == at(11)
    assert "tried again in an hour" in caplog.text
    app.close()


def test_erasure_while_a_worker_sends_leaves_no_trace_of_the_phone(db_url):
    clock = Clock(at(10))
    app = live(db_url, clock, {"file": ScriptedProvider()})

    def erase_meanwhile(_: int, __: Accepted) -> None:
        with app.unit_of_work() as uow:
            consent.erase_customer(uow, "acme", "c0", clock())
            uow.commit()

    app.dispatcher.providers["file"] = SlowProvider(clock, 0, erase_meanwhile)  # type: ignore[index]
    post(app, _orders(1))
    rounds(app)
    assert all(r["recipient"] == "erased" for r in _rows(app, tables.provider_refs))
    (row,) = _rows(app, tables.deliveries)
    assert row["recipient"] == "erased" and row["state"] == "failed"
    app.close()


def test_erasure_keeps_the_merchants_alerts_and_finds_replies_however_written(db_url):
    clock = Clock(at(10))
    app = live(db_url, clock, {"file": ScriptedProvider()})
    contacts = [{"phone": "+8613911110000", "email": "ops@acme.example"}]
    who = customer("c1", phone="+8613800138000", name="王芳", birthday="11-11", when=at(-23))
    lost = {"carrier": "SF", "tracking_number": "Ts1", "location": "x", "message": "lost"}
    post(app, [store(merchant_contacts=contacts), who, order("o1", at(9), status="paid")])
    post(app, [shipped("o1", "s1", at(9, 30)), inbound("138 0013 8000 thanks", at(9, 40))])
    post(app, [event("shipment.checkpoint", at(10), shipment_id="s1", status="exception", **lost)])
    rounds(app)
    with app.unit_of_work() as uow:
        counts = consent.erase_customer(uow, "acme", "c1", clock()).counts
        uow.commit()
    assert counts["events"] == 2  # the customer's upsert and the reply
    payloads = [e["payload"] for e in _rows(app, tables.events)]
    assert not any("王芳" in p or "0013 8000" in p or "thanks" in p for p in payloads)
    alerts = [m for m in _rows(app, tables.messages) if m["channel"] == "alert"]
    assert alerts and all(m["body"] for m in alerts)  # the merchant's own, kept
    mine = [m for m in _rows(app, tables.messages) if m["channel"] == "sms"]
    assert mine and all(m["body"] is m["recipient"] is m["title"] is None for m in mine)
    app.close()


class WideProvider(ScriptedProvider):
    """Takes `concurrent` sends at once (an SMPP window); each waits until as many are in
    its hands as may be, or a second has gone, and records the most it held at once."""

    def __init__(self, concurrent: int, expect: int) -> None:
        super().__init__()
        self.concurrent, self.expect = concurrent, expect
        self.holding = self.most = 0
        self._changed = threading.Condition()

    def send(self, out: Outgoing) -> Accepted:
        with self._changed:
            self.holding += 1
            self.most = max(self.most, self.holding)
            self._changed.notify_all()
            self._changed.wait_for(lambda: self.holding >= self.expect, timeout=1.0)
        accepted = super().send(out)
        with self._changed:
            self.holding -= 1
        return accepted


@pytest.mark.parametrize(("in_flight", "window"), [(4, 10), (2, 10), (4, 1)])
def test_a_provider_that_takes_several_sends_at_once_gets_them_up_to_the_in_flight_bound(
    db_url, in_flight, window
):
    clock = Clock(at(10))
    wide = WideProvider(window, expect=min(in_flight, window))
    app = live(db_url, clock, {"file": wide}, in_flight=in_flight)
    post(app, _orders(12))
    rounds(app)
    assert len({o.message_id for o in wide.sent}) == 12
    assert wide.most == min(in_flight, window)  # never more than in flight, nor the window
    states = [d["state"] for d in _rows(app, tables.deliveries)]
    assert states == ["accepted"] * 12
    app.close()
