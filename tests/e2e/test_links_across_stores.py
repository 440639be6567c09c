"""Links across stores (security issue, items 1 and 2), through the HTTP API on both
databases: a store gets no signed link to another store's page, and a short link resolves
only under its own store's host, once a short window per click, within a client's limit."""

from __future__ import annotations

import base64
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from fakes_providers import ScriptedProvider
from helpers import Clock, at, checkpoint, customer, live, order, rounds, shipped, store
from tidings.adapters.db import tables
from tidings.entrypoints.api.app import create_app
from tidings.entrypoints.throttle import Throttle

ACME, BOLT = {"host": "acme.example"}, {"host": "bolt.example"}
PICKUP = {"point": "菜鸟驿站", "address": "建国路88号", "code": "5-2-1017"}


@pytest.fixture
def api(db_url):  # type: ignore[no-untyped-def]
    clock, provider = Clock(at(10)), ScriptedProvider()
    app = live(db_url, clock, {"file": provider})
    keys = {s: {"Authorization": f"Bearer {app.create_key(s)}"} for s in ("acme", "bolt")}
    with TestClient(create_app(app)) as client:
        yield client, app, keys, provider, clock
    app.close()


def _acme_parcel_waits(client, keys) -> None:  # type: ignore[no-untyped-def]
    waiting = checkpoint("s012", "available_for_pickup", at(9), order_id="o1", pickup=PICKUP)
    day = [store(), customer(), order("o1", at(8), status="paid"), shipped("o1", "s012", at(8, 30))]
    assert client.post("/v1/events", json=[*day, waiting], headers=keys["acme"]).status_code == 200


def _bolt(pay_url: str, base_url: str = "https://bolt.example") -> list[dict]:
    shop = store(name="Bolt", base_url=base_url, sms_signature="【Bolt】")
    ids = {"store": "bolt"}
    return [
        {**shop, **ids},
        {**customer("b1", phone="+8613900139000"), **ids},
        {**order("b9", at(10), cid="b1", pay_url=pay_url), **ids},
    ]


def _sent_links(provider, signature: str) -> list[str]:  # type: ignore[no-untyped-def]
    bodies = [o.body for o in provider.sent if o.body.startswith(signature)]
    return [b.rsplit("/l/", 1)[1] for b in bodies if "/l/" in b]


def test_a_store_cannot_point_its_reminder_at_another_stores_tracking_page(api):
    client, app, keys, provider, clock = api
    _acme_parcel_waits(client, keys)
    answer = client.post("/v1/events", json=_bolt("/t/acme/s012"), headers=keys["bolt"])
    result = answer.json()["results"][2]
    assert result["status"] == "rejected"
    assert "data.pay_url" in result["error"] and "absolute http or https URL" in result["error"]
    clock.advance(hours=1)
    rounds(app)
    for token in _sent_links(provider, "【Bolt】"):  # none: the order was refused
        target = client.get(f"/l/{token}", headers=BOLT, follow_redirects=False)
        page = client.get(target.headers["location"].split("example", 1)[1])
        assert "5-2-1017" not in page.text


def test_a_short_link_resolves_only_under_its_own_stores_host(api):
    client, app, keys, provider, clock = api
    _acme_parcel_waits(client, keys)
    client.post("/v1/events", json=_bolt("https://evil.example/pay"), headers=keys["bolt"])
    clock.advance(hours=1)
    rounds(app)
    (token,) = _sent_links(provider, "【Bolt】")
    assert client.get(f"/l/{token}", headers=ACME, follow_redirects=False).status_code == 404
    home = client.get(f"/l/{token}", headers=BOLT, follow_redirects=False)
    assert home.status_code == 302 and home.headers["location"] == "https://evil.example/pay"
    assert home.headers["cache-control"] == "no-store"
    acmes = _sent_links(provider, "【Acme】")[0]
    assert client.get(f"/l/{acmes}", headers=BOLT, follow_redirects=False).status_code == 404
    assert client.get(f"/l/{acmes}", headers=ACME, follow_redirects=False).status_code == 302


