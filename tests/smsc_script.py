"""A bare SMSC on loopback that plays a script with hand-made PDUs, for what smpp34's server
cannot be made to do: refuse a bind, send its own enquire_link, or write a deliver_sm just
before a submit_sm_resp. Its deliver_sm comes from smpp34's codec."""

from __future__ import annotations

import socket
import struct
import threading
from collections.abc import Callable
from dataclasses import dataclass

import smpp34

from smsc import HOST, WAIT, close_socket

BIND_TRANSCEIVER, BIND_TRANSCEIVER_RESP = 0x00000009, 0x80000009
SUBMIT_SM, SUBMIT_SM_RESP = 0x00000004, 0x80000004
DELIVER_SM, DELIVER_SM_RESP = 0x00000005, 0x80000005
UNBIND, UNBIND_RESP = 0x00000006, 0x80000006
ENQUIRE_LINK, ENQUIRE_LINK_RESP = 0x00000015, 0x80000015


@dataclass(frozen=True)
class Pdu:
    command_id: int
    status: int
    sequence: int
    body: bytes = b""

    def encode(self) -> bytes:
        header = struct.pack(
            ">LLLL", 16 + len(self.body), self.command_id, self.status, self.sequence
        )
        return header + self.body


def deliver_sm(sequence: int, source: str, destination: str, text: bytes) -> bytes:
    """A deliver_sm (an MO from an international number), encoded by smpp34's codec."""
    pdu = smpp34.DeliverSm(
        source, destination, text, source_addr_ton=1, source_addr_npi=1, sequence_number=sequence
    )
    return pdu.encode()


class Peer:
    """The SMSC end of one connection: read the ESME's PDUs, write hand-made ones."""

    def __init__(self, conn: socket.socket) -> None:
        self.conn = conn
        self.seen: list[Pdu] = []

    def read(self) -> Pdu | None:
        header = self._exactly(16)
        if header is None:
            return None
        length, command_id, status, sequence = struct.unpack(">LLLL", header)
        pdu = Pdu(command_id, status, sequence, self._exactly(length - 16) or b"")
        self.seen.append(pdu)
        return pdu

    def write(self, *pdus: Pdu | bytes) -> None:
        self.conn.sendall(b"".join(p.encode() if isinstance(p, Pdu) else p for p in pdus))

    def bind(self, status: int = 0) -> None:
        """Read the bind_transceiver and answer it with `status`."""
        pdu = self.read()
        assert pdu is not None and pdu.command_id == BIND_TRANSCEIVER, pdu
        self.write(Pdu(BIND_TRANSCEIVER_RESP, status, pdu.sequence, b"PEER\x00"))

    def answer_until_closed(self) -> None:
        """Answer enquire_link and unbind until the ESME closes the connection."""
        while (pdu := self.read()) is not None:
            if pdu.command_id in (ENQUIRE_LINK, UNBIND):
                self.write(Pdu(pdu.command_id | 0x80000000, 0, pdu.sequence))

    def _exactly(self, size: int) -> bytes | None:
        data = b""
        while len(data) < size:
            chunk = self.conn.recv(size - len(data))
            if not chunk:
                return None
            data += chunk
        return data


class ScriptedSmsc:
    """Accepts one connection and plays `script` on it, in a thread."""

    def __init__(self, script: Callable[[Peer], None]) -> None:
        self._listener = socket.create_server((HOST, 0))
        self.port = int(self._listener.getsockname()[1])
        self.peer: Peer | None = None
        self.failure: BaseException | None = None
        self._thread = threading.Thread(target=self._play, args=(script,), daemon=True)
        self._thread.start()

    def finish(self) -> Peer:
        """Wait for the script to end; the peer, with every PDU it read."""
        self._thread.join(WAIT)
        close_socket(self._listener)
        assert not self._thread.is_alive(), "the script did not end"
        if self.failure is not None:
            raise self.failure
        assert self.peer is not None, "nobody connected"
        return self.peer

    def _play(self, script: Callable[[Peer], None]) -> None:
        try:
            conn, _ = self._listener.accept()
            conn.settimeout(WAIT)
            with conn:
                self.peer = Peer(conn)
                script(self.peer)
        except BaseException as exc:  # handed to the test by finish()
            self.failure = exc
