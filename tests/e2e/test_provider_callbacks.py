"""Providers' status callbacks find their message by the provider's own reference, and only
among the deliveries that provider took: a URL that names a store or a message is not believed
(any provider's token signs any URL), on both databases."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from fakes_providers import ScriptedProvider
from helpers import Clock, at, customer, live, order, rounds, shipped, store
from tidings.adapters.db import tables
from tidings.adapters.providers.http_sms import signature
from tidings.entrypoints.api.app import create_app

TOKENS = {"twilio": "tok-acme", "bolt_sms": "tok-bolt"}


@pytest.fixture
def two_stores(db_url):  # type: ignore[no-untyped-def]
    """acme texts through `twilio`, bolt through `bolt_sms`; each has sent one SMS."""
    clock = Clock(at(10))
    providers = {name: ScriptedProvider(name) for name in TOKENS}
    conf = {
        name: {"type": "http_sms", "base_url": "http://x", "account_sid": "AC1", "auth_token": tok}
        for name, tok in TOKENS.items()
    }
    routes = {"acme": {"sms": "twilio"}, "bolt": {"sms": "bolt_sms"}}
    app = live(db_url, clock, providers, providers=conf, stores=routes)
    keys = {s: app.create_key(s) for s in routes}
    with TestClient(create_app(app)) as client:
        for sid, key in keys.items():
            answer = client.post("/v1/events", json=_day(sid), headers=_auth(key))
            assert answer.status_code == 200, answer.text
        rounds(app)
        yield client, app, keys, providers
    app.close()


def _day(sid: str) -> list[dict[str, Any]]:
    events = [store(), customer(), order("o1", at(9), status="paid"), shipped("o1", "s1", at(10))]
    return [{**e, "store": sid, "id": f"{sid}-{e['id']}"} for e in events]


def _auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def _callback(client: TestClient, app, provider: str, path: str, form: dict[str, str]) -> int:  # type: ignore[no-untyped-def]
    url = app.settings.public_url + path
    headers = {"X-Twilio-Signature": signature(TOKENS[provider], url, form)}
    return client.post(path, data=form, headers=headers).status_code


def _states(client: TestClient, key: str) -> list[str]:
    found = client.get("/v1/messages", headers=_auth(key)).json()["messages"]
    return [d["state"] for m in found for d in m["deliveries"]]


def test_another_store_s_provider_cannot_mark_a_delivery(two_stores):
    client, app, keys, providers = two_stores
    (acme_sms,) = providers["twilio"].sent
    assert _states(client, keys["acme"]) == ["accepted"]

    forged = f"/v1/providers/bolt_sms/status?store=acme&message_id={acme_sms.message_id}"
    form = {"MessageSid": "SMforged", "MessageStatus": "undelivered"}
    assert _callback(client, app, "bolt_sms", forged, form) == 204
    their_ref = {"MessageSid": "twilio-1", "MessageStatus": "undelivered"}  # acme's own ref
    assert _callback(client, app, "bolt_sms", "/v1/providers/bolt_sms/status", their_ref) == 204
    rounds(app)

    assert _states(client, keys["acme"]) == ["accepted"]
    assert _states(client, keys["bolt"]) == ["accepted"]


def test_a_callback_acts_on_its_reference_s_message_whatever_the_url_names(two_stores):
    client, app, keys, providers = two_stores
    (bolt_sms,) = providers["bolt_sms"].sent
    elsewhere = f"/v1/providers/twilio/status?store=bolt&message_id={bolt_sms.message_id}"
    form = {"MessageSid": "twilio-1", "MessageStatus": "delivered"}
    assert _callback(client, app, "twilio", elsewhere, form) == 204
    rounds(app)

    assert _states(client, keys["acme"]) == ["delivered"]
    assert _states(client, keys["bolt"]) == ["accepted"]


def test_a_signed_inbound_without_its_sid_posted_twice_is_one_reply(two_stores):
    client, app, _, _ = two_stores
    path = "/v1/providers/twilio/inbound"
    form = {"From": "+8613800138000", "To": "+15550100", "Body": "STOP"}
    assert _callback(client, app, "twilio", path, form) == 204
    app.clock.advance(minutes=3)  # type: ignore[attr-defined]  # the same request, replayed later
    assert _callback(client, app, "twilio", path, form) == 204
    e = tables.events.c
    with app.db.connect() as conn:
        found = conn.execute(select(e.event_id).where(e.type == "message.inbound")).all()
    assert len(found) == 1
