"""Which secret `tidings replay` signs links and coupons with: the database's own where a live
store made one (its links could otherwise be forged by anyone who read the public one), the
fixed public one only where none ever ran, so that replay's output stays the same every run."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import select

from helpers import DAY0, at, cart, customer, lines, order, store
from tidings import bootstrap
from tidings.adapters import journeys_loader
from tidings.adapters.db import tables
from tidings.adapters.db.engine import make_engine
from tidings.config import REPLAY_SECRET, Settings
from tidings.domain.messages import link_token
from tidings.entrypoints.cli import main

DAY = [store(), customer("c1", sms_consent=True), order("o1", at(10)), cart("k1", at(11))]


def _replay(tmp_path: Path, *extra: str) -> list[dict]:
    source, out = tmp_path / "day.jsonl", tmp_path / "out.jsonl"
    source.write_text("\n".join(lines(DAY)) + "\n", encoding="utf-8")
    assert main(["replay", str(source), "--out", str(out), *extra]) == 0
    return [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]


def _signers(db_url: str) -> set[str]:
    """Which of the public secret and the database's own made each short link's token."""
    journeys = journeys_loader.catalogue(None).journeys.values()
    names = {name for j in journeys for step in j.steps for name in step.links}
    engine = make_engine(db_url)
    with engine.connect() as conn:
        kept = tables.instance.c
        own = conn.execute(select(kept.value).where(kept.name == "link_secret")).scalar()
        rows = conn.execute(select(tables.links.c.token, tables.links.c.message_id)).all()
    engine.dispose()
    secrets = {"public": REPLAY_SECRET, "own": own}
    return {
        who
        for token, mid in rows
        for who, secret in secrets.items()
        if secret and token in {link_token(secret.encode(), mid, n) for n in names}
    }


def test_a_replay_into_a_live_store_s_database_signs_with_its_secret(tmp_path, db_url):
    bootstrap.build(Settings(database_url=db_url), live=True, clock=lambda: DAY0).close()
    _replay(tmp_path, "--db", db_url)
    assert _signers(db_url) == {"own"}


def test_a_replay_into_a_database_no_live_store_ran_on_signs_with_the_public_secret(
    tmp_path, db_url
):
    _replay(tmp_path, "--db", db_url)
    assert _signers(db_url) == {"public"}
    engine = make_engine(db_url)
    kept = tables.instance.c
    with engine.connect() as conn:  # and it leaves no link secret behind
        assert conn.execute(select(kept.value).where(kept.name == "link_secret")).all() == []
    engine.dispose()
