"""API keys: each belongs to one store; only a hash of its secret is kept.

A key reads `tdk_<id>_<secret>`: the id finds the row, the secret's SHA-256 must match. A
rotation gives the store a new key and the old one an end (`grace` from now): both work until
then, so the seller can move every client over before the old key stops.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from tidings.domain.checks import STORE_ID
from tidings.domain.errors import Conflict, InvalidEvent
from tidings.services.ports import UnitOfWork

_KEY = re.compile(r"^tdk_([0-9a-f]{12})_([A-Za-z0-9_-]{20,64})$")


@dataclass(frozen=True)
class Holder:
    """Who a working key lets in: its store, and the key's id (its rate limit is its own)."""

    key_id: str
    store: str


@dataclass(frozen=True)
class Rotated:
    key: str  # the new key, shown this once
    old_key_id: str
    old_key_expires_at: datetime


def create(uow: UnitOfWork, store: str, label: str, at: datetime) -> str:
    """A new key of `store`, shown this once (the caller commits)."""
    if not STORE_ID.match(store):
        raise InvalidEvent("must match [a-z0-9][a-z0-9_-]{0,63}", field="store")
    key_id, secret = secrets.token_hex(6), secrets.token_urlsafe(24)
    uow.keys.add(key_id, store, _hash(secret), label, at)
    return f"tdk_{key_id}_{secret}"


def holder(uow: UnitOfWork, key: str, at: datetime) -> Holder | None:
    """Whose key this is, or None for a key that is unknown, revoked, expired or malformed."""
    match = _KEY.match(key.strip())
    if match is None:
        return None
    found = uow.keys.find(match[1], at)
    if found is None or not hmac.compare_digest(found.secret_hash, _hash(match[2])):
        return None
    return Holder(found.key_id, found.store)


def rotate(uow: UnitOfWork, key: str, grace: timedelta, at: datetime) -> Rotated | None:
    """A new key of the same store and label; the old one (given whole or as `tdk_<id>`) works
    until `at + grace`. None when there is no such working key; `Conflict` when it is being
    replaced already (its end stays: rotate the new key instead)."""
    found = uow.keys.find(_id(key), at)
    if found is None:
        return None
    until = at + grace
    if not uow.keys.expire(found.key_id, until):
        raise Conflict(f"key tdk_{found.key_id} is being replaced already; rotate its successor")
    new = create(uow, found.store, found.label, at)
    return Rotated(new, found.key_id, until)


def revoke(uow: UnitOfWork, key: str, at: datetime) -> bool:
    """Revoke a key, given whole or by its id (`tdk_<id>`); False when there is no such key."""
    return uow.keys.revoke(_id(key), at)


def _id(key: str) -> str:
    return key.strip().removeprefix("tdk_").split("_", 1)[0]


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()
