"""The shoppers' pages tell the browser to run nothing, frame nothing, keep nothing and leak no
URL; the access log of `tidings serve` keeps no key or token in clear (issue item 7)."""

from __future__ import annotations

import re
import subprocess
import sys

import httpx
import pytest
from fastapi.testclient import TestClient

from fakes_providers import ScriptedProvider
from helpers import Clock, at, checkpoint, customer, event, live, order, rounds, shipped, store
from smsc import free_port
from tidings.entrypoints.api.app import create_app

CLI = [sys.executable, "-m", "tidings.entrypoints.cli"]


@pytest.fixture
def api(db_url):  # type: ignore[no-untyped-def]
    clock, provider = Clock(at(10)), ScriptedProvider()
    app = live(db_url, clock, {"file": provider})
    key = app.create_key("acme")
    with TestClient(create_app(app)) as client:
        yield client, app, {"Authorization": f"Bearer {key}"}, provider, clock
    app.close()


def _page_headers(answer: httpx.Response, scripts: str | None = None) -> None:
    text = answer.headers["content-security-policy"]
    policy = dict(p.strip().split(" ", 1) for p in text.split(";"))
    assert policy["frame-ancestors"] == "'none'" and policy["default-src"] == "'none'"
    assert policy["style-src"] == "'self'" and policy.get("script-src") == scripts
    assert "unsafe-inline" not in answer.headers["content-security-policy"]
    assert answer.headers["referrer-policy"] == "no-referrer"
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert answer.headers["cache-control"] == "no-store"


def test_the_tracking_page_showing_a_pickup_code_carries_the_headers(api):
    client, app, acme, provider, _ = api
    pickup = {"point": "菜鸟驿站", "code": "5-2-1017"}
    waiting = checkpoint("s1", "available_for_pickup", at(10, 1), order_id="o1", pickup=pickup)
    day = [store(), customer(), order("o1", at(9), status="paid"), shipped("o1", "s1", at(10))]
    client.post("/v1/events", json=[*day, waiting], headers=acme)
    rounds(app)
    link = provider.sent[0].body.rsplit("/l/", 1)[1]
    redirect = client.get(f"/l/{link}", headers={"host": "acme.example"}, follow_redirects=False)
    assert redirect.status_code == 302
    _page_headers(redirect)
    page = client.get(redirect.headers["location"].removeprefix("https://acme.example"))
    assert page.status_code == 200 and "5-2-1017" in page.text
    _page_headers(page)
    assert "<style" not in page.text and "style=" not in page.text and "<script" not in page.text
    (sheet,) = re.findall(r'<link rel="stylesheet" href="([^"]+)">', page.text)
    css = client.get(sheet)
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")
    assert ".code {" in css.text
    _page_headers(client.get("/t/acme/s1?k=wrong"))  # the refusal too


def test_the_unsubscribe_pages_carry_them(api):
    client, app, acme, provider, clock = api
    shopper = customer(phone=None, email="li@mail.example", sms_consent=True, email_consent=True)
    items = [{"sku": "a", "name": "Tea", "qty": 1, "price": "9.00"}]
    cart = event("cart.updated", at(10), cart_id="k1", customer_id="c1", total="9.00",
                 currency="CNY", items=items)  # fmt: skip
    client.post("/v1/events", json=[store(), shopper, cart], headers=acme)
    clock.advance(hours=2)
    rounds(app)
    path = provider.sent[0].unsubscribe.removeprefix("http://127.0.0.1:8000")
    _page_headers(client.get(path))
    done = client.post(path, data={"List-Unsubscribe": "One-Click"})
    assert done.status_code == 200
    _page_headers(done)


def test_the_api_says_nosniff_and_its_docs_keep_their_scripts(api):
    client, _, acme, _, _ = api
    answer = client.get("/v1/messages", headers=acme)
    assert answer.headers["x-content-type-options"] == "nosniff"
    docs = client.get("/docs")
    assert docs.status_code == 200 and "content-security-policy" not in docs.headers
    _page_headers(client.get("/console/acme"), scripts="'self'")  # the console, when it lands


def test_the_access_log_of_serve_masks_page_keys_and_tokens(tmp_path):
    port = free_port()
    command = [*CLI, "serve", "--db", str(tmp_path / "t.db"), "--port", str(port)]
    server = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, encoding="utf-8"
    )
    try:
        assert server.stdout is not None
        for line in server.stdout:  # until uvicorn listens (or the command fails)
            if "Uvicorn running on" in line:
                break
        base = f"http://127.0.0.1:{port}"
        httpx.get(f"{base}/t/acme/s1?k=Sekr3tKey&lang=en")
        httpx.get(f"{base}/l/Lnk7tok")
        httpx.post(f"{base}/u/m-1.Unsub5tok")
    finally:
        server.terminate()
        log, _ = server.communicate(timeout=30)
    assert '"GET /t/acme/s1?k=***&lang=en HTTP/1.1" 404' in log
    assert '"GET /l/*** HTTP/1.1" 404' in log and '"POST /u/*** HTTP/1.1" 404' in log
    assert not {"Sekr3tKey", "Lnk7tok", "Unsub5tok"} & set(re.findall(r"\w+", log))
