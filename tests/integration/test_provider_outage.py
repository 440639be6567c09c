"""An SMS provider down for an hour and back, on a clock the test moves: first its port
refuses connections, then it takes them and answers nothing past the client's timeout, then
it answers 503, then it takes messages again. Nothing is lost: the backlog goes in the order
its messages were decided, within the provider's rate, and the messages it held past
`max_age_hours` are `expired`, as the messages list shows."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from itertools import pairwise
from urllib.parse import parse_qs

import pytest
from sqlalchemy import select

from helpers import Clock, at, customer, live, order, post, shipped, store
from tidings.adapters.db import tables as t
from tidings.services.ports import MessageFilter
from tidings.services.routing import RateLimit

START = at(10)
REFUSED, HANGS, FAILS, BACK = (START + timedelta(minutes=m) for m in (0, 15, 30, 60))
RATE = 2.0  # messages a second
MAX_AGE = timedelta(minutes=45)
CAP = timedelta(minutes=10)  # the retry policy's longest wait (the default)
SID = "AC0123456789abcdef0123456789abcdef"
PHONES = [f"+86138001380{i:02d}" for i in range(6)]


class Outage:
    """A Messages API whose answer follows the test's clock through the outage; it records
    when (on that clock) it took each message, and for whom."""

    def __init__(self, clock: Clock) -> None:
        self.clock, self.port = clock, 0
        self.taken: list[tuple[datetime, str]] = []
        self.release = threading.Event()
        self.server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def follow(self) -> None:
        """Listen, or not, as the outage's phase wants at the clock's time."""
        refusing = self.clock() < HANGS
        if refusing and self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None
        elif not refusing and self.server is None:
            self.server = ThreadingHTTPServer(("127.0.0.1", self.port), _handler(self))
            self.server.daemon_threads = True
            threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def answer(self, to: str) -> tuple[int, bytes] | None:
        now = self.clock()
        if now < FAILS:
            return None  # hang past the client's timeout
        if now < BACK:
            return 503, b'{"code": 20503, "message": "Service unavailable"}'
        self.taken.append((now, to))
        return 201, f'{{"sid": "SM{len(self.taken):04d}", "status": "queued"}}'.encode()


def _handler(outage: Outage) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            to = parse_qs(body.decode())["To"][0]
            answer = outage.answer(to)
            if answer is None:
                outage.release.wait(timeout=5)
                return
            self.send_response(answer[0])
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(answer[1])))
            self.end_headers()
            self.wfile.write(answer[1])

        def log_message(self, *_: object) -> None:
            pass

    return Handler


@pytest.fixture
def outage() -> Iterator[Outage]:
    clock = Clock(START)
    found = ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
    port = found.server_address[1]
    found.server_close()  # a free port, refusing until the outage's second phase
    api = Outage(clock)
    api.port = port
    yield api
    api.release.set()
    if api.server is not None:
        api.server.shutdown()
        api.server.server_close()


def _day() -> list[tuple[datetime, dict]]:  # type: ignore[type-arg]
    """Six paid orders, one shipped every ten minutes from the outage's start."""
    first = [store(), *(customer(f"c{i}", phone=p, when=at(-23)) for i, p in enumerate(PHONES))]
    first += [order(f"o{i}", at(9), cid=f"c{i}", status="paid") for i in range(6)]
    out = [(at(-24), e) for e in first]
    for i in range(6):
        when = START + timedelta(minutes=10 * i)
        out.append((when, shipped(f"o{i}", f"s{i}", when)))
    return out


def _deliveries(app) -> dict[str, tuple[str, datetime]]:  # type: ignore[no-untyped-def]
    """Each recipient's delivery state, and when its message was decided."""
    d, m = t.deliveries.c, t.messages.c
    query = select(d.recipient, d.state, m.decided_at).join(
        t.messages, (m.store_id == d.store_id) & (m.message_id == d.message_id)
    )
    with app.db.connect() as conn:
        return {to: (state, decided) for to, state, decided in conn.execute(query)}


def test_a_provider_down_for_an_hour_loses_nothing_and_sends_its_backlog_in_order(
    db_url: str, outage: Outage
) -> None:
    clock = outage.clock
    twilio = {"type": "http_sms", "base_url": outage.url, "account_sid": SID,
              "auth_token": "tok", "sender": "+15550100", "timeout": 0.2, "rate": RATE}  # fmt: skip
    app = live(db_url, clock, providers={"twilio": twilio}, channels={"sms": "twilio"},
               max_age_hours=MAX_AGE / timedelta(hours=1))  # fmt: skip
    virtual = {"now": 0.0}

    def sleep(seconds: float) -> None:  # the rate limit's waits move the test's clock
        virtual["now"] += seconds
        clock.advance(seconds=seconds)

    app.dispatcher.limits = {"twilio": RateLimit(RATE, lambda: virtual["now"], sleep)}
    worker, events = app.worker(), _day()
    while clock() < BACK + timedelta(minutes=15):
        outage.follow()
        post(app, [e for when, e in events if when <= clock()])
        events = [(when, e) for when, e in events if when > clock()]
        for _ in range(10):
            if not worker.round():
                break
        clock.advance(minutes=1)

    states = _deliveries(app)
    sent = [to for _, to in outage.taken]
    assert sorted(states) == PHONES  # every message has its delivery
    assert {to for to, (state, _) in states.items() if state != "expired"} == set(sent)
    assert {state for state, _ in states.values()} == {"accepted", "expired"}
    assert len(sent) == len(set(sent))  # each went once
    assert sent == sorted(sent, key=lambda to: states[to][1])  # in the order decided
    times = [when for when, _ in outage.taken]
    assert all(b - a >= timedelta(seconds=1 / RATE) for a, b in pairwise(times))
    assert times[0] >= BACK
    expired = {to for to, (state, _) in states.items() if state == "expired"}
    assert expired == set(PHONES[:3])
    # a message expires when its next try would come too late: at most a retry's cap early
    assert all(times[0] - states[to][1] > MAX_AGE - CAP for to in expired)
    assert all(when - states[to][1] <= MAX_AGE for when, to in outage.taken)
    with app.unit_of_work() as uow:
        listed = uow.read.messages("acme", MessageFilter(status="expired"), None, 50)
    assert sorted(m.recipient or "" for m in listed) == sorted(expired)
    app.close()
