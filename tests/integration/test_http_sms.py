"""The HTTP SMS provider against a Messages API on loopback that checks what it is sent."""

from __future__ import annotations

import base64
import json
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import httpx
import pytest

from tidings.adapters.providers.http_sms import HttpSmsProvider, build_request, parse_response
from tidings.domain.delivery import Accepted, Outgoing
from tidings.domain.errors import Permanent, Transient

SID, TOKEN = "AC0123456789abcdef0123456789abcdef", "s3cret-token"
PATH = f"/2010-04-01/Accounts/{SID}/Messages.json"
AUTH = "Basic " + base64.b64encode(f"{SID}:{TOKEN}".encode()).decode()


def _json(data: object) -> bytes:
    return json.dumps(data).encode()


class FakeMessagesApi(ThreadingHTTPServer):
    """The Messages API as far as tidings uses it: refuses a wrong path, credentials or form,
    otherwise records the form and gives the answer the test set."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.url = f"http://127.0.0.1:{self.server_address[1]}"
        self.reset()

    def reset(self) -> None:
        self.answer: tuple[int, bytes] = (201, _json({"sid": "SM0001", "status": "queued"}))
        self.forms: list[dict[str, str]] = []
        self.taken: dict[str, tuple[int, bytes]] = {}  # answers given, by Idempotency-Key
        self.stall = False
        self.release = threading.Event()


class _Handler(BaseHTTPRequestHandler):
    server: FakeMessagesApi

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        if self.path != PATH:
            return self._reply(404, _json({"code": 20404, "message": "not found"}))
        if self.headers.get("Authorization") != AUTH:
            return self._reply(401, _json({"code": 20003, "message": "Authenticate"}))
        if self.headers.get("Content-Type") != "application/x-www-form-urlencoded":
            return self._reply(415, _json({"code": 20415, "message": "form expected"}))
        form = {k: v[0] for k, v in parse_qs(body.decode(), keep_blank_values=True).items()}
        if not {"To", "From", "Body"} <= form.keys():
            return self._reply(400, _json({"code": 21604, "message": "A field is missing"}))
        key = self.headers.get("Idempotency-Key")
        if key in self.server.taken:  # the same message tried again: taken once, same answer
            return self._reply(*self.server.taken[key])
        self.server.forms.append(form)
        if key is not None and 200 <= self.server.answer[0] < 300:
            self.server.taken[key] = self.server.answer
        if self.server.stall:
            self.server.release.wait(timeout=10)  # let the client give up first
            return None
        return self._reply(*self.server.answer)

    def _reply(self, status: int, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: the test reads what it needs from the server's records."""


@pytest.fixture(scope="module")
def api_server() -> Iterator[FakeMessagesApi]:
    server = FakeMessagesApi()
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    yield server
    server.shutdown()
    thread.join()
    server.server_close()


@pytest.fixture
def api(api_server: FakeMessagesApi) -> Iterator[FakeMessagesApi]:
    api_server.reset()
    yield api_server
    api_server.release.set()


@pytest.fixture
def provider(api: FakeMessagesApi) -> Iterator[HttpSmsProvider]:
    sms = HttpSmsProvider(
        "twilio", base_url=api.url, account_sid=SID, auth_token=TOKEN, sender="+15005550006"
    )
    yield sms
    sms.close()


def _out(**changes: str) -> Outgoing:
    fields = {"store_id": "s1", "message_id": "msg_1", "channel": "sms", "to": "+8613800138000"}
    fields["body"] = "您的包裹已到达自提点 / Your parcel is ready"
    return Outgoing(**(fields | changes))


def test_a_message_goes_out_with_its_fields_and_comes_back_as_its_sid(api, provider):
    accepted = provider.send(_out(callback="https://t.example/cb?message_id=msg_1"))

    assert accepted == Accepted(refs=("SM0001",))
    assert api.forms == [
        {
            "To": "+8613800138000",
            "From": "+15005550006",
            "Body": "您的包裹已到达自提点 / Your parcel is ready",
            "StatusCallback": "https://t.example/cb?message_id=msg_1",
        }
    ]


def test_the_message_sender_wins_and_the_default_callback_is_used(api):
    sms = HttpSmsProvider(
        "twilio",
        base_url=api.url + "/",
        account_sid=SID,
        auth_token=TOKEN,
        sender="+15005550006",
        status_callback="https://t.example/cb",
    )
    with httpx.Client() as client:
        injected = HttpSmsProvider(
            "t2", base_url=api.url, account_sid=SID, auth_token=TOKEN, client=client
        )
        sms.send(_out(sender="TIDINGS"))
        injected.send(_out(message_id="msg_2", sender="+15005550007"))
        injected.close()
        assert not client.is_closed  # the owner of an injected client closes it
    sms.close()

    assert [f["From"] for f in api.forms] == ["TIDINGS", "+15005550007"]
    assert api.forms[0]["StatusCallback"] == "https://t.example/cb"
    assert "StatusCallback" not in api.forms[1]


