"""The live worker on a clock the test moves: events in, deliveries out, retries, leases,
receipts and replies, on SQLite and PostgreSQL."""

from __future__ import annotations

from sqlalchemy import select

from fakes_providers import Permanent, ScriptedProvider, Transient
from helpers import Clock, at, customer, event, live, order, post, rounds, shipped, store
from tidings.adapters.db import tables
from tidings.domain.delivery import Receipt, Reply


def _deliveries(app) -> list[dict]:  # type: ignore[no-untyped-def]
    """Every delivery, with the provider's references it was accepted under."""
    with app.db.connect() as conn:
        rows = conn.execute(select(tables.deliveries).order_by(tables.deliveries.c.recipient))
        found = [dict(r._mapping) for r in rows]
        r = tables.provider_refs.c
        refs = conn.execute(select(r.message_id, r.recipient, r.ref).order_by(r.ref)).all()
    for row in found:
        row["refs"] = [
            ref for m, to, ref in refs if (m, to) == (row["message_id"], row["recipient"])
        ]
    return found


def _message(app, journey: str) -> dict:  # type: ignore[no-untyped-def]
    with app.db.connect() as conn:
        m = tables.messages.c
        return dict(
            conn.execute(select(tables.messages).where(m.journey == journey)).one()._mapping
        )


def _shipping_day(clock: Clock) -> list[dict]:
    now = clock()
    return [store(), customer(when=at(-23)), order("o1", at(9), status="paid"),
            shipped("o1", "s1", now)]  # fmt: skip


def test_an_event_in_a_message_out_and_its_receipt(db_url):
    clock, provider = Clock(at(10)), ScriptedProvider()
    app = live(db_url, clock, {"file": provider})
    assert post(app, _shipping_day(clock)) == [True] * 4
    assert rounds(app) >= 1
    (sent,) = provider.sent
    assert sent.to == "+8613800138000" and "SF Ts1" in sent.body and sent.channel == "sms"
    (delivery,) = _deliveries(app)
    assert delivery["state"] == "accepted" and delivery["refs"] == ["file-1"]
    assert delivery["accepted_at"] == clock() and delivery["attempts"] == 1
    notice = _message(app, "shipping_notice")
    receipt = {"message_id": notice["message_id"], "status": "delivered"}
    post(app, [event("message.status", clock.advance(seconds=5), **receipt)])
    rounds(app)
    assert _deliveries(app)[0]["state"] == "delivered"
    app.close()


def test_a_receipt_by_the_providers_reference_finds_its_message(db_url):
    clock, provider = Clock(at(10)), ScriptedProvider()
    app = live(db_url, clock, {"file": provider})
    post(app, _shipping_day(clock))
    rounds(app)
    provider.inbound.append(Receipt("file", "file-1", "undeliverable", clock(), "EXPIRED"))
    rounds(app)
    (delivery,) = _deliveries(app)
    assert delivery["state"] == "undeliverable" and delivery["error"] == "EXPIRED"
    provider.inbound.append(Receipt("file", "nobody", "delivered", clock()))
    assert rounds(app) == 1  # a receipt of no message of ours is taken and dropped
    assert _deliveries(app)[0]["state"] == "undeliverable"
    app.close()


def test_a_transient_error_is_tried_again_after_its_backoff(db_url):
    clock, provider = Clock(at(10)), ScriptedProvider()
    provider.fail_next(Transient("ESME_RTHROTTLED"), Transient("ESME_RTHROTTLED"))
    app = live(db_url, clock, {"file": provider}, retry_first_seconds=5)
    post(app, _shipping_day(clock))
    rounds(app)
    (row,) = _deliveries(app)
    assert row["state"] == "queued" and row["error"] == "ESME_RTHROTTLED"
    assert row["attempt_at"] == at(10, seconds=5) and not provider.sent
    clock.advance(seconds=4)
    assert rounds(app) == 0  # not yet
    clock.advance(seconds=1)
    rounds(app)
    (row,) = _deliveries(app)
    assert row["state"] == "queued" and row["attempt_at"] == at(10, seconds=15)  # 5 s, then 10
    clock.advance(seconds=10)
    rounds(app)
    (row,) = _deliveries(app)
    assert row["state"] == "accepted" and row["attempts"] == 3 and len(provider.sent) == 1
    app.close()


def test_a_permanent_error_fails_at_once_with_the_providers_reason(db_url):
    clock, provider = Clock(at(10)), ScriptedProvider()
    provider.fail_next(Permanent("ESME_RINVDSTADR (0x0000000B)"))
    app = live(db_url, clock, {"file": provider})
    post(app, _shipping_day(clock))
    rounds(app)
    clock.advance(hours=1)
    rounds(app)
    (row,) = _deliveries(app)
    assert row["state"] == "failed" and row["error"] == "ESME_RINVDSTADR (0x0000000B)"
    assert row["final_at"] == at(10) and not provider.sent
    app.close()


