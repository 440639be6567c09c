"""The SMTP provider against aiosmtpd on loopback."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Iterator
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

from tidings.adapters.providers.smtp import SmtpProvider
from tidings.domain.delivery import Accepted, Outgoing
from tidings.domain.errors import Permanent, Transient


class Mailbox:
    """An aiosmtpd handler: keeps what arrives, counts greetings, refuses when told to."""

    def __init__(self) -> None:
        self.received: list[EmailMessage] = []
        self.envelopes: list[tuple[str | None, list[str]]] = []
        self.greetings = 0
        self.peers: list[SMTP] = []
        self.rcpt_answer: str | None = None
        self.data_answer: str | None = None

    async def handle_EHLO(
        self, server: SMTP, session: Session, envelope: Envelope, hostname: str, responses: Any
    ) -> Any:
        self.greetings += 1
        self.peers.append(server)
        session.host_name = hostname
        return responses

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: Any
    ) -> str:
        if self.rcpt_answer:
            return self.rcpt_answer
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        if self.data_answer:
            return self.data_answer
        assert isinstance(envelope.content, bytes)
        self.received.append(message_from_bytes(envelope.content, policy=default))
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        return "250 Message accepted for delivery"


class Server:
    """aiosmtpd in a thread on a free loopback port, stopped once however often it is asked."""

    def __init__(self, mailbox: Mailbox, **smtp: Any) -> None:
        self.mailbox = mailbox
        self.port = _free_port()
        self.controller = Controller(mailbox, hostname="127.0.0.1", port=self.port, **smtp)
        self.controller.start()
        self.running = True

    def drop_connections(self) -> None:
        """Cut every client off, as a server that restarts or times a client out does."""

        async def drop() -> None:
            for peer in self.mailbox.peers:
                if peer.transport is not None:
                    peer.transport.abort()
            await asyncio.sleep(0)  # one turn of the loop: the sockets are closed after it

        asyncio.run_coroutine_threadsafe(drop(), self.controller.loop).result(timeout=5)

    def stop(self) -> None:
        if self.running:
            self.drop_connections()
            self.controller.stop()
            self.running = False


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def server() -> Iterator[Server]:
    running = Server(Mailbox())
    yield running
    running.stop()


@pytest.fixture
def provider(server: Server) -> Iterator[SmtpProvider]:
    mail = SmtpProvider(
        "smtp", host="127.0.0.1", port=server.port, sender="小店 <shop@shop.example>"
    )
    yield mail
    mail.close()


def _out(**changes: Any) -> Outgoing:
    fields: dict[str, Any] = {
        "store_id": "s1",
        "message_id": "msg_0f1e2d",
        "channel": "email",
        "to": "ana@mail.example",
        "subject": "您的订单已发货",
        "body": "您好，\n您的包裹已经发出。\n\n谢谢！",
    }
    return Outgoing(**(fields | changes))


def test_an_email_arrives_with_both_parts_and_its_headers(server, provider):
    accepted = provider.send(_out(unsubscribe="https://shop.example/u/abc"))

    assert accepted == Accepted(refs=("<msg_0f1e2d@shop.example>",))
    [mail] = server.mailbox.received
    assert server.mailbox.envelopes == [("shop@shop.example", ["ana@mail.example"])]
    assert mail["From"] == "小店 <shop@shop.example>"
    assert mail["To"] == "ana@mail.example"
    assert mail["Subject"] == "您的订单已发货"
    assert mail["Message-ID"] == "<msg_0f1e2d@shop.example>"
    assert mail["Date"].datetime.tzinfo is not None
    assert mail["List-Unsubscribe"] == "<https://shop.example/u/abc>"
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert mail.get_content_type() == "multipart/alternative"
    text, page = mail.get_body(("plain",)), mail.get_body(("html",))
    assert text is not None and page is not None
    # Text goes in MIME's canonical form, CRLF line ends, inside its base64.
    assert text.get_content() == "您好，\r\n您的包裹已经发出。\r\n\r\n谢谢！\r\n"
    assert text["Content-Transfer-Encoding"] == "base64"
    assert "<p>您好，<br>\r\n您的包裹已经发出。<br>\r\n<br>\r\n谢谢！</p>" in page.get_content()


def test_the_html_part_is_the_message_s_own_and_no_unsubscribe_unless_asked(server, provider):
    provider.send(_out(html="<h1>Shipped</h1>", sender="Shop <news@shop.example>"))

    [mail] = server.mailbox.received
    page = mail.get_body(("html",))
    assert page is not None and page.get_content() == "<h1>Shipped</h1>\r\n"
    assert mail["From"] == "Shop <news@shop.example>"
    assert "List-Unsubscribe" not in mail and "List-Unsubscribe-Post" not in mail


@pytest.mark.parametrize("where", ["rcpt_answer", "data_answer"])
def test_a_5xx_refusal_is_permanent_with_the_server_s_words(server, provider, where):
    setattr(server.mailbox, where, "550 5.1.1 no such user")
    with pytest.raises(Permanent, match=r"^550 5\.1\.1 no such user$"):
        provider.send(_out())


@pytest.mark.parametrize("where", ["rcpt_answer", "data_answer"])
def test_a_4xx_refusal_is_transient(server, provider, where):
    setattr(server.mailbox, where, "451 4.3.0 try again later")
    with pytest.raises(Transient, match=r"^451 4\.3\.0 try again later$"):
        provider.send(_out())
    setattr(server.mailbox, where, None)
    provider.send(_out())  # the same connection carries the next try
    assert server.mailbox.greetings == 1 and len(server.mailbox.received) == 1


def test_a_server_closing_with_421_is_transient_and_the_next_send_connects_again(server, provider):
    server.mailbox.data_answer = "421 4.3.2 shutting down"
    with pytest.raises(Transient, match=r"^421 4\.3\.2 shutting down$"):
        provider.send(_out())
    server.mailbox.data_answer = None
    provider.send(_out())
    assert server.mailbox.greetings == 2 and len(server.mailbox.received) == 1


def test_two_sends_share_one_connection(server, provider):
    provider.send(_out())
    provider.send(_out(message_id="msg_2", to="bo@mail.example"))

    assert server.mailbox.greetings == 1
    assert [m["To"] for m in server.mailbox.received] == ["ana@mail.example", "bo@mail.example"]


def test_a_send_after_the_server_dropped_the_connection_still_goes(server, provider):
    provider.send(_out())
    server.drop_connections()
    provider.send(_out(message_id="msg_2"))

    assert server.mailbox.greetings == 2
    assert [m["Message-ID"] for m in server.mailbox.received] == [
        "<msg_0f1e2d@shop.example>",
        "<msg_2@shop.example>",
    ]


def test_a_stopped_server_is_transient(server, provider):
    provider.send(_out())
    server.stop()
    with pytest.raises(Transient, match="ConnectionRefusedError"):
        provider.send(_out(message_id="msg_2"))


def test_a_server_that_never_greets_is_transient():
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(1)  # the kernel takes the connection; nobody ever answers on it
        port = silent.getsockname()[1]
        mail = SmtpProvider("smtp", host="127.0.0.1", port=port, sender="s@x.example", timeout=0.2)
        with pytest.raises(Transient, match="timed out"):
            mail.send(_out())
        mail.close()


def _only_ana(server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any):
    ok = isinstance(data, LoginPassword) and (data.login, data.password) == (b"ana", b"pw")
    return AuthResult(success=ok, handled=False)  # not handled: aiosmtpd answers 235 or 535


@pytest.mark.parametrize(("password", "arrives"), [("pw", True), ("wrong", False)])
def test_login_and_a_refused_login(password, arrives):
    smtp = Server(Mailbox(), authenticator=_only_ana, auth_require_tls=False)
    mail = SmtpProvider(
        "smtp", host="127.0.0.1", port=smtp.port, sender="s@x", username="ana", password=password
    )
    try:
        if arrives:
            mail.send(_out())
        else:
            with pytest.raises(Permanent, match="authentication failed: 535"):
                mail.send(_out())
    finally:
        mail.close()
        smtp.stop()
    assert len(smtp.mailbox.received) == int(arrives)
