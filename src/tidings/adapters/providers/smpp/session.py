"""One bound transceiver session with an SMSC, over smpplib's socket and PDU codec.

smpplib's own loop (`read_once`, `listen`) acknowledges a deliver_sm as soon as its handler
returns; here the session only reads, and the provider acknowledges each deliver_sm once it
was handled. The session answers the SMSC's enquire_link and unbind itself.

Several threads may use one session: each submit_sm is written whole under a lock, and its
response is matched by its sequence number. One thread at a time reads the socket (whichever
waits first); what it reads for another thread is kept for it (`answers`), and the others look
after each read. A session lost wakes every thread waiting on it, with `Lost`.
"""

from __future__ import annotations

import logging
import select
import socket
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import smpplib.client
import smpplib.consts
import smpplib.exceptions
import smpplib.smpp

from tidings.adapters.providers.smpp.statuses import bind_refused
from tidings.domain.errors import Transient

log = logging.getLogger(__name__)
WIRE_LOG = "tidings.smpp.wire"  # smpplib's logger: hex dumps of PDUs (numbers, texts) at DEBUG

Pdu = Any  # smpplib's PDU objects are untyped
_QUICKACK: int | None = getattr(socket, "TCP_QUICKACK", None)  # Linux only
_SOCKET_ERRORS = (smpplib.exceptions.ConnectionError, OSError)


class Lost(Exception):
    """The session is gone: the SMSC could not be reached, closed it, or unbound."""


@dataclass(frozen=True, slots=True)
class Login:
    host: str
    port: int
    system_id: str
    password: str
    system_type: str
    timeout: float


