"""Replay keeps a new message back while it is pending, and writes it once, decided (issue 15):
the messages table took each row twice (pending, then decided), the larger part of its writes.
What is kept back still reaches the database when the World is let go or the replay ends."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import select

from helpers import at, cart, customer, order, paid, replay, store
from tidings.adapters.db import tables
from tidings.adapters.db.engine import make_engine
from tidings.adapters.db.outbox import SqlOutbox

DAY = [store(), customer("c1", sms_consent=True)]
for i in range(6):
    DAY += [order(f"o{i}", at(8 + i)), cart(f"k{i}", at(9 + i, 30))]
DAY.append(paid("o3", at(12)))


def _writes(monkeypatch) -> Counter[str]:
    """How many times each message id is handed to the outbox to be written."""
    written: Counter[str] = Counter()
    write = SqlOutbox.write

    def counting(self, messages):  # type: ignore[no-untyped-def]
        written.update(m.message_id for m in messages)
        return write(self, messages)

    monkeypatch.setattr(SqlOutbox, "write", counting)
    return written


def _rows(db_url: str) -> dict[str, str]:
    engine = make_engine(db_url)
    m = tables.messages.c
    with engine.connect() as conn:
        rows = dict(conn.execute(select(m.message_id, m.status)).all())
    engine.dispose()
    return rows


def test_a_message_decided_batches_after_it_was_made_is_written_once(db_url, monkeypatch):
    written = _writes(monkeypatch)
    out = replay(db_url, DAY, batch=1)  # every event a batch of its own
    assert len(out) > 10
    assert {r["message_id"] for r in out} <= set(written)
    assert max(written.values()) == 1, [i for i, n in written.items() if n > 1]


def test_messages_still_pending_at_the_end_are_stored_pending(db_url, tmp_path):
    until = at(10, 45)  # o0's and o1's first reminders are decided, later ones are not yet
    out = replay(db_url, DAY, until=until, batch=1)
    rows = _rows(db_url)
    decided = {r["message_id"] for r in out}
    assert decided and all(rows[i] != "pending" for i in decided)
    pending = {i for i, status in rows.items() if status == "pending"}
    assert len(pending) >= 4  # o2 … o5's reminders, k1 … k5's cart reminders
    whole = replay(str(tmp_path / "whole.db"), DAY, until=until, batch=2000)
    assert _rows(str(tmp_path / "whole.db")) == rows
    assert whole == out


def test_a_world_let_go_mid_replay_writes_what_it_kept_back(db_url, tmp_path, monkeypatch):
    from tidings.services import replay as replay_service

    kept = replay(str(tmp_path / "kept.db"), DAY, batch=1)
    monkeypatch.setattr(replay_service, "WORLD_LIMIT", 3)  # let go every few batches
    forgot = replay(db_url, DAY, batch=1)
    assert forgot == kept
    assert _rows(db_url) == _rows(str(tmp_path / "kept.db"))


def test_a_batch_finds_pending_messages_whole_and_decided_ones_as_their_key(db_url):
    """What a batch asks storage for about its subjects: a decided message comes as its key
    and customer only (all a World keeps of it), a pending one whole."""
    replay(db_url, DAY, until=at(10, 45), batch=1)
    engine = make_engine(db_url)
    with engine.connect() as conn:
        found = SqlOutbox(conn).for_subjects([("acme", f"order:o{i}") for i in range(6)])
        m = tables.messages.c
        key = (m.store_id, m.journey, m.step, m.subject)
        rows = conn.execute(
            select(*key, m.customer_id, m.status, m.run_at).where(m.subject.like("order:%"))
        ).all()
    engine.dispose()
    pending = {tuple(r[:4]): r[6] for r in rows if r[5] == "pending"}
    decided = {tuple(r[:4]): r[4] for r in rows if r[5] != "pending"}
    assert pending and decided
    assert {m.key: m.run_at for m in found.pending} == pending
    assert all(m.status == "pending" and m.customer_id == "c1" for m in found.pending)
    assert found.decided == decided
