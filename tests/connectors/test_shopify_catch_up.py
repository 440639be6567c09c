"""Shopify catch-up: the Admin API read page by page (a mock transport stands for Shopify),
each order taken in as its webhooks would have been; on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import httpx
import pytest
from connector_kit import SECRET, sample, shopify
from fastapi.testclient import TestClient
from sqlalchemy import select

from fakes_providers import ScriptedProvider
from helpers import Clock, live, post, rounds, store
from tidings.adapters.db import tables
from tidings.domain.errors import PlatformError
from tidings.entrypoints.api.app import create_app

NOW = datetime(2026, 11, 11, 10, 0, tzinfo=ZoneInfo("America/New_York"))
SINCE = datetime(2026, 11, 10, tzinfo=ZoneInfo("UTC"))
SHOP = "acme.myshopify.com"
PAGE2 = f"https://{SHOP}/admin/api/2024-10/orders.json?page_info=abc&limit=250"


def _orders() -> tuple[dict, dict]:
    unpaid = sample("shopify", "order.json") | {"created_at": NOW.isoformat(),
                                                "updated_at": NOW.isoformat()}  # fmt: skip
    paid = unpaid | {"id": 450789470, "financial_status": "paid",
                     "fulfillments": [sample("shopify", "fulfillment.json")
                                      | {"id": 9, "order_id": 450789470}]}  # fmt: skip
    return unpaid, paid


class Shopify:
    """Two pages of orders; records what was asked."""

    def __init__(self, next_link: str = PAGE2, status: int = 200) -> None:
        self.asked: list[httpx.Request] = []
        self.next_link, self.status = next_link, status

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.asked.append(request)
        unpaid, paid = _orders()
        if "page_info" in str(request.url):
            return httpx.Response(200, json={"orders": [paid]})
        link = {"Link": f'<{self.next_link}>; rel="next"'}
        return httpx.Response(self.status, json={"orders": [unpaid]}, headers=link)


@pytest.fixture
def shop(db_url):  # type: ignore[no-untyped-def]
    app = live(db_url, Clock(NOW), {"file": ScriptedProvider()})
    post(app, [store(NOW.replace(day=1), timezone="America/New_York", default_region="US",
                     currency="USD", locale="en")])  # fmt: skip
    rounds(app)
    app.add_connector("acme", "shopify", SECRET)
    yield app
    app.close()


def _catch_up(app, fake: Shopify) -> dict:  # type: ignore[no-untyped-def]
    client = httpx.Client(transport=httpx.MockTransport(fake))
    return app.catch_up_shopify("acme", SHOP, "shpat_token", SINCE, client=client)


def _event_ids(app) -> list[str]:  # type: ignore[no-untyped-def]
    E = tables.events.c
    with app.db.connect() as conn:
        ids = conn.execute(select(E.event_id).where(E.type != "store.upserted")).scalars()
        return sorted(ids)


def test_orders_changed_since_a_time_come_in_as_their_webhooks_would(shop):
    fake = Shopify()
    assert _catch_up(shop, fake) == {
        "accepted": 4
    }  # unpaid: created; paid: created, paid, fulfilled
    first = fake.asked[0]
    assert first.url.path == "/admin/api/2024-10/orders.json"
    since = "2026-11-10T00:00:00+00:00"
    assert dict(first.url.params) == {"status": "any", "updated_at_min": since, "limit": "250"}
    assert first.headers["X-Shopify-Access-Token"] == "shpat_token"
    assert str(fake.asked[1].url) == PAGE2
    customer = [i for i in _event_ids(shop) if i.startswith("shopify:customer:")]
    assert [i for i in _event_ids(shop) if not i.startswith("shopify:customer:")] == [
        "shopify:fulfillment:9:shipped", "shopify:order:450789469:created",
        "shopify:order:450789470:created", "shopify:order:450789470:paid"]  # fmt: skip
    assert len(customer) == 1


def test_a_catch_up_after_the_webhooks_or_twice_makes_nothing_twice(shop):
    unpaid, _ = _orders()
    with TestClient(create_app(shop)) as client:
        body, headers = shopify(unpaid, "orders/create")
        assert client.post("/hooks/shopify/acme", content=body, headers=headers).status_code == 200
    before = _event_ids(shop)
    _catch_up(shop, Shopify())
    assert set(before) <= set(_event_ids(shop)) and len(_event_ids(shop)) == len(before) + 3
    again = _catch_up(shop, Shopify())
    assert again == {"duplicate": 4}


def test_a_next_page_on_another_host_is_not_followed(shop):
    fake = Shopify(next_link="https://169.254.169.254/latest/meta-data")
    with pytest.raises(PlatformError, match="not on the shop's own host"):
        _catch_up(shop, fake)
    assert len(fake.asked) == 1


def test_a_refusal_says_so_and_a_bad_shop_name_is_not_asked(shop):
    with pytest.raises(PlatformError, match="Shopify answered 401"):
        _catch_up(shop, Shopify(status=401))
    fake = Shopify()
    with pytest.raises(PlatformError, match=r"expected <name>\.myshopify\.com"):
        shop.catch_up_shopify("acme", "evil.example/x", "t", SINCE,
                              client=httpx.Client(transport=httpx.MockTransport(fake)))  # fmt: skip
    assert fake.asked == []


def test_a_store_without_a_shopify_connector_is_refused(shop):
    shop.remove_connector("acme", "shopify")
    with pytest.raises(LookupError, match="has no shopify connector"):
        _catch_up(shop, Shopify())


def test_the_cli_needs_a_token_and_a_connector(db_url, capsys, monkeypatch):
    from tidings.entrypoints.cli import main

    monkeypatch.delenv("SHOPIFY_ACCESS_TOKEN", raising=False)
    sync = ["connectors", "sync", "--store", "acme", "--shop", SHOP, "--since", SINCE.isoformat()]
    assert main([*sync, "--db", db_url]) == 2
    assert "--token (or SHOPIFY_ACCESS_TOKEN) is required" in capsys.readouterr().err
    monkeypatch.setenv("SHOPIFY_ACCESS_TOKEN", "shpat_x")
    assert main([*sync, "--db", db_url]) == 2  # no connector: nothing is fetched
    assert "store 'acme' has no shopify connector: add it first" in capsys.readouterr().err