class Session:
    """A transceiver bind; deliver_sm PDUs read while waiting for something else are kept."""

    def __init__(self, client: Any, timeout: float, monotonic: Callable[[], float]) -> None:
        self._client = client
        self._timeout = timeout
        self._monotonic = monotonic
        self.kept: deque[Pdu] = deque()
        self.answers: dict[int, tuple[int, str]] = {}  # submit_sm responses by sequence
        self.last_traffic = monotonic()
        self._bound = True  # False once the connection broke or the SMSC unbound
        self._writing = threading.Lock()
        self._turn = threading.Condition()  # who reads the socket, and what was read
        self._reading = False

    @classmethod
    def bind(cls, login: Login, monotonic: Callable[[], float]) -> Session:
        """Connect and bind as a transceiver; `Lost` if unreachable, a ProviderError if refused."""
        client = smpplib.client.Client(
            login.host,
            login.port,
            timeout=login.timeout,
            logger_name=WIRE_LOG,
            allow_unknown_opt_params=True,
        )
        try:
            client.connect()
            # No Nagle: a submit_sm written while another is unanswered would otherwise wait
            # for the SMSC's delayed ACK (40 ms on Linux) before it leaves.
            client._socket.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            client.bind_transceiver(
                system_id=login.system_id,
                password=login.password,
                system_type=login.system_type,
            )
        except smpplib.exceptions.PDUError as exc:
            _disconnect(client)
            raise bind_refused(int(exc.args[1]) if len(exc.args) > 1 else -1) from exc
        except _SOCKET_ERRORS as exc:
            _disconnect(client)
            raise Lost(f"cannot bind to {login.host}:{login.port}") from exc
        log.info("smpp bound to %s:%s as %s", login.host, login.port, login.system_id)
        return cls(client, login.timeout, monotonic)

    @property
    def gone(self) -> bool:
        return not self._bound

    def submit(self, fields: dict[str, Any]) -> tuple[int, str]:
        """Send one submit_sm and wait for its response: (command status, message id)."""
        return self.answer(self.post(fields))

    def post(self, fields: dict[str, Any]) -> int:
        """Send one submit_sm without waiting for its response; its sequence number."""
        self.drain()  # an unbind or a closed socket shows before sending
        return self._send("submit_sm", **fields)

    def answer(self, sequence: int) -> tuple[int, str]:
        """Wait for the response to submit_sm `sequence`, reading while no other thread does;
        Transient when nothing at all came within the timeout."""
        while True:
            with self._turn:
                self._turn.wait_for(lambda: not self._reading or self._settled(sequence))
                if sequence in self.answers:
                    return self.answers.pop(sequence)
                if not self._bound:
                    raise Lost("the session was lost while waiting for a submit_sm_resp")
                self._reading = True
            if not self._read_turn(self._timeout) and sequence not in self.answers:
                raise Transient(f"no submit_sm_resp within {self._timeout:g} s")

    def drain(self) -> None:
        """Read what has come already, unless another thread is reading."""
        while True:
            with self._turn:
                if self._reading:
                    return
                self._reading = True
            if not self._read_turn(0):
                return

    def receive(self, timeout: float) -> bool:
        """Read one PDU if one comes within `timeout` seconds; False when none came."""
        with self._turn:
            self._turn.wait_for(lambda: not self._reading)
            self._reading = True
        return self._read_turn(timeout)

    def respond(self, pdu: Pdu, status: int) -> None:
        """Answer a deliver_sm with `status` (ESME_ROK: handled)."""
        self._send("deliver_sm_resp", answering=pdu, status=status)

    def enquire(self) -> None:
        """Send an enquire_link (its response is read, and ignored, with the next PDUs)."""
        self._send("enquire_link")
        log.debug("smpp enquire_link sent")

    def close(self) -> None:
        """Unbind and disconnect, quietly: a session that is already gone is closed too."""
        try:
            if self._bound:
                self._send("unbind")
            while self._bound and (pdu := self._read(min(self._timeout, 2.0))) is not None:
                if pdu.command == "unbind_resp":
                    break
        except (Lost, *_SOCKET_ERRORS):
            pass
        self._lost("closed")  # threads still waiting on it learn it is gone
        _disconnect(self._client)

    def _settled(self, sequence: int) -> bool:
        return sequence in self.answers or not self._bound

    def _read_turn(self, timeout: float) -> bool:
        """Read one PDU as the one reader, then let the others look; False when none came."""
        try:
            pdu = self._read(timeout)
            if pdu is not None:
                self._keep(pdu)
            return pdu is not None
        finally:
            with self._turn:
                self._reading = False
                self._turn.notify_all()

    def _keep(self, pdu: Pdu) -> None:
        if pdu.command == "deliver_sm":
            self.kept.append(pdu)
        elif pdu.command in ("submit_sm_resp", "generic_nack") and pdu.sequence:
            answer = int(pdu.status), text_of(getattr(pdu, "message_id", None))
            with self._turn:
                self.answers[int(pdu.sequence)] = answer
        elif pdu.command not in ("enquire_link_resp", "unbind_resp"):
            log.debug("smpp %s ignored", pdu.command)

    def _read(self, timeout: float) -> Pdu | None:
        """The next PDU within `timeout` seconds, after answering the SMSC's own requests."""
        while True:
            try:
                # smpplib has no public accessor for its socket; its own poll() reads it too.
                readable, _, _ = select.select([self._client._socket], [], [], timeout)
                if not readable:
                    return None
                pdu = self._client.read_pdu()
                _ack_at_once(self._client._socket)
            except smpplib.exceptions.UnknownCommandError:
                log.warning("smpp: a PDU of an unknown command was skipped")
                continue
            except (*_SOCKET_ERRORS, ValueError, smpplib.exceptions.PDUError) as exc:
                raise self._lost("the SMSC closed the connection") from exc
            self.last_traffic = self._monotonic()
            if not self._answered(pdu):
                return pdu

    def _answered(self, pdu: Pdu) -> bool:
        """Answer enquire_link and unbind from the SMSC; True when `pdu` needs nothing more."""
        if pdu.command == "enquire_link":
            self._reply(pdu, "enquire_link_resp")
            return True
        if pdu.command == "unbind":
            self._reply(pdu, "unbind_resp")
            raise self._lost("the SMSC unbound the session")
        return False

    def _reply(self, pdu: Pdu, command: str) -> None:
        self._send(command, answering=pdu)

    def _send(self, command: str, answering: Pdu | None = None, **fields: Any) -> int:
        """Make and send one PDU (a response under the sequence of the PDU it answers); its
        sequence number. One thread writes at a time: smpplib numbers PDUs as it makes them."""
        with self._writing:
            pdu = smpplib.smpp.make_pdu(command, client=self._client, **fields)
            if answering is not None:
                pdu.sequence = answering.sequence
            self._write(pdu)
        return int(pdu.sequence)

    def _write(self, pdu: Pdu) -> None:
        try:
            self._client.send_pdu(pdu)
        except (*_SOCKET_ERRORS, smpplib.exceptions.PDUError) as exc:
            raise self._lost("the connection to the SMSC broke") from exc
        self.last_traffic = self._monotonic()

    def _lost(self, why: str) -> Lost:
        with self._turn:
            self._bound = False
            self._turn.notify_all()
        return Lost(why)


def text_of(value: bytes | str | None) -> str:
    """A C-octet string field of smpplib's (bytes, str or None) as text."""
    if isinstance(value, bytes):
        value = value.decode("latin-1")
    return (value or "").rstrip("\x00")


def _ack_at_once(sock: socket.socket) -> None:
    """Linux: acknowledge what was read at once, not 40 ms later. An SMSC that writes several
    submit_sm_resp together (a window's) would otherwise hold the second until then (Nagle)."""
    if _QUICKACK is not None:
        sock.setsockopt(socket.IPPROTO_TCP, _QUICKACK, 1)


def _disconnect(client: Any) -> None:
    try:
        client.state = smpplib.consts.SMPP_CLIENT_STATE_OPEN  # no "closed while bound" warning
        client.disconnect()
    except OSError:
        pass
