"""SMPP: texts go out as submit_sm over one transceiver bind; receipts and replies come back
as deliver_sm and are handed over by `poll`.

    send(out)     each part of the text (`sms.split`, encoded by `sms_wire`) is one submit_sm,
                  answered before the next goes; the message ids are `Accepted.refs`. When a
                  part fails transiently, the parts the SMSC took are remembered (for the
                  last `UNFINISHED_KEPT` messages): sending the same message again sends only
                  the rest, with the same reference, so the shopper's phone joins one text
                  ├─ ESME_RTHROTTLED / ESME_RMSGQFUL: sleep backoff·2^k, send the part again,
                  │  up to `throttle_retries` times, then Transient
                  ├─ the connection lost or refused: bind again once and send the part again,
                  │  then Transient; no answer within `timeout`: Transient
                  └─ any other status: Permanent or Transient (see `statuses`), naming it
    poll(handle)  hands each receipt and reply that came (or that `send` read while it waited)
                  to `handle`, and acknowledges it only once `handle` returned; when `handle`
                  raises, the SMSC is told ESME_RX_T_APPN (a temporary error: it delivers the
                  message again later) and the exception goes on. `wait` seconds: wait that
                  long at most for the first item. An SMSC that cannot be reached is Transient;
                  a session lost while polling ends the poll (logged) and is bound next time.
                  The parts of a long reply are acknowledged as they come and handed as one
                  reply once the last one came (`inbound.Reassembly`; kept in memory: a
                  worker that dies loses the parts it acknowledged)
    close()       unbinds and disconnects, quietly

The bind is made on first use, and made again on the next use after it was lost. A session
idle for `enquire_link_every` seconds is probed with an enquire_link when next used, and the
SMSC's enquire_link is answered whenever the session reads. Deliver_sm PDUs kept but not
handed when a session is lost are dropped: unacknowledged, the SMSC delivers them again.
Logs name message ids and masked numbers, never a text.
"""

from __future__ import annotations

import logging
import random
import re
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from tidings.adapters.providers.smpp.inbound import Reassembly, inbound, part_of
from tidings.adapters.providers.smpp.session import WIRE_LOG, Login, Lost, Pdu, Session
from tidings.adapters.providers.smpp.statuses import (
    ROK,
    TEMPORARY_APP_ERROR,
    THROTTLED,
    describe,
    submit_refused,
)
from tidings.domain.delivery import Accepted, Outgoing, Receipt, Reply, mask
from tidings.domain.errors import Permanent, Transient
from tidings.domain.sms_wire import WirePart, wire_parts
from tidings.services.ports import Clock

log = logging.getLogger(__name__)

Address = tuple[int, int, str]  # TON, NPI, address
_DIGITS = re.compile(r"[0-9]{1,20}")
_MAX_ALPHANUMERIC = 11
UNFINISHED_KEPT = 1000
_Sending = tuple[str, str, str, str]  # store, message id, recipient, source address


@dataclass(frozen=True, slots=True)
class _Unfinished:
    """A long text some parts of which the SMSC took before a transient failure."""

    body: str
    ref: int
    refs: tuple[str, ...]  # of the parts taken, in order


