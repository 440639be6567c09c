"""POST /hooks/{source}/{store}: what is refused, what is kept and how each is answered; the
connectors' API and CLI; on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from connector_kit import SECRET, aftership, kuaidi100, sample, seventeen, shopify, woocommerce
from fastapi.testclient import TestClient
from sqlalchemy import select

from fakes_providers import ScriptedProvider
from helpers import Clock, live, order, post, rounds, shipped, store
from tidings.adapters.db import tables
from tidings.entrypoints.api.app import create_app
from tidings.entrypoints.cli import main

NOW = datetime(2026, 11, 11, 10, 0, tzinfo=ZoneInfo("America/New_York"))
H = tables.hook_deliveries.c

BOB = "em-9ec3e953e6efc4cb9d208ae6"  # Bob Norman at acme, by his email (Shopify: 207119551)


@pytest.fixture
def shop(db_url):  # type: ignore[no-untyped-def]
    clock = Clock(NOW)
    app = live(db_url, clock, {"file": ScriptedProvider()}, public_url="https://hooks.acme.example")
    post(app, [store(NOW - timedelta(days=9), timezone="America/New_York", default_region="US",
                     currency="USD", locale="en")])  # fmt: skip
    rounds(app)  # the store is known: its zone, region and currency
    key = app.create_key("acme")
    auth = {"Authorization": f"Bearer {key}"}
    for source in ("shopify", "woocommerce", "aftership", "kuaidi100", "17track"):
        assert app.add_connector("acme", source, SECRET)
    with TestClient(create_app(app)) as client:
        yield client, app, auth
    app.close()


def _hook(client: TestClient, source: str, signed: tuple, store_id: str = "acme"):  # type: ignore[no-untyped-def]
    body, headers = signed
    return client.post(f"/hooks/{source}/{store_id}", content=body, headers=headers)


def _kept(app) -> list[dict]:  # type: ignore[no-untyped-def]
    query = select(H.delivery_id, H.topic, H.outcome, H.reason, H.headers, H.body, H.customer_id)
    with app.db.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(query.order_by(H.received_at, H.topic))]


def test_a_delivery_is_kept_as_received_with_the_headers_that_matter(shop):
    client, app, _ = shop
    body, headers = shopify(sample("shopify", "order.json"), "orders/create", "wh-77")
    assert _hook(client, "shopify", (body, headers)).status_code == 200
    [kept] = _kept(app)
    assert kept["delivery_id"] == "wh-77" and kept["topic"] == "orders/create"
    assert kept["outcome"] == "accepted" and kept["reason"] is None
    assert kept["body"] == body.decode() and kept["customer_id"] == BOB
    assert kept["headers"] == {"x-shopify-topic": "orders/create", "x-shopify-webhook-id": "wh-77",
                               "x-shopify-shop-domain": "acme.myshopify.com"}  # fmt: skip


def test_an_unknown_source_is_404_and_woocommerces_ping_is_200(shop):
    client, app, _ = shop
    unknown = client.post("/hooks/magento/acme", content=b"{}")
    assert unknown.status_code == 404 and unknown.json()["error"]["code"] == "unknown_source"
    ping = client.post("/hooks/woocommerce/acme", content=b"webhook_id=15",
                       headers={"Content-Type": "application/x-www-form-urlencoded"})  # fmt: skip
    assert ping.status_code == 200
    assert _kept(app) == []


@pytest.mark.parametrize(
    ("body", "reason"),
    [(b"<order/>", "the body is not JSON"),
     (b"[1, 2]", "the body is not a JSON object"),
     (json.dumps({"id": None}).encode(), "id is missing or not an id"),
     (json.dumps(sample("shopify", "order.json") | {"currency": "EUR"}).encode(),
      "currency: the store sells in USD, this is in EUR"),
     (json.dumps(sample("shopify", "order.json") | {"line_items": "lots"}).encode(),
      "the payload is not of the expected shape (AttributeError)")],
)  # fmt: skip
def test_what_does_not_translate_is_answered_2xx_kept_with_its_reason_and_listed(
    shop, body, reason
):
    client, app, auth = shop
    headers = shopify({}, "orders/create", "wh-bad")[1]
    headers["X-Shopify-Hmac-Sha256"] = shopify_sign(body)
    answer = _hook(client, "shopify", (body, headers))
    assert answer.status_code == 200 and answer.json() == {"status": "failed"}
    [kept] = _kept(app)
    assert kept["outcome"] == "failed" and kept["reason"] == reason
    listed = client.get("/v1/connectors/shopify/failures", headers=auth).json()["failures"]
    assert [(f["delivery_id"], f["topic"], f["reason"]) for f in listed] == [
        ("wh-bad", "orders/create", reason)]  # fmt: skip


def shopify_sign(body: bytes) -> str:
    from connector_kit import b64_hmac

    return b64_hmac(body)


def test_an_unknown_topic_is_kept_as_ignored_and_answered_200(shop):
    client, app, _ = shop
    answer = _hook(client, "shopify", shopify({"id": 5}, "products/create"))
    assert answer.status_code == 200 and answer.json() == {"status": "ignored"}
    assert [(k["outcome"], k["reason"]) for k in _kept(app)] == [
        ("ignored", "topic 'products/create' is not one tidings reads")]  # fmt: skip


def test_a_removed_connector_refuses_its_webhooks(shop):
    client, app, _ = shop
    app.remove_connector("acme", "aftership")
    answer = _hook(client, "aftership", aftership(sample("aftership", "tracking_update.json")))
    assert answer.status_code == 401 and _kept(app) == []


def test_a_refused_webhook_is_counted_with_its_reason_and_nothing_of_it_kept(shop):
    client, app, auth = shop
    update = sample("aftership", "tracking_update.json")
    for secret in ("forged-1", "forged-2"):
        assert _hook(client, "aftership", aftership(update, secret)).status_code == 401
    app.remove_connector("acme", "aftership")
    assert _hook(client, "aftership", aftership(update)).status_code == 401
    assert _hook(client, "aftership", aftership(update), "nosuchstore").status_code == 401
    found = client.get("/v1/connectors/aftership/failures", headers=auth).json()
    day = NOW.astimezone(ZoneInfo("UTC")).date().isoformat()
    assert found["failures"] == [] and _kept(app) == []  # no body of a refused one
    assert [(r["day"], r["reason"], r["count"]) for r in found["refused"]] == [
        (day, "bad_signature", 2), (day, "no_connector", 1)]  # fmt: skip
    with app.db.connect() as conn:  # a made-up store in a URL writes nothing
        stores = conn.execute(select(tables.hook_refusals.c.store_id)).scalars().all()
    assert set(stores) == {"acme"}


def test_erasing_a_customer_blanks_the_deliveries_about_them(shop):
    client, app, auth = shop
    _hook(client, "shopify", shopify(sample("shopify", "customer.json"), "customers/create"))
    post(app, [order("o1", NOW, cid=BOB), shipped("o1", "s1", NOW, carrier="usps",
                                                  tracking_number="0000000000000000")])  # fmt: skip
    rounds(app)
    theirs = sample("aftership", "tracking_update.json")  # their parcel: some carry a phone
    nobodys = {**theirs, "event_id": "e-2", "msg": theirs["msg"] | {"tracking_number": "9999"}}
    _hook(client, "aftership", aftership(theirs))
    _hook(client, "aftership", aftership(nobodys))
    rounds(app)
    assert client.delete(f"/v1/customers/{BOB}", headers=auth).status_code == 200
    kept = {k["delivery_id"]: k for k in _kept(app)}
    assert kept["94dadd60-ed26-46d0-aa52-3ced925a50ff"]["customer_id"] == BOB
    assert kept["94dadd60-ed26-46d0-aa52-3ced925a50ff"]["body"] is None  # found by their order
    assert kept["e-2"]["body"] is not None  # a parcel of no known order: about no customer
    [created] = [k for k in kept.values() if k["topic"] == "customers/create"]
    assert created["body"] is None and created["headers"] is None


def test_a_fulfillment_event_finds_its_shipments_carrier_and_number(shop):
    client, app, auth = shop
    happened = sample("shopify", "fulfillment_event.json") | {"status": "attempted_delivery"}
    early = _hook(client, "shopify", shopify(happened, "fulfillment_events/create", "wh-e1"))
    assert early.json() == {"status": "failed"}
    [failure] = client.get("/v1/connectors/shopify/failures", headers=auth).json()["failures"]
    assert failure["reason"] == "shipment 'shopify-2608403447971' is not known yet"
    post(app, [shipped("2776493818019", "shopify-2608403447971", NOW, carrier="DHL",
                       tracking_number="JD0001")])  # fmt: skip
    rounds(app)
    retry = "/v1/connectors/shopify/failures/retry"
    assert client.post(retry, headers=auth).json() == {"outcomes": {"accepted": 1}}
    assert client.get("/v1/connectors/shopify/failures", headers=auth).json()["failures"] == []
    rounds(app)
    with app.db.connect() as conn:
        row = conn.execute(select(tables.shipments.c.status, tables.shipments.c.carrier)).one()
    assert tuple(row) == ("failed_attempt", "DHL")
    assert client.post(retry, headers=auth).json() == {"outcomes": {}}
    again = _hook(client, "shopify", shopify(happened, "fulfillment_events/create", "wh-e2"))
    assert again.json() == {"status": "accepted"}  # a new delivery id, the same event: no news
    with app.db.connect() as conn:
        assert conn.execute(select(tables.inbox.c.event_id)).all() == []


def test_a_number_two_carriers_share_is_told_apart_by_carrier(shop):
    client, app, _ = shop
    post(app, [shipped("o1", "s-sf", NOW, carrier="SF Express", tracking_number="SAME1"),
               shipped("o2", "s-yto", NOW, carrier="YTO", tracking_number="SAME1")])  # fmt: skip
    rounds(app)
    push = sample("kuaidi100", "push_param.synthetic.json")
    push["lastResult"] |= {"com": "shunfeng", "nu": "SAME1", "state": "3"}
    assert _hook(client, "kuaidi100", kuaidi100(push)).status_code == 200
    rounds(app)
    S = tables.shipments.c
    with app.db.connect() as conn:
        rows = dict(conn.execute(select(S.shipment_id, S.status)).all())
    assert rows == {"s-sf": "delivered", "s-yto": None}


def test_an_older_checkout_after_a_newer_one_changes_nothing(shop):
    client, app, _ = shop
    newer = sample("shopify", "checkout.json") | {"updated_at": NOW.isoformat()}
    older = newer | {"updated_at": (NOW - timedelta(minutes=5)).isoformat(),
                     "line_items": newer["line_items"][:1]}  # fmt: skip
    _hook(client, "shopify", shopify(newer, "checkouts/update", "wh-n"))
    rounds(app)
    _hook(client, "shopify", shopify(older, "checkouts/update", "wh-o"))
    rounds(app)
    with app.db.connect() as conn:
        count = conn.execute(select(tables.carts.c.item_count)).scalar_one()
    assert count == 2


def test_the_api_adds_lists_and_removes_and_never_shows_the_secret(shop):
    client, app, auth = shop
    added = client.post("/v1/connectors", json={"source": "17track", "secret": "17-secret-key"},
                        headers=auth)  # fmt: skip
    assert added.status_code == 201
    url = "https://hooks.acme.example/hooks/17track/acme"
    assert added.json() == {"store": "acme", "source": "17track", "webhook_url": url}
    listed = client.get("/v1/connectors", headers=auth)
    assert [c["source"] for c in listed.json()["connectors"]] == [
        "17track", "aftership", "kuaidi100", "shopify", "woocommerce"]  # fmt: skip
    assert SECRET not in listed.text and "17-secret-key" not in listed.text
    bad = client.post("/v1/connectors", json={"source": "ebay", "secret": "x" * 10}, headers=auth)
    assert bad.status_code == 422 and "field source" in bad.json()["error"]["message"]
    assert client.delete("/v1/connectors/17track", headers=auth).status_code == 204
    assert client.delete("/v1/connectors/17track", headers=auth).status_code == 404
    other = {"Authorization": f"Bearer {app.create_key('bolt')}"}
    assert client.get("/v1/connectors", headers=other).json() == {"connectors": []}
    assert client.get("/v1/connectors").status_code == 401


def test_the_cli_adds_lists_and_removes(db_url, capsys):
    args = ["--db", db_url]
    assert main(["connectors", "add", "--store", "acme", "--source", "woocommerce",
                 "--secret", "wc-secret-123", *args]) == 0  # fmt: skip
    out = capsys.readouterr()
    assert out.out.strip() == "http://127.0.0.1:8000/hooks/woocommerce/acme"
    assert main(["connectors", "list", *args]) == 0
    listed = capsys.readouterr().out
    assert listed.startswith("acme\twoocommerce\thttp://127.0.0.1:8000/hooks/woocommerce/acme\t")
    assert "wc-secret-123" not in listed
    assert main(["connectors", "add", "--store", "acme", "--source", "woocommerce",
                 "--secret", "short", *args]) == 2  # fmt: skip
    assert "--secret: must be at least 8 characters" in capsys.readouterr().err
    assert main(["connectors", "retry", "--store", "acme", "--source", "woocommerce", *args]) == 0
    assert capsys.readouterr().out.strip() == "nothing failed"
    assert main(["connectors", "remove", "--store", "acme", "--source", "woocommerce", *args]) == 0
    assert main(["connectors", "remove", "--store", "acme", "--source", "woocommerce", *args]) == 2


def test_a_signed_woocommerce_order_is_accepted(shop):
    client, app, _ = shop
    answer = _hook(client, "woocommerce", woocommerce(sample("woocommerce", "order.json"),
                                                      "order.created"))  # fmt: skip
    assert answer.status_code == 200 and answer.json() == {"status": "accepted"}
    assert [k["customer_id"] for k in _kept(app)] == ["guest-727"]


@pytest.mark.parametrize(
    ("source", "signed"),
    [("aftership", aftership(sample("aftership", "tracking_update.json"))),
     ("17track", seventeen(sample("17track", "tracking_updated.synthetic.json"))),
     ("kuaidi100", kuaidi100(sample("kuaidi100", "push_param.synthetic.json")))],
)  # fmt: skip
def test_a_tracking_platforms_retry_is_kept_once_and_makes_nothing_twice(shop, source, signed):
    client, app, _ = shop
    first, again = _hook(client, source, signed), _hook(client, source, signed)
    assert first.status_code == again.status_code == 200
    [kept] = _kept(app)
    assert kept["outcome"] == "accepted"
    with app.db.connect() as conn:
        assert len(conn.execute(select(tables.inbox.c.event_id)).all()) == 1
