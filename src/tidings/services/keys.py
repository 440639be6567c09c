"""API keys: each belongs to one store; only a hash of its secret is kept.

A key reads `tdk_<id>_<secret>`: the id finds the row, the secret's SHA-256 must match.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from datetime import datetime

from tidings.domain.checks import STORE_ID
from tidings.domain.errors import InvalidEvent
from tidings.services.ports import UnitOfWork

_KEY = re.compile(r"^tdk_([0-9a-f]{12})_([A-Za-z0-9_-]{20,64})$")


def create(uow: UnitOfWork, store: str, label: str, at: datetime) -> str:
    """A new key of `store`, shown this once (the caller commits)."""
    if not STORE_ID.match(store):
        raise InvalidEvent("must match [a-z0-9][a-z0-9_-]{0,63}", field="store")
    key_id, secret = secrets.token_hex(6), secrets.token_urlsafe(24)
    uow.keys.add(key_id, store, _hash(secret), label, at)
    return f"tdk_{key_id}_{secret}"


def store_of(uow: UnitOfWork, key: str) -> str | None:
    """The store a key belongs to, or None for a key that is unknown, revoked or malformed."""
    match = _KEY.match(key.strip())
    if match is None:
        return None
    found = uow.keys.find(match[1])
    if found is None or not hmac.compare_digest(found[1], _hash(match[2])):
        return None
    return found[0]


def revoke(uow: UnitOfWork, key: str, at: datetime) -> bool:
    """Revoke a key, given whole or by its id (`tdk_<id>`); False when there is no such key."""
    key_id = key.strip().removeprefix("tdk_").split("_", 1)[0]
    return uow.keys.revoke(key_id, at)


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()