def test_a_host_that_two_stores_claim_redirects_for_neither(api):
    client, app, keys, provider, clock = api
    _acme_parcel_waits(client, keys)
    bolt = _bolt("https://evil.example/pay", base_url="https://ACME.example")
    client.post("/v1/events", json=bolt, headers=keys["bolt"])
    clock.advance(hours=1)
    rounds(app)
    (token,) = _sent_links(provider, "【Bolt】")
    assert client.get(f"/l/{token}", headers=ACME, follow_redirects=False).status_code == 404


def test_stores_may_share_the_host_tidings_is_reached_at(db_url):
    clock, provider = Clock(at(10)), ScriptedProvider()
    app = live(db_url, clock, {"file": provider}, public_url="https://tidings.example:8443/")
    keys = {s: {"Authorization": f"Bearer {app.create_key(s)}"} for s in ("acme", "bolt")}
    with TestClient(create_app(app)) as client:
        shared = "https://tidings.example:8443"
        acme = [store(base_url=shared), customer(), order("o1", at(10))]
        client.post("/v1/events", json=acme, headers=keys["acme"])
        client.post(
            "/v1/events", json=_bolt("https://bolt.example/p", shared), headers=keys["bolt"]
        )
        clock.advance(hours=1)
        rounds(app)
        for signature, target in [
            ("【Acme】", "acme.example/pay/o1"),
            ("【Bolt】", "bolt.example/p"),
        ]:
            (token,) = _sent_links(provider, signature)
            answer = client.get(f"/l/{token}", headers={"host": "tidings.example:8443"},
                                follow_redirects=False)  # fmt: skip
            assert answer.headers["location"] == f"https://{target}"
    app.close()


def test_new_tokens_carry_96_bits_and_old_48_bit_tokens_still_resolve(api):
    client, app, keys, provider, clock = api
    _acme_parcel_waits(client, keys)
    client.post("/v1/events", json=[order("o2", at(10))], headers=keys["acme"])
    clock.advance(hours=1)
    rounds(app)
    tokens = _sent_links(provider, "【Acme】")
    assert tokens and all(len(base64.urlsafe_b64decode(t + "==")) >= 12 for t in tokens)
    with app.unit_of_work() as uow:
        uow.outbox.add_links([("acme", "AbCd-123", "msg_old", "https://acme.example/old")])
        uow.commit()
    old = client.get("/l/AbCd-123", headers=ACME, follow_redirects=False)
    assert old.headers["location"] == "https://acme.example/old"


def test_a_click_counts_once_per_token_in_a_short_window(api):
    client, app, keys, provider, clock = api
    _acme_parcel_waits(client, keys)
    clock.advance(hours=1)
    rounds(app)
    token = _sent_links(provider, "【Acme】")[0]
    for _ in range(3):  # at 11:00:00, the start of a 30 s window
        assert client.get(f"/l/{token}", headers=ACME, follow_redirects=False).status_code == 302
    clock.advance(seconds=5)
    client.get(f"/l/{token}", headers=ACME, follow_redirects=False)
    clock.advance(minutes=5)
    client.get(f"/l/{token}", headers=ACME, follow_redirects=False)
    rounds(app)
    with app.db.connect() as conn:
        assert conn.execute(select(tables.clicks.c.token)).scalars().all() == [token, token]


def test_a_client_over_its_limit_is_answered_429_until_its_window_ends(api):
    client, *_, clock = api
    client.app.state.link_throttle = Throttle(limit=3, window=timedelta(minutes=1))
    answers = [client.get("/l/nothing-here", headers=ACME).status_code for _ in range(4)]
    assert answers == [404, 404, 404, 429]
    busy = client.get("/l/nothing-here", headers=ACME)
    assert busy.status_code == 429 and busy.headers["retry-after"] == "60"
    clock.advance(seconds=61)
    assert client.get("/l/nothing-here", headers=ACME).status_code == 404
