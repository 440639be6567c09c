"""A provider's refusal is logged once, by the dispatcher that records it: the HTTP SMS and
SMTP adapters raise it and say nothing (both databases for the dispatch)."""

from __future__ import annotations

import logging
import socket

import httpx
import pytest

from helpers import Clock, at, customer, live, order, post, rounds, shipped, store
from tidings.adapters.providers.http_sms import HttpSmsProvider
from tidings.adapters.providers.smtp import SmtpProvider
from tidings.domain.delivery import Outgoing
from tidings.domain.errors import Permanent, Transient

MASKED = "+86138****8000"  # the shopper's number as logs may show it


def _sms(status: int, body: bytes) -> HttpSmsProvider:
    answer = httpx.MockTransport(lambda _: httpx.Response(status, content=body))
    client = httpx.Client(transport=answer)
    return HttpSmsProvider("sms", base_url="http://sms.test", account_sid="AC1",
                           auth_token="tok", sender="+15550001", client=client)  # fmt: skip


def _about_the_refusal(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [
        f"{r.name}: {r.getMessage()}"
        for r in caplog.records
        if r.name.startswith("tidings") and MASKED in r.getMessage()
    ]


@pytest.mark.parametrize(
    ("status", "body", "said"),
    [
        (400, b'{"code": 21211, "message": "invalid To"}', "failed"),
        (503, b"busy", "deferred"),
    ],
)
def test_an_sms_refused_is_logged_once_by_the_dispatcher(db_url, caplog, status, body, said):
    caplog.set_level(logging.INFO, logger="tidings")
    app = live(db_url, Clock(at(10)), {"sms": _sms(status, body)}, channels={"sms": "sms"})
    post(app, [store(), customer(when=at(-23)), order("o1", at(9), status="paid"),
               shipped("o1", "s1", at(10))])  # fmt: skip
    rounds(app)
    app.close()
    lines = _about_the_refusal(caplog)
    assert len(lines) == 1, lines
    assert lines[0].startswith("tidings.services.delivery: ") and said in lines[0]


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_the_smtp_adapter_raises_a_refusal_and_logs_nothing(caplog):
    caplog.set_level(logging.INFO, logger="tidings")
    mail = SmtpProvider("smtp", host="127.0.0.1", port=_closed_port(), sender="s@shop.example")
    out = Outgoing(store_id="s1", message_id="m1", channel="email", to="ana@mail.example",
                   subject="s", body="b")  # fmt: skip
    with pytest.raises(Transient):
        mail.send(out)
    mail.close()
    assert [r.getMessage() for r in caplog.records if r.name.startswith("tidings")] == []


def test_the_http_sms_adapter_raises_a_refusal_and_logs_nothing(caplog):
    caplog.set_level(logging.INFO, logger="tidings")
    sms = _sms(400, b'{"code": 21211, "message": "invalid To"}')
    out = Outgoing(store_id="s1", message_id="m1", channel="sms", to="+8613800138000", body="b")
    with pytest.raises(Permanent):
        sms.send(out)
    sms.close()
    assert [r.getMessage() for r in caplog.records if r.name.startswith("tidings")] == []
