"""SMPP: texts go out as submit_sm over one transceiver bind; receipts and replies come back
as deliver_sm and are handed over by `poll`.

    send(out)     each part of the text (`sms.split`, encoded by `sms_wire`) is one submit_sm;
                  up to `window` submit_sm are outstanding on the bind at once, whether parts
                  of one text or of texts other threads send meanwhile, and each response is
                  matched by its sequence number. The message ids are `Accepted.refs`, in the
                  parts' order. Each part of a long text taken is kept (`kept.PartsKept`: in
                  the database for a live worker) until all were: sending the same message
                  again, after a failure or a restart, sends only the rest, with the same
                  reference, so the shopper's phone joins one text
                  ├─ ESME_RTHROTTLED / ESME_RMSGQFUL: the window halves (`window.Window`;
                  │  it widens again as parts are taken), and the part goes again after
                  │  backoff·2^k, up to `throttle_retries` times, then Transient
                  ├─ the connection lost or refused: bind again once and send the parts not
                  │  answered again, then Transient; no answer within `timeout`: Transient
                  └─ any other status: Permanent or Transient (see `statuses`), naming it
    poll(handle)  hands each receipt and reply that came (or that `send` read while it waited)
                  to `handle`, and acknowledges it only once `handle` returned; when `handle`
                  raises, the SMSC is told ESME_RX_T_APPN (a temporary error: it delivers the
                  message again later) and the exception goes on. `wait` seconds: wait that
                  long at most for the first item. An SMSC that cannot be reached is Transient;
                  a session lost while polling ends the poll (logged) and is bound next time.
                  The parts of a long reply are kept as they come, then acknowledged, and
                  handed as one reply once the last one came (`inbound.Reassembly`)
    close()       unbinds and disconnects, quietly

The bind is made on first use, and made again on the next use after it was lost. A session
idle for `enquire_link_every` seconds is probed with an enquire_link when next used, and the
SMSC's enquire_link is answered whenever the session reads. Deliver_sm PDUs kept but not
handed when a session is lost are dropped: unacknowledged, the SMSC delivers them again.
Logs name message ids and masked numbers, never a text.
"""

from __future__ import annotations

import hashlib
import logging
import random
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from tidings.adapters.providers.smpp.addresses import addressing, destination, source
from tidings.adapters.providers.smpp.inbound import Reassembly, inbound, part_of
from tidings.adapters.providers.smpp.kept import (
    KEPT_FOR_DAYS,
    MemoryParts,
    PartsKept,
    Sending,
    Taken,
)
from tidings.adapters.providers.smpp.sending import Link, Submission
from tidings.adapters.providers.smpp.session import WIRE_LOG, Login, Lost, Pdu, Session
from tidings.adapters.providers.smpp.statuses import (
    ROK,
    TEMPORARY_APP_ERROR,
)
from tidings.adapters.providers.smpp.window import DEFAULT_WINDOW, Window
from tidings.domain.delivery import Accepted, Outgoing, Receipt, Reply, mask
from tidings.domain.errors import Permanent, Transient
from tidings.domain.sms_wire import WirePart, wire_parts
from tidings.services.ports import Clock

