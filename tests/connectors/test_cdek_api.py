"""CDEK asked back, against a local server speaking its API v2: the token fetched once and kept
until its end, a 429 asked again after its Retry-After, a revoked token fetched anew, an order
CDEK does not know, a return order's direct order, and CDEK out of reach."""

from __future__ import annotations

import copy
import socket
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from cdek_server import CLIENT_ID, CLIENT_SECRET, FakeCdek
from connector_kit import MOSCOW, SECRET, delivery, sample, unsigned

from tidings.adapters.connectors.cdek_api import CdekApi
from tidings.domain.connectors import Credentials

UUID = "72753034-1a5e-4b2a-9c3e-5d1f0e6a7b81"
KEPT = Credentials(SECRET, {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET})


@pytest.fixture
def cdek():  # type: ignore[no-untyped-def]
    with FakeCdek() as server:
        server.orders[UUID] = copy.deepcopy(sample("cdek", "order.synthetic.json")["entity"])
        yield server


class Api:
    def __init__(self, url: str) -> None:
        self.now = datetime(2026, 11, 11, 12, 0, tzinfo=UTC)
        self.slept: list[float] = []
        self.api = CdekApi(httpx.Client(timeout=5), lambda: self.now, url, self.slept.append)

    def read(self, push: dict | None = None, kept: Credentials = KEPT) -> dict:  # type: ignore[type-arg]
        found = delivery("cdek", unsigned(push or sample("cdek", "order_status.synthetic.json")),
                         MOSCOW)  # fmt: skip
        return dict(self.api.read_back(found, kept).context)


def test_the_order_is_read_with_one_token_kept_until_a_minute_before_its_end(cdek):
    api = Api(cdek.url)
    assert api.read()["order"]["keep_free_until"] == "2026-11-18T20:59:59+0000"
    api.now += timedelta(minutes=58, seconds=59)
    api.read()
    assert cdek.tokens == ["token-1"]
    api.now += timedelta(seconds=2)  # 59 min 1 s: within the last minute of its hour
    api.read()
    assert cdek.tokens == ["token-1", "token-2"]
    assert [c for c in cdek.calls if c[0] == "POST"] == [("POST", "/v2/oauth/token")] * 2


def test_a_429_is_asked_again_after_its_retry_after(cdek):
    api = Api(cdek.url)
    cdek.limited = 2
    assert api.read()["order"]["uuid"] == UUID
    assert api.slept == [2.0, 2.0]


def test_a_cdek_still_rate_limited_leaves_the_reason_and_no_order(cdek):
    api = Api(cdek.url)
    cdek.limited = 3
    assert api.read() == {"unread": f"CDEK could not be asked about order {UUID!r}: still "
                                    "rate limited (429) after 3 tries"}  # fmt: skip


def test_an_order_cdek_does_not_know_is_never_acted_on(cdek):
    push = sample("cdek", "order_status.synthetic.json")
    push["uuid"] = "00000000-0000-4000-8000-000000000000"
    assert Api(cdek.url).read(push) == {
        "unread": "CDEK does not know order '00000000-0000-4000-8000-000000000000': nothing "
                  "is acted on"}  # fmt: skip


def test_a_revoked_token_is_fetched_anew_once(cdek):
    api = Api(cdek.url)
    api.read()
    cdek.tokens.remove("token-1")
    assert api.read()["order"]["uuid"] == UUID
    assert cdek.tokens == ["token-2"]


def test_wrong_client_credentials_are_the_reason(cdek):
    kept = Credentials(SECRET, {"client_id": CLIENT_ID, "client_secret": "not-it"})
    assert Api(cdek.url).read(kept=kept) == {
        "unread": f"CDEK could not be asked about order {UUID!r}: CDEK refused the client id "
                  "and secret (401)"}  # fmt: skip


def test_a_return_order_is_read_with_its_direct_order(cdek):
    back = "0b7c2d4e-3f5a-4c6b-8d9e-1a2b3c4d5e6f"
    cdek.orders[back] = copy.deepcopy(cdek.orders[UUID]) | {
        "uuid": back, "is_return": True, "cdek_number": "1106299999",
        "related_entities": [{"type": "direct_order", "uuid": UUID}]}  # fmt: skip
    push = sample("cdek", "order_status.synthetic.json") | {"uuid": back}
    found = Api(cdek.url).read(push)
    assert (found["order"]["uuid"], found["direct"]["cdek_number"]) == (back, "1106207236")


def test_cdek_out_of_reach_is_the_reason():
    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{free.getsockname()[1]}"
    assert Api(url).read() == {
        "unread": f"CDEK could not be asked about order {UUID!r}: no answer (ConnectError)"
    }
