"""A Russian COD shop texting through SMS.ru (against a local sms/send that checks the api_id
and the form's UTF-8): free text, status callbacks answered `100`, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlencode

import pytest
from fastapi.testclient import TestClient

from helpers import Clock, at, customer, inbound, live, order, rounds, store
from tidings.entrypoints.api.app import create_app

API_ID, TOKEN, PHONE = "A1B2C3", "push-token-shop", "+79161234567"
STATUS = f"/v1/providers/smsru/report?token={TOKEN}"


class FakeSmsRu(ThreadingHTTPServer):
    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.url = f"http://127.0.0.1:{self.server_address[1]}"
        self.forms: list[dict[str, str]] = []
        self.codes: list[int] = []  # the number's code for the next calls (else 100)


class _Handler(BaseHTTPRequestHandler):
    server: FakeSmsRu

    def do_POST(self) -> None:
        raw = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        form = dict(parse_qsl(raw.decode("utf-8")))
        if self.path != "/sms/send" or form.get("api_id") != API_ID:
            return self._json({"status": "ERROR", "status_code": 200, "status_text": "api_id"})
        code = self.server.codes.pop(0) if self.server.codes else 100
        one: dict[str, Any] = {"status": "OK" if code == 100 else "ERROR", "status_code": code}
        if code == 100:
            self.server.forms.append(form)
            one["sms_id"] = f"S-{len(self.server.forms)}"
        else:
            one["status_text"] = "scripted"
        self._json({"status": "OK", "status_code": 100, "sms": {form["to"]: one}})

    def _json(self, data: object) -> None:
        body = json.dumps(data).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def shop(db_url):  # type: ignore[no-untyped-def]
    server = FakeSmsRu()
    threading.Thread(target=server.serve_forever, daemon=True).start()
    conf = {"smsru": {"type": "smsru", "api_id": API_ID, "endpoint": server.url,
                      "callback_token": TOKEN}}  # fmt: skip
    clock = Clock(at(9))
    app = live(db_url, clock, providers=conf, channels={"sms": "smsru"})
    with TestClient(create_app(app)) as client:
        client.headers["Authorization"] = f"Bearer {app.create_key('acme')}"
        ru = store(locale="ru", default_region="RU", timezone="Asia/Shanghai", sms_signature="")
        _post(client, [ru, customer(phone=PHONE)])
        rounds(app)
        yield client, app, server, clock
    app.close()
    server.shutdown()
    server.server_close()


def _post(client: TestClient, events: list[dict[str, Any]]) -> None:
    answer = client.post("/v1/events", json=events)
    assert answer.status_code == 200, answer.text


def _first(client: TestClient) -> dict[str, Any]:
    found = client.get("/v1/messages").json()["messages"]
    (one,) = [m for m in found if (m["journey"], m["step"]) == ("payment_reminder", "first")]
    return one  # type: ignore[no-any-return]


def _callback(client: TestClient, *lines: str) -> Any:
    form = urlencode([(f"data[{i}]", line) for i, line in enumerate(lines)])
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    return client.post(STATUS, content=form, headers=headers)


def test_free_text_goes_and_its_status_comes_back_answered_100(shop):
    client, app, server, clock = shop
    answer = _callback(client, "sms_status\nS-1\n103\n1762822800")  # before the send is recorded
    assert (answer.status_code, answer.text) == (200, "100")
    _post(client, [order("o1", at(8))])
    clock.advance(hours=1)
    rounds(app)
    (form,) = server.forms
    assert form["to"] == "79161234567"
    assert form["msg"].startswith("Заказ o1")
    rounds(app)
    (delivery,) = _first(client)["deliveries"]
    assert (delivery["state"], delivery["refs"]) == ("delivered", ["S-1"])


def test_a_daily_limit_waits_and_a_number_without_route_fails(shop):
    client, app, server, clock = shop
    server.codes += [230]
    _post(client, [order("o1", at(8))])
    clock.advance(hours=1)
    rounds(app)
    assert _first(client)["deliveries"][0]["state"] == "queued"
    server.codes += [207]
    clock.advance(minutes=5)
    rounds(app)
    (delivery,) = _first(client)["deliveries"]
    assert (delivery["state"], delivery["error"]) == ("failed", "207: scripted")
    assert server.forms == []


def test_stop_in_russian_opts_the_shopper_out(shop):
    client, app, server, clock = shop
    _post(client, [inbound("СТОП", at(9, 1), sender=PHONE), order("o1", at(9, 2))])
    clock.advance(hours=1)
    rounds(app)
    assert (_first(client)["status"], _first(client)["reason"]) == ("suppressed", "opted_out")
    assert all(not f["msg"].startswith("Заказ") for f in server.forms)
