"""Passwords hashed with Argon2id (argon2-cffi's defaults, RFC 9106's second choice): a hash
costs memory as well as time, so a stolen table is slow to guess from."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError


class Argon2Passwords:
    def __init__(self, time_cost: int = 3, memory_cost: int = 65536, parallelism: int = 4) -> None:
        """argon2-cffi's default costs (64 MiB, 3 passes); tests make them cheap."""
        self._hasher = PasswordHasher(time_cost, memory_cost, parallelism)

    def hash(self, password: str) -> str:
        return self._hasher.hash(password)

    def verify(self, hashed: str, password: str) -> bool:
        try:
            return self._hasher.verify(hashed, password)
        except (VerificationError, InvalidHashError):
            return False
