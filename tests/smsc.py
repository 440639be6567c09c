"""SMSCs on loopback for the SMPP adapter's tests.

`Smsc`            smpp34's server in a thread with its own asyncio loop, scripted by the test:
                  it accepts every submit_sm (ids msg-1, msg-2, …) unless told to refuse some,
                  records what it was sent, and pushes deliver_sm to the bound session.
`Proxy`           a TCP relay in front of it whose connections the test can cut.
(`smsc_script.ScriptedSmsc` plays a script for what smpp34's server cannot be made to do.)
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import socket
import threading
import time
from collections import deque
from collections.abc import Callable, Coroutine
from concurrent.futures import Future
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import smpp34

from gsm import read_septets
from tidings.domain.delivery import Outgoing, Receipt, Reply

HOST = "127.0.0.1"
WAIT = 5.0  # seconds a test waits for something that should come at once
NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
SHOPPER = "+8613800138000"


class FixedClock:
    def now(self) -> datetime:
        return NOW


def sms(body: str, to: str = SHOPPER, sender: str = "Acme") -> Outgoing:
    return Outgoing(store_id="s1", message_id="m1", channel="sms", to=to, body=body, sender=sender)


def reassembled(parts: list[Submitted]) -> str:
    """The text an SMSC puts back together from concatenated parts, by their headers."""
    headers = [part.udh for part in parts]
    assert all(headers), "every part carries a concatenation header"
    refs = {h[0] for h in headers if h}
    assert len(refs) == 1, f"one reference for all parts, got {refs}"
    assert sorted(h[1:] for h in headers if h) == [
        (len(parts), n) for n in range(1, 1 + len(parts))
    ]
    return "".join(part.text for part in by_part(parts))


def by_part(parts: list[Submitted]) -> list[Submitted]:
    """Parts in their text's order (the SMSC may take the parts of a window in any order)."""
    return sorted(parts, key=lambda part: part.udh[2] if part.udh else 0)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


@dataclass(frozen=True)
class Submitted:
    """A submit_sm as the SMSC saw it, and how it answered."""

    session_id: str
    source_addr: str
    source_addr_ton: int
    source_addr_npi: int
    destination_addr: str
    dest_addr_ton: int
    dest_addr_npi: int
    esm_class: int
    data_coding: int
    registered_delivery: int
    short_message: bytes
    status: int
    message_id: str | None

    @property
    def udh(self) -> tuple[int, int, int] | None:
        """(reference, total, sequence) of a concatenated part's header, None without one."""
        if not self.esm_class & 0x40:
            return None
        data = self.short_message
        assert data[:3] == b"\x05\x00\x03", data[:6].hex()
        return data[3], data[4], data[5]

    @property
    def text(self) -> str:
        """The text of this submit (without its header)."""
        body = self.short_message[6:] if self.udh else self.short_message
        return read_septets(body) if self.data_coding == 0 else body.decode("utf-16-be")