def test_transient_errors_until_the_maximum_age_expire_the_message(db_url):
    clock, provider = Clock(at(10)), ScriptedProvider()
    provider.fail_next(*[Transient("connection refused")] * 20)
    app = live(
        db_url, clock, {"file": provider}, retry_first_seconds=60, retry_cap_seconds=3600,
        max_age_hours=1,
    )  # fmt: skip
    post(app, _shipping_day(clock))
    rounds(app)  # tries at 10:00, then 10:01, 10:03, 10:07, 10:15, 10:31: the next is past 11:00
    for _ in range(6):
        clock.now = _deliveries(app)[0]["attempt_at"]
        rounds(app)
    (row,) = _deliveries(app)
    assert row["state"] == "expired" and row["error"] == "connection refused"
    assert row["attempts"] == 6 and not provider.sent
    app.close()


def test_a_delivery_whose_worker_died_is_taken_over_when_its_lease_runs_out(db_url):
    clock = Clock(at(10))
    dead, alive = ScriptedProvider(), ScriptedProvider()
    first = live(db_url, clock, {"file": dead}, lease_seconds=30)
    post(first, _shipping_day(clock))
    worker = first.worker()
    worker.dispatcher.deliver = lambda claims, clock=None: []  # dies before the provider call
    worker.round()
    (row,) = _deliveries(first)
    assert row["state"] == "sending" and row["lease_owner"] == first.dispatcher.owner
    second = live(db_url, clock, {"file": alive}, lease_seconds=30)
    clock.advance(seconds=29)
    assert rounds(second) == 0 and not alive.sent  # the lease still holds
    clock.advance(seconds=1)
    rounds(second)
    (row,) = _deliveries(second)
    assert row["state"] == "accepted" and row["attempts"] == 2
    assert len(alive.sent) == 1 and not dead.sent
    first.close()
    second.close()


def test_an_alert_goes_to_every_merchant_contact_by_sms_and_email(db_url):
    clock, provider = Clock(at(10)), ScriptedProvider()
    app = live(db_url, clock, {"file": provider})
    contacts = [
        {"phone": "13911110000", "email": "ops@acme.example"},
        {"email": "boss@acme.example"},
    ]
    review = {"review_id": "r1", "order_id": "o1", "customer_id": "c1", "rating": 1}
    post(
        app,
        [store(merchant_contacts=contacts), event("review.posted", clock(), **review, text="bad")],
    )
    rounds(app)
    alerts = sorted((o.channel, o.to) for o in provider.sent if "差评" in o.body)
    assert alerts == [
        ("email", "boss@acme.example"),
        ("email", "ops@acme.example"),
        ("sms", "+8613911110000"),
    ]
    email = next(o for o in provider.sent if o.to == "boss@acme.example")
    assert email.subject.startswith("Acme: 差评提醒")
    app.close()


def test_a_customer_without_a_phone_gets_an_email_where_the_journey_allows_it(db_url):
    clock, provider = Clock(at(10)), ScriptedProvider()
    app = live(db_url, clock, {"file": provider})
    shopper = customer(phone=None, email="li@mail.example", locale="en", when=at(-23))
    post(app, [store(), shopper, order("o1", at(9), status="paid"), shipped("o1", "s1", clock())])
    rounds(app)
    (mail,) = provider.sent
    assert mail.channel == "email" and mail.to == "li@mail.example"
    assert (
        mail.subject == "Acme: Your order o1 is on its way: SF Ts1." and "【Acme】" not in mail.body
    )
    assert mail.unsubscribe is None  # a service email
    app.close()


def test_a_stop_reply_from_the_provider_opts_the_shopper_out(db_url):
    clock, provider = Clock(at(10)), ScriptedProvider()
    app = live(db_url, clock, {"file": provider})
    post(app, [store(), customer(when=at(-23)), order("o1", clock())])  # a reminder at 10:30
    rounds(app)
    provider.inbound.append(
        Reply("file", "+8613800138000", "10690000", "stop", clock.advance(minutes=5))
    )
    rounds(app)
    clock.advance(minutes=30)
    rounds(app)
    reminder = _message(app, "payment_reminder")
    assert (reminder["status"], reminder["reason"]) == ("suppressed", "opted_out")
    assert [o.body for o in provider.sent] == ["【Acme】您已退订Acme的短信，今后不会再收到。"]
    app.close()


def test_quiet_hours_hold_a_live_message_until_they_end(db_url):
    clock, provider = Clock(at(22)), ScriptedProvider()
    app = live(db_url, clock, {"file": provider})
    post(
        app,
        [
            store(),
            customer(when=at(-23)),
            order("o1", at(9), status="paid"),
            shipped("o1", "s1", clock()),
        ],
    )
    rounds(app)
    assert not provider.sent
    clock.now = at(24 + 9)
    rounds(app)
    assert len(provider.sent) == 1
    assert _message(app, "shipping_notice")["decided_at"] == at(24 + 9)
    app.close()


def test_inbound_events_of_a_replay_are_not_run_again_by_a_worker(db_url):
    from helpers import replay

    replay(db_url, [store(), customer(), order("o1", at(10))])
    clock, provider = Clock(at(30)), ScriptedProvider()
    app = live(db_url, clock, {"file": provider})
    assert rounds(app) == 0 and not provider.sent
    app.close()