def test_an_invalid_number_is_permanent_with_twilio_s_code_and_message(api, provider):
    message = "The 'To' number +8613800138000 is not a valid phone number."
    api.answer = (400, _json({"code": 21211, "message": message, "status": 400}))

    with pytest.raises(Permanent) as caught:
        provider.send(_out())

    text = str(caught.value)
    assert text.startswith("21211: The 'To' number +86138****8000 is not a valid phone number")
    assert "13800138000" not in text  # the number is masked in the recorded reason


def test_wrong_credentials_are_permanent(api):
    sms = HttpSmsProvider("t", base_url=api.url, account_sid=SID, auth_token="wrong", sender="x")
    with pytest.raises(Permanent, match="20003: Authenticate"):
        sms.send(_out())
    sms.close()
    assert api.forms == []


@pytest.mark.parametrize(
    ("status", "body", "says"),
    [
        (429, _json({"code": 20429, "message": "Too Many Requests"}), "20429: Too Many Requests"),
        (500, b"", "HTTP 500"),
        (503, b"<html>down</html>", "HTTP 503: '<html>down</html>'"),
        (201, b"<html>not json</html>", "not JSON"),
        (201, _json(["SM1"]), "not an object"),
        (200, _json({"status": "queued"}), "no 'sid'"),
    ],
)
def test_a_busy_or_broken_service_is_transient(api, provider, status, body, says):
    api.answer = (status, body)
    with pytest.raises(Transient) as caught:
        provider.send(_out())
    assert says in str(caught.value)


def test_a_closed_port_is_transient():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    sms = HttpSmsProvider(
        "t", base_url=f"http://127.0.0.1:{port}", account_sid=SID, auth_token=TOKEN, sender="x"
    )
    with pytest.raises(Transient, match="ConnectError"):
        sms.send(_out())
    sms.close()


def test_no_answer_in_time_is_transient(api):
    api.stall = True
    sms = HttpSmsProvider(
        "t", base_url=api.url, account_sid=SID, auth_token=TOKEN, sender="x", timeout=0.2
    )
    with pytest.raises(Transient, match=r"no answer within 0\.2 s"):
        sms.send(_out())
    sms.close()
    assert len(api.forms) == 1  # it did arrive: the answer is what never came


def test_a_message_tried_again_after_no_answer_is_taken_once(api):
    """The worker cannot know whether a message with no answer went: it tries it again, and a
    provider that honours Idempotency-Key takes it as the same message."""
    api.stall = True
    sms = HttpSmsProvider(
        "t", base_url=api.url, account_sid=SID, auth_token=TOKEN, sender="x", timeout=0.2
    )
    with pytest.raises(Transient):
        sms.send(_out())
    api.stall = False
    assert sms.send(_out()) == Accepted(refs=("SM0001",))
    assert sms.send(_out(to="+8613800138001")) == Accepted(refs=("SM0001",))
    sms.close()
    assert [f["To"] for f in api.forms] == ["+8613800138000", "+8613800138001"]


def test_the_idempotency_key_is_the_message_and_recipient_s_own():
    def key(**changes: str) -> str:
        request = build_request(
            _out(**changes), base_url="https://x", account_sid=SID, auth_token=TOKEN, sender="S"
        )
        return request.headers["Idempotency-Key"]

    assert key() == key(body="another text, the same message")
    assert len({key(), key(to="+8613800138001"), key(message_id="msg_2")}) == 3
    assert key().startswith("msg_1:") and "13800138000" not in key()


def test_the_request_is_built_without_io():
    request = build_request(
        _out(), base_url="https://api.example/", account_sid="AC/1", auth_token="t", sender="S"
    )
    assert (request.method, request.url) == (
        "POST",
        "https://api.example/2010-04-01/Accounts/AC%2F1/Messages.json",
    )
    assert request.auth == ("AC/1", "t")
    assert repr(request) == f"Request(method='POST', url='{request.url}')"  # no phone, no token


def test_a_message_with_no_sender_anywhere_is_permanent_before_any_call():
    with pytest.raises(Permanent, match="no sender"):
        build_request(_out(), base_url="https://x", account_sid=SID, auth_token=TOKEN)


def test_other_answers_are_read_without_io():
    assert parse_response(201, _json({"sid": "SM9"})) == Accepted(refs=("SM9",))
    assert isinstance(parse_response(404, b"{}"), Permanent)
    assert isinstance(parse_response(302, b""), Transient)
