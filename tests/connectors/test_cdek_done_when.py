"""CDEK end to end, against a local CDEK: a parcel waiting at a pickup point gets its notice
with the deadline CDEK tells (`keep_free_until`) and its reminders until then; a wrong token,
a store without the connector, a forged order, a redelivered push and an order CDEK later
reports differently change nothing they should not; on SQLite and PostgreSQL."""

from __future__ import annotations

import copy
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from cdek_server import CLIENT_ID, CLIENT_SECRET, FakeCdek
from connector_kit import SECRET, raw, sample
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from fakes_providers import ScriptedProvider
from helpers import Clock, customer, live, order, post, rounds, shipped, store
from tidings.adapters.db import tables
from tidings.entrypoints.api.app import create_app
from tidings.entrypoints.cli import main

MSK = ZoneInfo("Europe/Moscow")
NOW = datetime(2026, 11, 11, 15, 30, tzinfo=MSK)
UUID = "72753034-1a5e-4b2a-9c3e-5d1f0e6a7b81"
SHOPPER, NUMBER = "+79161234567", "1106207236"
H = tables.hook_deliveries.c


@pytest.fixture
def shop(db_url):  # type: ignore[no-untyped-def]
    clock, provider = Clock(NOW), ScriptedProvider()
    with FakeCdek() as cdek:
        cdek.retry_after = "0"
        app = live(db_url, clock, {"file": provider}, cdek_api_url=cdek.url)
        post(app, [store(NOW - timedelta(days=9), timezone="Europe/Moscow", locale="en",
                         default_region="RU", currency="RUB", sms_signature=""),
                   customer("c1", SHOPPER, NOW - timedelta(days=3)),
                   order("ACME-1042", NOW - timedelta(days=3), currency="RUB", payment="cod",
                         status="unpaid"),
                   shipped("ACME-1042", "s1", NOW - timedelta(days=2), carrier="CDEK",
                           tracking_number=NUMBER)])  # fmt: skip
        rounds(app)
        app.add_connector("acme", "cdek", SECRET,
                          {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET})  # fmt: skip
        with TestClient(create_app(app)) as client:
            yield client, app, provider, clock, cdek
        app.close()


def _at_pickup(code: str = "ACCEPTED_AT_PICK_UP_POINT", **over: Any) -> dict[str, Any]:
    entity = copy.deepcopy(sample("cdek", "order.synthetic.json")["entity"])
    entity["statuses"][0] |= {"code": code, "date_time": "2026-11-11T15:20:00+0300"}
    return entity | {"keep_free_until": "2026-11-16T20:59:59+0000"} | over


def _push(uuid: str = UUID, when: str = "2026-11-11T15:20:00+0300") -> dict[str, Any]:
    push = sample("cdek", "order_status.synthetic.json") | {"uuid": uuid}
    push["attributes"]["status_date_time"] = when
    return push


def _hook(client: TestClient, push: dict[str, Any], token: str = SECRET, shop: str = "acme"):  # type: ignore[no-untyped-def]
    return client.post(f"/hooks/cdek/{shop}", params={"token": token}, content=raw(push),
                       headers={"Content-Type": "application/json"})  # fmt: skip


def _sent_since(provider: ScriptedProvider, start: int) -> list[str]:
    return [m.body for m in provider.sent[start:] if m.to == SHOPPER]


def test_a_parcel_at_a_cdek_pickup_point_gets_its_notice_with_cdeks_deadline_and_reminders(shop):
    client, app, provider, clock, cdek = shop
    cdek.orders[UUID] = _at_pickup()
    cdek.limited = 1  # CDEK's rate limit: asked again
    before = len(provider.sent)
    answer = _hook(client, _push())
    assert answer.status_code == 200 and answer.json() == {"status": "accepted"}
    rounds(app)
    [notice] = _sent_since(provider, before)
    # CDEK's 20:59:59 UTC is 23:59 in Moscow
    assert (
        notice == "Your parcel is waiting at MSK123, ул. Тверская, 7. Collect it by Nov 16, 23:59."
    )
    for _ in range(2):  # every 48 h while it waits
        clock.advance(hours=48)
        rounds(app)
    clock.advance(hours=8, minutes=30)  # a day before the deadline, in the quiet hours
    rounds(app)
    assert len(_sent_since(provider, before)) == 3
    clock.advance(hours=9, minutes=30)  # Nov 16, 09:30 in Moscow
    rounds(app)
    assert [t.split(":")[0] for t in _sent_since(provider, before)] == [
        "Your parcel is waiting at MSK123, ул. Тверская, 7. Collect it by Nov 16, 23",
        "Reminder", "Reminder", "Last reminder"]  # fmt: skip
    assert _sent_since(provider, before)[-1] == (
        "Last reminder: after Nov 16, 23:59 your parcel goes back to the sender. "
        "Collect it at MSK123."
    )
    for _ in range(8):  # the deadline passes, the parcel still not collected: nothing more
        clock.advance(hours=12)
        rounds(app)
    assert len(_sent_since(provider, before)) == 4
    with app.db.connect() as conn:
        row = conn.execute(select(tables.shipments.c.status, tables.shipments.c.storage_until))
        status, until = row.one()
    assert status == "available_for_pickup"
    assert until.astimezone(MSK) == datetime(2026, 11, 16, 23, 59, 59, tzinfo=MSK)


