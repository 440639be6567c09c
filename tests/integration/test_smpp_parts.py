"""What the SMPP provider keeps across a worker's restart, in the database: the parts of a long
text the SMSC took, and the parts of a shopper's long reply acknowledged to it; and the
receipts that waited a week for a message never recorded, which the worker forgets."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
import smpp34
from sqlalchemy import Engine, Table, select

from fakes_providers import ScriptedProvider
from helpers import Clock, at, live
from smsc import NOW, SHOPPER, WAIT, Smsc, by_part, deliver_part, reassembled, sms
from tidings.adapters.db import tables
from tidings.adapters.db.engine import make_engine
from tidings.adapters.db.migrate import upgrade
from tidings.adapters.db.smpp_parts import SqlSmppParts
from tidings.adapters.providers.smpp import SmppProvider
from tidings.adapters.providers.smpp.inbound import PART_WAIT
from tidings.adapters.providers.smpp.kept import MemoryParts, ReplyPart
from tidings.domain.delivery import Receipt, Reply
from tidings.domain.errors import Permanent, Transient

pytest_plugins = ("smpp_fixtures",)
LONG = ("Your parcel is on its way. " * 15)[:400]  # three parts


@pytest.fixture
def db(db_url: str) -> Iterator[Engine]:
    engine = make_engine(db_url)
    upgrade(engine)
    yield engine
    engine.dispose()


def rows(db: Engine, table: Table) -> list[dict[str, Any]]:
    with db.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(select(table))]


def worker_provider(connect: Callable[..., SmppProvider], db: Engine, **settings: Any) -> Any:
    """A provider as a worker makes it: its parts kept in the database."""
    return connect(kept=SqlSmppParts(db, "smpp"), **settings)


def test_a_restarted_worker_sends_only_the_parts_not_yet_taken(
    db: Engine, connect: Callable[..., SmppProvider], smsc: Smsc
) -> None:
    smsc.answer_next(smpp34.ESME_ROK, smpp34.ESME_RSYSERR)
    with pytest.raises(Transient):
        worker_provider(connect, db).send(sms(LONG))  # that worker dies here
    assert len(rows(db, tables.smpp_parts_taken)) == 2

    accepted = worker_provider(connect, db).send(sms(LONG))  # another one sends it again

    assert [s.status for s in smsc.submits] == [0, smpp34.ESME_RSYSERR, 0, 0]
    taken = by_part([s for s in smsc.submits if s.status == smpp34.ESME_ROK])
    assert accepted.refs == tuple(s.message_id for s in taken)
    assert reassembled(taken) == LONG
    assert len({s.udh[0] for s in taken if s.udh}) == 1  # one reference: one text on the phone
    assert rows(db, tables.smpp_parts_taken) == []  # every part taken: nothing kept


def test_a_permanent_failure_forgets_the_parts_taken(
    db: Engine, connect: Callable[..., SmppProvider], smsc: Smsc
) -> None:
    smsc.answer_next(smpp34.ESME_ROK, smpp34.ESME_RINVDSTADR)
    with pytest.raises(Permanent):
        worker_provider(connect, db).send(sms(LONG))

    assert rows(db, tables.smpp_parts_taken) == []


def test_parts_taken_of_a_text_never_sent_again_are_forgotten_after_a_week(
    db: Engine, connect: Callable[..., SmppProvider], smsc: Smsc
) -> None:
    smsc.answer_next(smpp34.ESME_ROK, smpp34.ESME_RSYSERR)
    kept = SqlSmppParts(db, "smpp")
    with pytest.raises(Transient):
        connect(kept=kept).send(sms(LONG))
    kept.forget_taken(NOW)
    assert len(rows(db, tables.smpp_parts_taken)) == 2  # taken at NOW: not before it

    class WeekLater:
        def now(self) -> Any:
            return NOW + timedelta(days=7, seconds=1)

    connect(kept=kept, clock=WeekLater()).poll(lambda item: None)  # a worker starts

    assert rows(db, tables.smpp_parts_taken) == []


def test_a_restarted_worker_joins_a_long_reply_with_the_parts_acknowledged_before(
    db: Engine, connect: Callable[..., SmppProvider], smsc: Smsc
) -> None:
    received: list[Receipt | Reply] = []
    first = worker_provider(connect, db)
    first.poll(received.append)  # binds
    assert deliver_part(first, smsc, received, (77, 2, 1), "退") == smpp34.ESME_ROK
    first.close()  # the worker stops; the SMSC will not deliver that part again

    again = worker_provider(connect, db)
    again.poll(received.append)
    smsc.wait_for(lambda: len(smsc.sessions) == 2, "second bind")  # deliver to that one
    assert deliver_part(again, smsc, received, (77, 2, 2), "订") == smpp34.ESME_ROK

    assert received == [Reply("smpp", SHOPPER, "Acme", "退订", NOW)]
    (handed,) = rows(db, tables.smpp_reply_parts)
    assert (handed["concat_ref"], handed["part"]) == (77, 0)  # it went: remembered, no data


def test_a_part_delivered_again_after_a_restart_is_no_reply_of_its_own(
    db: Engine, connect: Callable[..., SmppProvider], smsc: Smsc
) -> None:
    received: list[Receipt | Reply] = []
    first = worker_provider(connect, db)
    first.poll(received.append)
    for seq, text in ((1, "退"), (2, "订")):
        deliver_part(first, smsc, received, (78, 2, seq), text)
    first.close()

    now = [0.0]
    again = worker_provider(connect, db, monotonic=lambda: now[0])
    again.poll(received.append)
    smsc.wait_for(lambda: len(smsc.sessions) == 2, "second bind")
    assert deliver_part(again, smsc, received, (78, 2, 2), "订") == smpp34.ESME_ROK
    now[0] = PART_WAIT + 1
    again.poll(received.append)

    assert [r.text for r in received if isinstance(r, Reply)] == ["退订"]


def test_the_worker_forgets_receipts_that_waited_a_week_for_their_message(db_url: str) -> None:
    clock = Clock(at(10))
    app = live(db_url, clock, {"file": ScriptedProvider()})
    worker = app.worker()
    worker.take(Receipt("smpp", "msg-old", "delivered", clock()))  # no message recorded
    clock.advance(days=6)
    worker.take(Receipt("smpp", "msg-new", "delivered", clock()))
    clock.advance(days=1, seconds=1)

    worker.round()

    assert [r["ref"] for r in rows(app.db, tables.receipts_waiting)] == ["msg-new"]
    app.close()


def test_the_worker_looks_for_old_receipts_once_an_hour(db_url: str) -> None:
    clock = Clock(at(10))
    app = live(db_url, clock, {"file": ScriptedProvider()})
    worker = app.worker()
    worker.round()
    worker.take(Receipt("smpp", "msg-old", "delivered", clock() - timedelta(days=8)))

    worker.round()
    kept = len(rows(app.db, tables.receipts_waiting))
    clock.advance(hours=1)
    worker.round()

    assert (kept, len(rows(app.db, tables.receipts_waiting))) == (1, 0)
    app.close()


def test_a_reply_part_that_could_not_be_kept_is_refused_and_comes_again(
    connect: Callable[..., SmppProvider], smsc: Smsc
) -> None:
    class Away(MemoryParts):
        def keep_part(self, part: ReplyPart) -> None:
            raise RuntimeError("database is away")

    provider = connect(kept=Away())
    provider.poll(lambda item: None)
    answer = smsc.deliver(
        "Acme", bytes([5, 0, 3, 79, 2, 1]) + "退".encode("utf-16-be"),
        source_addr=SHOPPER[1:], source_addr_ton=1, esm_class=0x40, data_coding=8,
    )  # fmt: skip

    with pytest.raises(RuntimeError, match="database is away"):
        provider.poll(lambda item: None, wait=WAIT)

    assert answer.result(WAIT) == 0x64  # ESME_RX_T_APPN: the SMSC delivers it again later