class SmppProvider:
    """A channel provider over SMPP 3.4, bound as a transceiver."""

    def __init__(
        self,
        *,
        host: str,
        port: int,
        system_id: str,
        password: str,
        source_addr: str = "",
        system_type: str = "",
        registered_delivery: bool = True,
        throttle_retries: int = 5,
        backoff: float = 0.2,
        timeout: float = 10,
        sleep: Callable[[float], None] = time.sleep,
        clock: Clock | None = None,
        monotonic: Callable[[], float] = time.monotonic,
        enquire_link_every: float = 30.0,
        name: str = "smpp",
    ) -> None:
        self.name = name
        self._login = Login(host, port, system_id, password, system_type, timeout)
        self._source = source_addr
        self._registered = 1 if registered_delivery else 0
        self._retries = throttle_retries
        self._backoff = backoff
        self._sleep = sleep
        self._now = clock.now if clock is not None else _utc_now
        self._monotonic = monotonic
        self._idle = enquire_link_every
        self._session: Session | None = None
        self._ref = random.randrange(256)
        self._unfinished: OrderedDict[_Sending, _Unfinished] = OrderedDict()
        self._parts = Reassembly()
        logging.getLogger(WIRE_LOG).setLevel(logging.INFO)  # no PDU dumps, whatever the root

    def send(self, out: Outgoing) -> Accepted:
        """Submit every part of `out`; Transient or Permanent when the SMSC did not take it."""
        if out.channel != "sms":
            raise Permanent(f"SMPP sends SMS, not {out.channel}")
        source = out.sender or self._source
        addressing = _addressing(_source(source), _destination(out.to))
        key = (out.store_id, out.message_id, out.to, source)  # an alert goes to several phones
        begun = self._unfinished.pop(key, None)
        if begun is not None and begun.body != out.body:
            begun = None  # another text now: it goes whole
        ref = begun.ref if begun is not None else self._next_ref()
        refs = begun.refs if begun is not None else ()
        try:
            parts = wire_parts(out.body, ref)
        except ValueError as exc:
            raise Permanent(str(exc)) from exc
        try:
            for part in parts[len(refs) :]:
                refs += (self._submit(part, addressing),)
        except Permanent:
            raise
        except Exception:  # tried again later: the parts taken need not go again
            if refs:
                self._keep_unfinished(key, _Unfinished(out.body, ref, refs), out.message_id)
            raise
        log.info("smpp accepted %s for %s as %s", out.message_id, mask(out.to), ",".join(refs))
        return Accepted(refs=refs)

    def poll(self, handle: Callable[[Receipt | Reply], None], *, wait: float = 0.0) -> None:
        """Hand over what has come in; with `wait`, wait up to that long for the first item."""
        deadline = self._monotonic() + wait
        try:
            session = self._bound()
        except Lost as exc:
            raise Transient(f"SMPP unreachable: {exc}") from exc
        try:
            self._keep_alive(session)
            handed = self._hand_kept(session, handle)
            while session.receive(0.0 if handed else max(0.0, deadline - self._monotonic())):
                handed = self._hand_kept(session, handle) or handed
            self._hand_overdue(handle)
        except Lost as exc:
            self._drop()
            log.warning("smpp session lost while polling (%s); bound again on next use", exc)

    def close(self) -> None:
        """Unbind and disconnect; nothing happens when there is no session."""
        self._drop()

    def _submit(self, part: WirePart, addressing: dict[str, Any]) -> str:
        fields = {
            **addressing,
            "esm_class": part.esm_class,
            "data_coding": part.data_coding,
            "short_message": part.short_message,
            "registered_delivery": self._registered,
        }
        for attempt in range(self._retries + 1):
            status, message_id = self._submit_once(fields)
            if status == ROK:
                return message_id
            if status not in THROTTLED:
                raise submit_refused(status)
            if attempt < self._retries:
                pause = self._backoff * 2**attempt
                log.info("smpp %s: sending again in %.2f s", describe(status), pause)
                self._sleep(pause)
        raise Transient(
            f"the SMSC is still throttling after {self._retries + 1} tries: {describe(status)}"
        )

    def _submit_once(self, fields: dict[str, Any]) -> tuple[int, str]:
        """Submit one part on the session, binding again once if it was lost."""
        for attempt in (1, 2):
            try:
                session = self._bound()
                self._keep_alive(session)
                return session.submit(fields)
            except Lost as exc:
                self._drop()
                if attempt == 2:
                    raise Transient(f"SMPP: {exc} (tried twice)") from exc
                log.warning("smpp session lost (%s): binding again", exc)
            except Transient:
                self._drop()
                raise
        raise AssertionError("unreachable")

    def _hand_kept(self, session: Session, handle: Callable[[Receipt | Reply], None]) -> bool:
        """Hand each kept deliver_sm over, acknowledging it after; True if any was handed."""
        handed = False
        while session.kept:
            pdu = session.kept.popleft()
            handed = self._hand(session, pdu, handle) or handed
        return handed

    def _hand(self, session: Session, pdu: Pdu, handle: Callable[[Receipt | Reply], None]) -> bool:
        item = inbound(pdu, self.name, self._now())
        whole, piece = None, None
        if isinstance(item, Reply) and (piece := part_of(pdu)) is not None:
            whole = self._parts.add(item, piece, self._monotonic())
            item = whole[1] if whole is not None else None
        if item is not None:
            try:
                handle(item)
            except BaseException:
                if whole is not None and piece is not None:
                    self._parts.failed(whole[0], piece.seq)  # it comes again
                self._refuse_quietly(session, pdu)
                raise
            _log_inbound(item)
            if whole is not None:
                self._parts.done(whole[0], self._monotonic())
        session.respond(pdu, ROK)
        return item is not None

    def _hand_overdue(self, handle: Callable[[Receipt | Reply], None]) -> None:
        """Hand over the long replies whose missing parts waited too long; one the handler
        fails on is tried again on later polls (then given up) and holds up nothing else."""
        for key, reply in self._parts.overdue(self._monotonic()):
            try:
                handle(reply)
            except Exception:
                log.warning(
                    "smpp: an unfinished long reply could not be handed over", exc_info=True
                )
                self._parts.failed(key)
                continue
            log.info(
                "smpp: a long reply from %s went without its missing parts", mask(reply.sender)
            )
            self._parts.done(key, self._monotonic())

    def _bound(self) -> Session:
        """The session, bound now if there is none; Lost when the SMSC cannot be reached."""
        if self._session is None:
            self._session = Session.bind(self._login, self._monotonic)
        return self._session

    def _keep_alive(self, session: Session) -> None:
        if self._monotonic() - session.last_traffic >= self._idle:
            session.enquire()

    def _refuse_quietly(self, session: Session, pdu: Pdu) -> None:
        """Tell the SMSC to deliver `pdu` again later; a session lost meanwhile is dropped."""
        try:
            session.respond(pdu, TEMPORARY_APP_ERROR)
        except Lost:
            self._drop()
            log.warning("smpp: session lost before a deliver_sm could be refused")

    def _drop(self) -> None:
        if self._session is not None:
            self._session.close()
            self._session = None

    def _keep_unfinished(self, key: _Sending, begun: _Unfinished, message_id: str) -> None:
        self._unfinished[key] = begun
        while len(self._unfinished) > UNFINISHED_KEPT:
            self._unfinished.popitem(last=False)
        log.info(
            "smpp: %d part(s) of %s taken; the rest go when it is sent again",
            len(begun.refs),
            message_id,
        )

    def _next_ref(self) -> int:
        self._ref = (self._ref + 1) % 256
        return self._ref