def test_a_wrong_token_or_a_store_without_the_connector_is_refused_and_keeps_nothing(shop, caplog):
    client, app, _, _, cdek = shop
    cdek.orders[UUID] = _at_pickup()
    wrong = _hook(client, _push(), token="not-the-secret")
    assert wrong.status_code == 401 and wrong.json()["error"]["code"] == "bad_signature"
    assert _hook(client, _push(), token="").status_code == 401
    assert _hook(client, _push(), shop="bolt").status_code == 401
    spoofed = client.post("/hooks/cdek/acme", content=raw(_push()),
                          headers={"X-Tidings-Url-Token": SECRET})  # fmt: skip
    assert spoofed.status_code == 401  # only the URL's token counts
    refusals = [r.getMessage() for r in caplog.records if "refused" in r.getMessage()]
    assert refusals == ["hook cdek/acme refused: bad signature or token"] * 2 + [
        "hook cdek/bolt refused: no connector",
        "hook cdek/acme refused: bad signature or token",
    ]
    assert not any(SECRET in r.getMessage() for r in caplog.records)
    assert _count(app, tables.hook_deliveries) == 0 and cdek.calls == []
    with app.db.connect() as conn:  # counted for the store tidings knows, never a body
        counted = conn.execute(select(tables.hook_refusals.c.reason, tables.hook_refusals.c.count))
        assert [tuple(r) for r in counted] == [("bad_signature", 3)]


def test_a_forged_order_is_kept_failed_with_why_and_a_redelivery_is_a_duplicate(shop):
    client, app, _, _, cdek = shop
    forged = _push("00000000-0000-4000-8000-000000000000")
    assert _hook(client, forged).json() == {"status": "failed"}
    assert _hook(client, forged).json() == {"status": "duplicate"}
    with app.db.connect() as conn:
        kept = conn.execute(select(H.outcome, H.reason, H.events)).all()
    assert [tuple(k) for k in kept] == [("failed", "CDEK does not know order "
             "'00000000-0000-4000-8000-000000000000': nothing is acted on", [])]  # fmt: skip
    events = _count(app, tables.events)
    cdek.orders[UUID] = _at_pickup()
    assert _hook(client, _push()).json() == {"status": "accepted"}
    assert _hook(client, _push()).json() == {"status": "duplicate"}
    assert _count(app, tables.events) == events + 1


def test_an_order_cdek_later_reports_delivered_stops_the_reminders(shop):
    client, app, provider, clock, cdek = shop
    cdek.orders[UUID] = _at_pickup()
    before = len(provider.sent)
    _hook(client, _push())
    rounds(app)
    entity = _at_pickup()
    entity["statuses"].insert(0, {"code": "DELIVERED", "name": "Вручен", "city": "Москва",
                                  "date_time": "2026-11-12T10:00:00+0300"})  # fmt: skip
    cdek.orders[UUID] = entity
    stale = _push(when="2026-11-12T09:00:00+0300")  # says "at the pickup point" still
    assert _hook(client, stale).json() == {"status": "accepted"}
    clock.advance(hours=100)
    rounds(app)
    texts = _sent_since(provider, before)
    assert texts[0].startswith("Your parcel is waiting") and not any(
        t.startswith(("Reminder", "Last reminder")) for t in texts)  # fmt: skip
    with app.db.connect() as conn:
        assert conn.execute(select(tables.shipments.c.status)).scalar_one() == "delivered"


def test_a_push_cdek_could_not_be_asked_about_is_taken_in_by_a_retry(shop):
    client, app, _, _, cdek = shop
    cdek.orders[UUID] = _at_pickup()
    cdek.limited = 3
    assert _hook(client, _push()).json() == {"status": "failed"}
    with app.db.connect() as conn:
        reason = conn.execute(select(H.reason)).scalar_one()
    assert reason.endswith("still rate limited (429) after 3 tries")
    assert app.retry_failures("acme", "cdek") == {"accepted": 1}
    assert app.retry_failures("acme", "cdek") == {}
    rounds(app)
    with app.db.connect() as conn:
        assert conn.execute(select(tables.shipments.c.status)).scalar_one() == (
            "available_for_pickup"
        )


def _count(app, table) -> int:  # type: ignore[no-untyped-def]
    with app.db.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def test_the_cli_adds_cdek_with_its_api_client_and_prints_the_url_with_its_token(db_url, capsys):
    args = ["connectors", "add", "--store", "acme", "--source", "cdek", "--db", db_url]
    assert main([*args, "--secret", "cdek-url-token-1"]) == 2
    assert "--client-id: cdek needs it to read its orders back" in capsys.readouterr().err
    assert main([*args, "--secret", "cdek-url-token-1", "--client-id", CLIENT_ID,
                 "--client-secret", CLIENT_SECRET]) == 0  # fmt: skip
    url = "http://127.0.0.1:8000/hooks/cdek/acme?token=cdek-url-token-1"
    assert capsys.readouterr().out.strip() == url
    assert main(["connectors", "list", "--db", db_url]) == 0
    listed = capsys.readouterr().out
    assert listed.startswith("acme\tcdek\thttp://127.0.0.1:8000/hooks/cdek/acme?token={secret}\t")
    assert "cdek-url-token-1" not in listed and CLIENT_SECRET not in listed


def test_the_api_connects_cdek_with_its_api_client(shop):
    client, app, _, _, _ = shop
    auth = {"Authorization": f"Bearer {app.create_key('acme')}"}
    given = {"source": "cdek", "secret": "cdek-url-token-2", "client_id": CLIENT_ID}
    refused = client.post("/v1/connectors", json=given, headers=auth)
    assert refused.status_code == 422 and "client_secret" in refused.json()["error"]["message"]
    added = client.post("/v1/connectors", json=given | {"client_secret": CLIENT_SECRET},
                        headers=auth)  # fmt: skip
    assert added.status_code == 201
    assert added.json()["webhook_url"] == (
        "http://127.0.0.1:8000/hooks/cdek/acme?token=cdek-url-token-2"
    )
    listed = client.get("/v1/connectors", headers=auth).text
    assert "cdek-url-token-2" not in listed and CLIENT_SECRET not in listed