log = logging.getLogger(__name__)


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
        window: int = DEFAULT_WINDOW,
        kept: PartsKept | None = None,
        name: str = "smpp",
    ) -> None:
        self.name = name
        self._login = Login(host, port, system_id, password, system_type, timeout)
        self._source = source_addr
        self._registered = 1 if registered_delivery else 0
        self._now = clock.now if clock is not None else _utc_now
        self._monotonic = monotonic
        self._idle = enquire_link_every
        self._session: Session | None = None
        self._binding = threading.Lock()
        self._window = Window(window)
        self._link = Link(self._window, self._ready, self._drop, throttle_retries, backoff, sleep)
        self._ref = random.randrange(256)
        self._kept: PartsKept = kept if kept is not None else MemoryParts()
        self._parts = Reassembly(kept=self._kept)
        self._taken_up = False  # what was kept before this provider began, taken up
        logging.getLogger(WIRE_LOG).setLevel(logging.INFO)  # no PDU dumps, whatever the root

    @property
    def window(self) -> Window:
        return self._window

    @property
    def concurrent(self) -> int:
        """Sends the dispatcher may hand over at once, from as many threads: the window."""
        return self._window.most

    def send(self, out: Outgoing) -> Accepted:
        """Submit every part of `out`; Transient or Permanent when the SMSC did not take it."""
        if out.channel != "sms":
            raise Permanent(f"SMPP sends SMS, not {out.channel}")
        sender = out.sender or self._source
        fields = addressing(source(sender), destination(out.to))
        key = (out.store_id, out.message_id, out.to)  # an alert goes to several phones
        taken = self._begun(key, sender, out.body)
        try:
            parts = wire_parts(out.body, taken.ref)
        except ValueError as exc:
            raise Permanent(str(exc)) from exc
        todo = [(i, self._fields(p, fields)) for i, p in enumerate(parts) if i not in taken.refs]
        try:
            taking = lambda i, ref: self._taken(key, taken, i, ref, len(parts))  # noqa: E731
            Submission(self._link, taking).run(todo)
        except Permanent:
            self._kept.sent(key) if len(parts) > 1 else None
            raise
        except Exception:
            if taken.refs:  # tried again later: the parts taken need not go again
                log.info("smpp: %d part(s) of %s taken", len(taken.refs), out.message_id)
            raise
        if len(parts) > 1:
            self._kept.sent(key)
        refs = tuple(taken.refs[i] for i in range(len(parts)))
        log.info("smpp accepted %s for %s as %s", out.message_id, mask(out.to), ",".join(refs))
        return Accepted(refs=refs)

    def poll(self, handle: Callable[[Receipt | Reply], None], *, wait: float = 0.0) -> None:
        """Hand over what has come in; with `wait`, wait up to that long for the first item."""
        deadline = self._monotonic() + wait
        try:
            session = self._bound()
        except Lost as exc:
            raise Transient(f"SMPP unreachable: {exc}") from exc
        self._take_up()
        try:
            self._keep_alive(session)
            handed = self._hand_kept(session, handle)
            while session.receive(0.0 if handed else max(0.0, deadline - self._monotonic())):
                handed = self._hand_kept(session, handle) or handed
            self._hand_overdue(handle)
        except Lost as exc:
            self._drop(session)
            log.warning("smpp session lost while polling (%s); bound again on next use", exc)

    def close(self) -> None:
        """Unbind and disconnect; nothing happens when there is no session."""
        self._drop(self._session)

    def _begun(self, key: Sending, sender: str, body: str) -> Taken:
        """The parts of this text taken before (none for another text under the same key)."""
        digest = hashlib.sha256(body.encode()).hexdigest()[:32]
        begun = self._kept.taken(key)
        if begun is not None and (begun.source, begun.digest) == (sender, digest):
            return Taken(sender, digest, begun.ref, dict(begun.refs))
        if begun is not None:
            self._kept.sent(key)  # another text now: it goes whole
        return Taken(sender, digest, self._next_ref(), {})

    def _taken(self, key: Sending, taken: Taken, index: int, ref: str, parts: int) -> None:
        taken.refs[index] = ref
        if parts > 1:
            self._kept.take(key, taken, index, self._now())

    def _fields(self, part: WirePart, addressed: dict[str, Any]) -> dict[str, Any]:
        return {
            **addressed,
            "esm_class": part.esm_class,
            "data_coding": part.data_coding,
            "short_message": part.short_message,
            "registered_delivery": self._registered,
        }

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
            try:
                whole = self._parts.add(item, piece, self._monotonic())  # kept, then answered
            except BaseException:
                self._refuse_quietly(session, pdu)  # not kept: the SMSC delivers it again
                raise
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
                self._parts.done(whole[0], self._monotonic(), self._now())
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
            self._parts.done(key, self._monotonic(), self._now())

    def _bound(self) -> Session:
        """The session, bound now if there is none; Lost when the SMSC cannot be reached."""
        with self._binding:
            if self._session is None or self._session.gone:
                self._session = Session.bind(self._login, self._monotonic)
            return self._session

    def _ready(self) -> Session:
        """The session, bound if need be and probed when it was idle."""
        session = self._bound()
        self._keep_alive(session)
        return session

    def _take_up(self) -> None:
        """Once: the reply parts kept before this provider began, and the parts taken of
        texts not sent again for a week forgotten."""
        if self._taken_up:
            return
        self._parts.restore(self.name, self._monotonic(), self._now())
        self._kept.forget_taken(self._now() - timedelta(days=KEPT_FOR_DAYS))
        self._taken_up = True

    def _keep_alive(self, session: Session) -> None:
        if self._monotonic() - session.last_traffic >= self._idle:
            session.enquire()

    def _refuse_quietly(self, session: Session, pdu: Pdu) -> None:
        """Tell the SMSC to deliver `pdu` again later; a session lost meanwhile is dropped."""
        try:
            session.respond(pdu, TEMPORARY_APP_ERROR)
        except Lost:
            self._drop(session)
            log.warning("smpp: session lost before a deliver_sm could be refused")

    def _drop(self, session: Session | None) -> None:
        """Close `session`; it is no longer the provider's (one another thread bound stays)."""
        with self._binding:
            if session is None:
                return
            if self._session is session:
                self._session = None
        session.close()

    def _next_ref(self) -> int:
        self._ref = (self._ref + 1) % 256
        return self._ref


def _log_inbound(item: Receipt | Reply) -> None:
    if isinstance(item, Receipt):
        log.info("smpp receipt for %s: %s", item.ref, item.status)
    else:
        log.info("smpp reply from %s to %s", mask(item.sender), mask(item.to))


def _utc_now() -> datetime:
    return datetime.now(UTC)
