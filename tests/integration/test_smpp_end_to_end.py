"""The live worker over SMPP against smpp34's server on loopback: a reminder goes out, its
receipt marks it delivered, and a shopper's STOP reply opts them out, with one confirmation."""

from __future__ import annotations

from sqlalchemy import select

from helpers import Clock, at, customer, live, order, post, rounds, store
from smsc import HOST, WAIT, Smsc
from tidings.adapters.db import tables
from tidings.adapters.db.instance import optout_key
from tidings.adapters.providers.smpp import SmppProvider
from tidings.domain.consent import phone_digest

pytest_plugins = ("smpp_fixtures",)


class _Now:
    def __init__(self, clock: Clock) -> None:
        self.now = clock  # the provider reads the test's clock too


def _provider(smsc: Smsc, clock: Clock) -> SmppProvider:
    return SmppProvider(
        name="carrier", host=HOST, port=smsc.port, system_id="tidings", password="secret",
        source_addr="Acme", timeout=WAIT, clock=_Now(clock),
    )  # fmt: skip


def test_a_reminder_its_receipt_and_a_stop_reply_over_smpp(db_url, smsc: Smsc):
    clock = Clock(at(10))
    provider = _provider(smsc, clock)
    app = live(db_url, clock, {"carrier": provider}, channels={"sms": "carrier"})
    post(app, [store(), customer(when=at(-23)), order("o1", at(9, 30))])
    rounds(app)  # the first reminder was due at 10:00
    (submit,) = smsc.submits
    assert submit.destination_addr == "8613800138000" and submit.data_coding == 8
    assert "待付款" in submit.text
    receipt = f"id:{submit.message_id} sub:001 dlvrd:001 stat:DELIVRD err:000 text:".encode()
    smsc.deliver("Acme", receipt, source_addr="8613800138000", source_addr_ton=1, esm_class=4)
    _until(app, lambda: _states(app) == ["delivered"])
    smsc.deliver("Acme", b"STOP", source_addr="8613800138000", source_addr_ton=1)
    _until(app, lambda: len(smsc.submits) == 2)
    confirmation = smsc.submits[1]
    assert "退订" in confirmation.text and confirmation.destination_addr == "8613800138000"
    with app.db.connect() as conn:
        optouts = conn.execute(
            select(tables.phone_optouts.c.phone, tables.phone_optouts.c.opted_out)
        )
        key = optout_key(conn, make=False)
        assert key and optouts.all() == [(phone_digest(key, "+8613800138000"), True)]
    clock.now = at(9, 30 + 22 * 60)  # the last reminder's time: the shopper said STOP
    rounds(app)
    assert len(smsc.submits) == 2
    app.close()


def _states(app) -> list[str]:  # type: ignore[no-untyped-def]
    with app.db.connect() as conn:
        return list(conn.execute(select(tables.deliveries.c.state)).scalars())


def _until(app, done, most: int = 50) -> None:  # type: ignore[no-untyped-def]
    """Worker rounds until `done` (what the SMSC pushes arrives on its own time)."""
    import time

    worker = app.worker()
    for _ in range(most):
        worker.round()
        if done():
            return
        time.sleep(0.05)
    raise AssertionError(f"the worker never got there: {_states(app)}")
