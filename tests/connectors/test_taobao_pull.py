"""Taobao/Tmall pulled from a local TOP router (tests/taobao_server.py) that checks every call
as TOP does, on SQLite and PostgreSQL: a page kept then confirmed, pages, a crash before the
confirm (given again, nothing twice), a rate limit waited out, refusals by name, and no buyer's
phone anywhere in the database."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from connector_kit import sample
from sqlalchemy import select

from fakes_providers import ScriptedProvider
from helpers import Clock, live, post, rounds, store
from taobao_server import APP_KEY, MASKED, PHONE, SECRET, SELLER, SESSION, FakeTop
from tidings.adapters.connectors import taobao_pull
from tidings.adapters.db import tables
from tidings.domain.errors import PlatformError

NOW = datetime(2026, 11, 11, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
TID = "3456789012345678901"


@pytest.fixture
def top():  # type: ignore[no-untyped-def]
    server = FakeTop()
    server.trades[TID] = sample("taobao", "trade_fullinfo.synthetic.json")
    server.rates[TID] = sample("taobao", "rates.synthetic.json")
    server.refunds["178901234567890"] = sample("taobao", "refund.synthetic.json")
    yield server
    server.stop()


@pytest.fixture
def shop(db_url, top):  # type: ignore[no-untyped-def]
    clock = Clock(NOW)
    app = live(db_url, clock, {"file": ScriptedProvider()})
    post(app, [store(NOW.replace(day=1))])
    rounds(app)
    _settings(app, add=True, url=top.url)
    with httpx.Client(timeout=10) as http:
        yield app, top, clock, http
    app.close()


def _settings(app, add: bool = False, secret: str = SECRET, **over: str) -> None:  # type: ignore[no-untyped-def]
    with app.unit_of_work() as uow:
        found = uow.connectors.pulling("acme", "taobao") if not add else None
        settings = dict(found[0].settings) if found else {}
        uow.commit()
    settings = {"app_key": APP_KEY, "session": SESSION, "seller_id": SELLER} | settings | over
    app.add_connector("acme", "taobao", secret, settings)


def _publish(top: FakeTop, topic: str, **over: Any) -> int:
    content = sample("taobao", "messages.synthetic.json")[topic] | over
    return top.publish(topic, content)


def _trace(top: FakeTop, n: int) -> None:
    for i in range(n):
        _publish(top, "taobao_logistics_LogsticDetailTrace", out_sid=f"7812{i:010d}")


def _kept(app) -> list[tuple[str, str, str | None]]:  # type: ignore[no-untyped-def]
    D = tables.hook_deliveries.c
    with app.db.connect() as conn:
        rows = conn.execute(select(D.delivery_id, D.outcome, D.reason).order_by(D.delivery_id))
        return [tuple(r) for r in rows]


def _events(app) -> list[str]:  # type: ignore[no-untyped-def]
    E = tables.events.c
    with app.db.connect() as conn:
        return sorted(conn.execute(select(E.event_id).where(E.type != "store.upserted")).scalars())


def test_a_page_is_kept_with_its_trade_then_confirmed(shop):
    app, top, _, http = shop
    _publish(top, "taobao_trade_TradeCreate")
    _publish(top, "taobao_logistics_LogsticDetailTrace")
    assert app.pull("acme", "taobao", http=http) == {"accepted": 2}
    assert top.queue == {}  # confirmed once kept
    assert top.methods() == ["taobao.tmc.messages.consume", "taobao.trade.fullinfo.get",
                             "taobao.tmc.messages.confirm"]  # fmt: skip
    consume, read, confirm = top.calls
    assert "session" not in consume and "session" not in confirm  # the queue is the app's
    assert read["session"] == SESSION and read["tid"] == TID
    assert confirm["s_message_ids"] == "1001,1002"
    assert (consume["format"], consume["v"], consume["sign_method"]) == ("json", "2.0", "md5")
    assert _events(app) == [f"taobao:buyer:AAHm5d-EAAeGwJedwSHpg8bT:{TID}",
                            "taobao:trace:78123456789012:GOT:2026-11-12T16:20:05+08:00",
                            f"taobao:trade:{TID}:created"]  # fmt: skip


def test_pages_follow_until_the_queue_is_empty_and_hmac_signs_too(shop):
    app, top, _, http = shop
    _settings(app, quantity="10", sign_method="hmac")
    _trace(top, 25)
    assert app.pull("acme", "taobao", http=http) == {"accepted": 25}
    assert top.methods().count("taobao.tmc.messages.consume") == 3  # 10, 10, 5
    assert top.queue == {} and top.calls[0]["sign_method"] == "hmac"


def test_a_crash_before_the_confirm_gives_it_again_and_makes_nothing_twice(shop, monkeypatch):
    app, top, _, http = shop
    _publish(top, "taobao_trade_TradeCreate")

    def died(*args: Any) -> None:
        raise ConnectionError("the process died before it confirmed")

    monkeypatch.setattr(taobao_pull, "confirm", died)
    with pytest.raises(ConnectionError):
        app.pull("acme", "taobao", http=http)
    kept = _events(app)
    assert len(kept) == 2 and list(top.queue) == [1001]  # kept, not confirmed
    monkeypatch.undo()
    assert app.pull("acme", "taobao", http=http) == {}  # TMC waits before giving it again
    top.lapse()
    assert app.pull("acme", "taobao", http=http) == {"duplicate": 1}
    assert _events(app) == kept and top.queue == {}


def test_a_rate_limit_is_code_7_and_its_wait_is_kept(shop):
    app, top, clock, http = shop
    _publish(top, "taobao_logistics_LogsticDetailTrace")
    top.limited = 1
    with pytest.raises(PlatformError, match="code 7 App Call Limited") as caught:
        app.pull("acme", "taobao", http=http)
    assert caught.value.retry_after == 120
    C = tables.connectors.c
    with app.db.connect() as conn:
        after, error = conn.execute(select(C.pull_after, C.pull_error)).one()
    assert after == clock() + timedelta(seconds=120) and "App Call Limited" in error
    assert app.pull_due(http=http) == 0
    clock.advance(seconds=121)
    assert app.pull_due(http=http) == 1 and top.queue == {}


def test_refusals_name_the_code_and_keep_nothing(shop):
    app, top, _, http = shop
    _publish(top, "taobao_trade_TradeCreate")
    _settings(app, secret="not-the-app-secret")
    with pytest.raises(PlatformError, match="consume: code 25 Invalid Signature"):
        app.pull("acme", "taobao", http=http)
    _settings(app)
    top.clock_off = timedelta(minutes=11)
    with pytest.raises(PlatformError, match="code 31 Invalid Timestamp"):
        app.pull("acme", "taobao", http=http)
    top.clock_off = timedelta(0)
    _settings(app, session="expired-session")
    with pytest.raises(PlatformError, match=r"fullinfo\.get: code 27 Invalid session"):
        app.pull("acme", "taobao", http=http)  # the whole page: TMC gives it again
    assert _kept(app) == [] and list(top.queue) == [1001]
    assert SECRET not in str(top.calls) and "not-the-app-secret" not in str(top.calls)


def test_bad_messages_are_kept_with_their_reason_and_confirmed(shop):
    app, top, _, http = shop
    _publish(top, "taobao_trade_TradeCreate", tid=999)  # Taobao knows no such trade
    top.publish("taobao_item_ItemAdd", {"num_iid": 1, "nick": "acme旗舰店"})
    top.publish("taobao_trade_TradeCreate", {"tid": int(TID)}, user_id="9999")
    top.trades[TID] = top.trades[TID] | {"status": "TRADE_CLOSED_BY_TAOBAO"}
    _publish(top, "taobao_trade_TradeBuyerPay")  # the trade is reported otherwise
    assert app.pull("acme", "taobao", http=http) == {"failed": 3, "ignored": 1}
    reasons = {i: (o, r) for i, o, r in _kept(app)}
    assert "isv.trade-not-exist" in reasons["1001"][1]
    assert reasons["1002"] == ("ignored", "topic 'taobao_item_ItemAdd' is not one tidings reads")
    assert "seller 9999, not this store's (2200)" in reasons["1003"][1]
    assert "Taobao reports it TRADE_CLOSED_BY_TAOBAO with no payment" in reasons["1004"][1]
    assert top.methods().count("taobao.trade.fullinfo.get") == 2  # never another seller's
    assert top.queue == {} and _events(app) == []


def test_no_buyers_phone_name_or_nick_reaches_the_database(shop):
    app, top, _, http = shop
    for topic in ("taobao_trade_TradeCreate", "taobao_trade_TradeBuyerPay",
                  "taobao_trade_TradeRated", "taobao_refund_RefundCreated"):  # fmt: skip
        _publish(top, topic)
    top.trades[TID] = top.trades[TID] | {"pay_time": "2026-11-11 00:05:00"}
    assert app.pull("acme", "taobao", http=http) == {"accepted": 4}
    assert top.methods().count("taobao.refund.get") == 1
    assert rounds(app) >= 0
    everything = []
    with app.db.connect() as conn:
        for table in tables.metadata.sorted_tables:
            everything += [json.dumps(list(r), default=str, ensure_ascii=False)
                           for r in conn.execute(select(table))]  # fmt: skip
    text = "\n".join(everything)
    assert "AAHm5d-EAAeGwJedwSHpg8bT" in text  # the buyer is known, by open uid
    for personal in (PHONE, MASKED, "张*", "文一西路", "t**1"):
        assert personal not in text, personal


def test_a_taobao_order_lands_with_its_relay_handle_and_no_phone(shop):
    app, top, _, http = shop
    _publish(top, "taobao_trade_TradeCreate")
    app.pull("acme", "taobao", http=http)
    rounds(app)
    orders, events = tables.orders.c, tables.events.c
    with app.db.connect() as conn:
        order = conn.execute(select(orders).where(orders.order_id == TID)).mappings().one()
        created = select(events.payload).where(events.type == "order.created")
        raw = conn.execute(created).scalar_one()
    assert (order["customer_id"], order["paid_at"]) == ("AAHm5d-EAAeGwJedwSHpg8bT", None)
    assert order["auto_close_at"] == NOW.replace(day=12, hour=0, minute=3, second=12)
    # relay: the handle rides in the event as kept; the relay branch's contract reads it
    assert json.loads(raw)["data"]["relay"]["platform"] == "taobao"


def test_the_worker_makes_no_http_client_when_no_pull_is_due(shop, monkeypatch):
    app, top, _, http = shop
    from tidings import bootstrap

    def no_client(_: Any) -> Any:
        raise AssertionError("an HTTP client was made for nothing")

    app.pull("acme", "taobao", http=http)  # nothing waits: the next pull is in 30 s
    monkeypatch.setattr(bootstrap.App, "_http", staticmethod(no_client))
    assert app.pull_due() == 0
    assert top.methods() == ["taobao.tmc.messages.consume"]


def test_a_push_to_taobaos_hook_is_refused_and_nothing_is_kept(shop):
    from fastapi.testclient import TestClient

    from tidings.entrypoints.api.app import create_app

    app, _, _, _ = shop
    body = json.dumps({"message": {"id": 1, "topic": "taobao_trade_TradeCreate"}}).encode()
    with TestClient(create_app(app)) as client:
        got = client.post("/hooks/taobao/acme", content=body, headers={"x-tmc-message-id": "1"})
    assert got.status_code == 401 and got.json()["error"]["code"] == "bad_signature"
    assert _kept(app) == []


def test_the_cli_adds_taobao_with_its_settings_and_says_it_is_pulled(db_url, capsys):
    from tidings.entrypoints.cli import main

    add = ["connectors", "add", "--store", "acme", "--source", "taobao", "--secret", SECRET,
           "--setting", f"app_key={APP_KEY}", "--setting", f"session={SESSION}",
           "--db", db_url]  # fmt: skip
    assert main(add) == 0
    out = capsys.readouterr()
    assert out.out == "" and "the worker asks it every 30 s" in out.err
    assert "webhooks" not in out.err and SESSION not in out.err + out.out