def _log_inbound(item: Receipt | Reply) -> None:
    if isinstance(item, Receipt):
        log.info("smpp receipt for %s: %s", item.ref, item.status)
    else:
        log.info("smpp reply from %s to %s", mask(item.sender), mask(item.to))


def _addressing(source: Address, destination: Address) -> dict[str, Any]:
    return {
        "source_addr_ton": source[0],
        "source_addr_npi": source[1],
        "source_addr": source[2],
        "dest_addr_ton": destination[0],
        "dest_addr_npi": destination[1],
        "destination_addr": destination[2],
    }


def _destination(to: str) -> Address:
    """An E.164 number is international (TON 1, NPI 1); other digits are of unknown type."""
    digits = to.removeprefix("+")
    if not _DIGITS.fullmatch(digits):
        raise Permanent(f"not a phone number: {mask(to)}")
    return (1, 1, digits) if to.startswith("+") else (0, 1, digits)


def _source(sender: str) -> Address:
    """A sender: none (the SMSC's default), a number, or an alphanumeric id (TON 5)."""
    if not sender:
        return (0, 0, "")
    if _DIGITS.fullmatch(sender.removeprefix("+")):
        return _destination(sender)  # a number is addressed the same either way
    if not (sender.isascii() and sender.isprintable()) or len(sender) > _MAX_ALPHANUMERIC:
        raise Permanent(f"an alphanumeric sender id is 1 to 11 ASCII characters: {sender!r}")
    return (5, 0, sender)


def _utc_now() -> datetime:
    return datetime.now(UTC)