@dataclass
class Smsc:
    """smpp34's SMPP server on loopback, in a thread of its own."""

    port: int = field(default_factory=free_port)
    submits: list[Submitted] = field(default_factory=list)
    sessions: list[Any] = field(default_factory=list)  # smpp34.Esme, in bind order
    ended: list[str] = field(default_factory=list)  # session ids of the sessions that ended
    script: deque[int] = field(default_factory=deque)  # statuses for the next submits; 0: accept
    refuse_every: int = 0

    def __post_init__(self) -> None:
        self._ids = itertools.count(1)
        self._changed = threading.Condition()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)

    def start(self) -> None:
        self._thread.start()
        self._call(self._start()).result(WAIT)

    def stop(self) -> None:
        self._call(self._stop()).result(WAIT)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(WAIT)
        self._loop.close()

    def answer_next(self, *statuses: int) -> None:
        """Answer the next submits with these statuses in turn (ESME_ROK: accept)."""
        with self._changed:
            self.script.extend(statuses)

    def refuse_next(self, count: int, status: int) -> None:
        self.answer_next(*[status] * count)

    def refuse_all(self, status: int) -> None:
        self.refuse_every = status

    def wait_for(self, condition: Callable[[], object], what: str) -> None:
        with self._changed:
            assert self._changed.wait_for(condition, WAIT), f"the SMSC saw no {what}"

    def session(self) -> Any:
        """The session bound last, once there is one that has not ended."""
        self.wait_for(
            lambda: self.sessions and self.sessions[-1].session_id not in self.ended,
            "bound session",
        )
        return self.sessions[-1]

    def deliver(self, destination_addr: str, short_message: bytes, **fields: Any) -> Future[int]:
        """Push a deliver_sm to the bound session; the future has the ESME's command_status."""
        esme = self.session()

        async def push() -> int:
            resp = await esme.deliver_sm(destination_addr, short_message, **fields)
            return int(resp.command_status)

        return self._call(push())

    def deliver_until_taken(
        self, destination_addr: str, short_message: bytes, **fields: Any
    ) -> Future[list[int]]:
        """Push a deliver_sm again after each error answer, as an SMSC does (at most 5 times);
        the future has every command_status the ESME answered."""
        esme = self.session()

        async def push() -> list[int]:
            answers: list[int] = []
            while not answers or (answers[-1] != smpp34.ESME_ROK and len(answers) < 5):
                resp = await esme.deliver_sm(destination_addr, short_message, **fields)
                answers.append(int(resp.command_status))
            return answers

        return self._call(push())

    def unbind(self) -> None:
        """Ask the bound session to unbind (smpp34 waits for the answer in the background)."""
        esme = self.session()

        async def unbind() -> None:
            await esme.unbind()

        self._call(unbind())

    def _call(self, work: Coroutine[Any, Any, Any]) -> Future[Any]:
        return asyncio.run_coroutine_threadsafe(work, self._loop)

    async def _start(self) -> None:
        self._server = smpp34.Server(HOST, self.port, system_id="TESTSMSC")
        await self._server.start()
        self._serving = asyncio.ensure_future(self._serve())

    async def _stop(self) -> None:
        pending = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
        await self._server.stop()

    async def _serve(self) -> None:
        while True:
            event = await self._server.next()
            with self._changed:
                if isinstance(event, smpp34.Esme):
                    self.sessions.append(event)
                elif isinstance(event, smpp34.Unbound):
                    self.ended.append(event.session_id)
                elif isinstance(event, smpp34.SubmitSmEvent):
                    self._answer(event)
                self._changed.notify_all()

    def _answer(self, event: Any) -> None:
        status = self.script.popleft() if self.script else self.refuse_every
        message_id = None
        if status == smpp34.ESME_ROK:
            message_id = f"msg-{next(self._ids)}"
            event.accept(message_id)
        else:
            event.reject(status)
        fields = {
            name: getattr(event, name)
            for name in Submitted.__dataclass_fields__
            if name not in ("status", "message_id")
        }
        self.submits.append(Submitted(**fields, status=status, message_id=message_id))


def deliver_part(
    provider: Any,
    smsc: Smsc,
    received: list[Receipt | Reply],
    header: tuple[int, int, int],
    text: str | bytes,
    sender: str = SHOPPER,
) -> int:
    """Push one part of a long reply (UCS-2) and poll until the adapter answered it."""
    ref, total, seq = header
    data = text if isinstance(text, bytes) else text.encode("utf-16-be")
    answer = smsc.deliver(
        "Acme",
        bytes([5, 0, 3, ref, total, seq]) + data,
        source_addr=sender[1:],
        source_addr_ton=1,
        esm_class=0x40,
        data_coding=8,
    )
    deadline = time.monotonic() + WAIT
    while not answer.done() and time.monotonic() < deadline:
        provider.poll(received.append, wait=0.05)
    return answer.result(WAIT)


class Proxy:
    """A TCP relay to `port` whose connections `cut` closes, as a network or an SMSC would."""

    def __init__(self, port: int) -> None:
        self._target = port
        self._listener = socket.create_server((HOST, 0))
        self.port = int(self._listener.getsockname()[1])
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def cut(self) -> None:
        with self._lock:
            for sock in self._sockets:
                close_socket(sock)
            self._sockets.clear()

    def close(self) -> None:
        close_socket(self._listener)
        self.cut()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            server = socket.create_connection((HOST, self._target))
            with self._lock:
                self._sockets += [client, server]
            for source, sink in ((client, server), (server, client)):
                threading.Thread(target=_relay, args=(source, sink), daemon=True).start()


def _relay(source: socket.socket, sink: socket.socket) -> None:
    try:
        while data := source.recv(65536):
            sink.sendall(data)
    except OSError:
        pass
    close_socket(sink)


def close_socket(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    sock.close()
