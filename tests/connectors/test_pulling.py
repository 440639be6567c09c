"""Pulled platforms: a queue that gives again what is not confirmed stands for Taobao's TMC
(a mock transport), a toy translator for the platform; on SQLite and PostgreSQL. What is
checked is the runner's promise: nothing lost, nothing twice, a rate limit waited out, and one
worker at a time on a connector."""

from __future__ import annotations

import json
from contextlib import nullcontext
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from sqlalchemy import select

from fakes_providers import ScriptedProvider
from helpers import Clock, live, post, rounds, store
from tidings import bootstrap
from tidings.adapters import connectors as registry
from tidings.adapters.db import tables
from tidings.domain.connectors import Credentials, Delivery, Pulled, Translation
from tidings.domain.errors import PlatformError
from tidings.services import connectors

NOW = datetime(2026, 11, 11, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


class Queue:
    """The platform's side: messages given until confirmed, a page at a time."""

    def __init__(self, ids: list[str], page: int = 2) -> None:
        self.waiting = {i: {"id": i, "customer": f"c{i}"} for i in ids}
        self.page, self.limited, self.asked = page, 0, 0

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.asked += 1
        if request.headers.get("x-app-key") != "app-1":
            return httpx.Response(401)
        if self.limited:
            self.limited -= 1
            return httpx.Response(429, headers={"Retry-After": "120"})
        if request.url.path == "/confirm":
            for ident in json.loads(request.content):
                self.waiting.pop(ident, None)
            return httpx.Response(200, json={"ok": True})
        page = list(self.waiting.values())[: self.page]
        return httpx.Response(200, json={"messages": page, "more": len(self.waiting) > len(page)})


class QueuePuller:
    EVERY = timedelta(seconds=30)

    def __init__(self) -> None:
        self.fail_confirm = False

    def pull(
        self, http: Any, credentials: Credentials, cursor: str | None, now: datetime
    ) -> Pulled:
        headers = {"x-app-key": credentials.settings["app_key"]}
        answer = http.get(f"{credentials.settings['url']}/consume", headers=headers)
        if answer.status_code == 429:
            raise PlatformError("rate limited", retry_after=float(answer.headers["Retry-After"]))
        if answer.status_code != 200:
            raise PlatformError(f"the queue answered {answer.status_code}")
        found = answer.json()
        items = [(json.dumps(m).encode(), {"message-id": m["id"]}) for m in found["messages"]]
        ids = tuple(m["id"] for m in found["messages"])
        return Pulled(items, cursor=f"after-{ids[-1]}" if ids else cursor, more=found["more"],
                      confirm=ids)  # fmt: skip

    def confirm(self, http: Any, credentials: Credentials, ids: tuple[str, ...]) -> None:
        if self.fail_confirm:
            raise ConnectionError("the process died before it confirmed")
        headers = {"x-app-key": credentials.settings["app_key"]}
        http.post(f"{credentials.settings['url']}/confirm", json=list(ids), headers=headers)


class QueuePlatform:
    HEADERS = ("message-id",)

    @staticmethod
    def verify(secret: str, body: bytes, headers: Any) -> bool:
        return True

    @staticmethod
    def delivery_id(body: bytes, headers: Any) -> str:
        return str(headers["message-id"])

    @staticmethod
    def topic(body: bytes, headers: Any) -> str:
        return "customer"

    @staticmethod
    def translate(delivery: Delivery) -> Translation:
        found = json.loads(delivery.body)
        event = {"id": f"queue-{found['id']}", "type": "customer.upserted",
                 "store": delivery.store, "occurred_at": NOW.isoformat(),
                 "data": {"customer_id": found["customer"]}}  # fmt: skip
        return Translation([event], found["customer"])

    @staticmethod
    def answer(outcome: str) -> tuple[int, Any]:
        return 200, {}


@pytest.fixture
def pulled(db_url, monkeypatch):  # type: ignore[no-untyped-def]
    puller = QueuePuller()
    monkeypatch.setattr(connectors, "SOURCES", (*connectors.SOURCES, "queue"))
    monkeypatch.setitem(registry.PULLERS, "queue", puller)  # type: ignore[index]
    monkeypatch.setitem(registry.PLATFORMS, "queue", QueuePlatform)  # type: ignore[index]
    clock = Clock(NOW)
    app = live(db_url, clock, {"file": ScriptedProvider()})
    post(app, [store(NOW.replace(day=1))])
    rounds(app)
    settings = {"app_key": "app-1", "url": "https://queue.example"}
    app.add_connector("acme", "queue", "app-secret-1", settings)
    yield app, puller, clock
    app.close()


def _events(app) -> list[str]:  # type: ignore[no-untyped-def]
    E = tables.events.c
    with app.db.connect() as conn:
        return sorted(conn.execute(select(E.event_id).where(E.type != "store.upserted")).scalars())


def _row(app) -> Any:  # type: ignore[no-untyped-def]
    C = tables.connectors.c
    with app.db.connect() as conn:
        return conn.execute(select(C.cursor, C.pull_after, C.pull_error)).one()


def _http(queue: Queue) -> httpx.Client:
    return httpx.Client(transport=httpx.MockTransport(queue))


def test_every_page_is_kept_then_confirmed_and_the_cursor_moves_on(pulled):
    app, _, clock = pulled
    queue = Queue(["1", "2", "3", "4", "5"])
    assert app.pull("acme", "queue", http=_http(queue)) == {"accepted": 5}
    assert _events(app) == [f"queue-{i}" for i in "12345"]
    assert queue.waiting == {}  # each page confirmed once kept
    cursor, after, error = _row(app)
    assert (cursor, error) == ("after-5", None)
    assert after == clock() + timedelta(seconds=30)


def test_a_crash_before_the_confirm_gives_it_again_and_makes_nothing_twice(pulled):
    app, puller, _ = pulled
    queue = Queue(["1", "2"])
    puller.fail_confirm = True
    with pytest.raises(ConnectionError):
        app.pull("acme", "queue", http=_http(queue))
    assert _events(app) == ["queue-1", "queue-2"]  # kept before the confirm failed
    assert set(queue.waiting) == {"1", "2"}  # so the platform gives them again
    puller.fail_confirm = False
    assert app.pull("acme", "queue", http=_http(queue)) == {"duplicate": 2}
    assert _events(app) == ["queue-1", "queue-2"] and queue.waiting == {}


def test_a_rate_limit_is_recorded_and_waited_out(pulled):
    app, _, clock = pulled
    queue = Queue(["1"])
    queue.limited = 1
    with pytest.raises(PlatformError, match="rate limited"):
        app.pull("acme", "queue", http=_http(queue))
    cursor, after, error = _row(app)
    assert (cursor, error) == (None, "rate limited") and after == clock() + timedelta(seconds=120)
    assert app.pull_due(http=_http(queue)) == 0  # not due before the platform's wait
    clock.advance(seconds=121)
    assert app.pull_due(http=_http(queue)) == 1
    assert _row(app)[2] is None and _events(app) == ["queue-1"]


def test_the_worker_pulls_what_is_due_and_one_worker_holds_a_connector(pulled, monkeypatch):
    app, _, clock = pulled
    with app.unit_of_work() as uow:
        assert uow.connectors.due_pulls(("queue",), clock()) == [("acme", "queue")]
        assert uow.connectors.claim_pull("acme", "queue", clock(), clock() + timedelta(minutes=5))
        assert not uow.connectors.claim_pull(
            "acme", "queue", clock(), clock() + timedelta(minutes=5)
        )
        uow.commit()
    queue = Queue(["1"])
    assert app.pull_due(http=_http(queue)) == 0  # claimed by another worker
    clock.advance(minutes=6)  # that worker died: its claim ran out
    monkeypatch.setattr(bootstrap.App, "_http", staticmethod(lambda _: nullcontext(_http(queue))))
    assert app.worker().round() >= 1  # its round asks the platforms whose time has come
    assert _events(app) == ["queue-1"] and queue.waiting == {}


def test_a_wrong_app_key_fails_by_name_and_a_pushed_platform_is_not_pulled(pulled, capsys):
    app, _, _ = pulled
    with app.unit_of_work() as uow:
        uow.connectors.configure(
            "acme", "queue", {"app_key": "wrong", "url": "https://queue.example"}
        )
        uow.commit()
    with pytest.raises(PlatformError, match="answered 401"):
        app.pull("acme", "queue", http=_http(Queue(["1"])))
    assert _row(app)[2] == "the queue answered 401"
    with pytest.raises(LookupError, match="shopify is not a platform tidings pulls"):
        app.pull("acme", "shopify")
    with pytest.raises(LookupError, match="store 'bolt' has no queue connector"):
        app.pull("bolt", "queue", http=_http(Queue([])))


def test_the_cli_keeps_the_settings_and_refuses_a_bad_one(db_url, capsys):
    from tidings.entrypoints.cli import main

    add = ["connectors", "add", "--store", "acme", "--source", "kuaidi100",
           "--secret", "s3cret-key", "--db", db_url]  # fmt: skip
    with pytest.raises(SystemExit):
        main([*add, "--setting", "no-equals-sign"])
    assert "expected NAME=VALUE, got 'no-equals-sign'" in capsys.readouterr().err
    assert main([*add, "--setting", "customer=ACME-1", "--setting", "url=https://x"]) == 0
    C = tables.connectors.c
    app = live(db_url, Clock(NOW), {"file": ScriptedProvider()})
    with app.db.connect() as conn:
        assert conn.execute(select(C.settings)).scalar() == {
            "customer": "ACME-1",
            "url": "https://x",
        }
    app.close()
    assert (
        main(["connectors", "pull", "--store", "acme", "--source", "kuaidi100", "--db", db_url])
        == 2
    )
    assert "kuaidi100 is not a platform tidings pulls" in capsys.readouterr().err
