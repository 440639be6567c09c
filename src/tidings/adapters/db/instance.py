"""What an installation keeps for itself: the link secret it made when none was set, and the
key its opt-outs are kept under. A database that has a link secret is a live store's:
whatever runs on it signs with that secret.

The opt-out key is its own, never the link secret: a seller may set or change the link secret
(after a leaked link, say), and every STOP kept under the old one would silently lapse.
"""

from __future__ import annotations

import secrets

from sqlalchemy import Connection, Engine, select
from sqlalchemy.dialects import postgresql, sqlite

from tidings.adapters.db import tables as t

N = t.instance.c
OPTOUT_KEY = "optout_key"


def link_secret(engine: Engine) -> str:
    """This installation's own link secret: made at random the first time, then kept in the
    database, so that every worker and every restart signs links with the same key."""
    with engine.begin() as conn:
        return _kept(conn, "link_secret", make=True) or ""


def optout_key(conn: Connection, make: bool) -> bytes | None:
    """The key of the opt-outs' digests, in this transaction; `make`: made at random if there
    is none yet (written with the opt-outs that need it, so both stay or both go). None: there
    is no key, so no opt-out either."""
    value = _kept(conn, OPTOUT_KEY, make)
    return value.encode() if value is not None else None


def _kept(conn: Connection, name: str, make: bool) -> str | None:
    if make:  # a concurrent maker's row wins: ON CONFLICT waits for it, then reads it
        made = {"name": name, "value": secrets.token_urlsafe(32)}
        dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
        conn.execute(dialect.insert(t.instance).values(**made).on_conflict_do_nothing())
    found = conn.execute(select(N.value).where(N.name == name)).scalar_one_or_none()
    return None if found is None else str(found)


def kept_link_secret(engine: Engine) -> str | None:
    """The link secret this database keeps, if a live store made one; none is made here."""
    with engine.connect() as conn:
        return _kept(conn, "link_secret", make=False)
