"""What an installation keeps for itself: the link secret it made when none was set. A
database that has one is a live store's: whatever runs on it signs with that secret."""

from __future__ import annotations

import secrets

from sqlalchemy import Engine, select

from tidings.adapters.db import tables as t
from tidings.adapters.db.outbox import insert

N = t.instance.c


def link_secret(engine: Engine) -> str:
    """This installation's own link secret: made at random the first time, then kept in the
    database, so that every worker and every restart signs links with the same key."""
    with engine.begin() as conn:
        made = {"name": "link_secret", "value": secrets.token_urlsafe(32)}
        conn.execute(insert(conn, t.instance).values(**made).on_conflict_do_nothing())
        return str(conn.execute(select(N.value).where(N.name == "link_secret")).scalar_one())


def kept_link_secret(engine: Engine) -> str | None:
    """The link secret this database keeps, if a live store made one; none is made here."""
    with engine.connect() as conn:
        found = conn.execute(select(N.value).where(N.name == "link_secret")).scalar()
        return None if found is None else str(found)
