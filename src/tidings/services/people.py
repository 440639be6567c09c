"""The console's people: users of one store each, their sessions, and failed sign-ins.

The rule: a password is kept only as its memory-hard hash and a session only as the SHA-256
of its id, so the database alone signs no one in. A user belongs to one store; an email names
one user. Sign-in is refused without looking at the password while its email or its client is
blocked: after FREE_FAILURES failures in a row (none more than WINDOW apart) each further one
blocks for twice as long as the one before, from FIRST_BLOCK up to LONGEST_BLOCK (waiting out
a block does not start the count again).
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from types import TracebackType
from typing import Literal, Protocol

from tidings.domain.checks import STORE_ID
from tidings.domain.errors import TidingsError

Role = Literal["owner", "staff"]
ROLES: tuple[Role, ...] = ("owner", "staff")
SESSION_LIFE = timedelta(hours=12)
FREE_FAILURES = 5
WINDOW = timedelta(minutes=15)
FIRST_BLOCK = timedelta(seconds=30)
LONGEST_BLOCK = timedelta(hours=1)
SHORTEST_PASSWORD = 10
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$")


class InvalidUser(TidingsError):
    """A user that cannot be made: a bad store id, email, role or password."""


@dataclass(frozen=True)
class User:
    store_id: str
    email: str
    role: Role
    created_at: datetime


@dataclass(frozen=True)
class Session:
    """Who is signed in, and the CSRF token their forms carry."""

    store_id: str
    email: str
    role: Role
    csrf: str
    expires_at: datetime


@dataclass(frozen=True)
class Failures:
    count: int
    last_at: datetime
    blocked_until: datetime | None


@dataclass(frozen=True)
class SignIn:
    """A session id for the cookie, or none; `wait` when the attempt was not even tried."""

    session_id: str | None = None
    wait: timedelta | None = None


class Passwords(Protocol):
    def hash(self, password: str) -> str: ...

    def verify(self, hashed: str, password: str) -> bool: ...


class PeopleRepo(Protocol):
    def add_user(self, user: User, password_hash: str) -> None: ...

    def users(self, store: str | None) -> list[User]: ...

    def user(self, email: str) -> tuple[User, str] | None:
        """The user of an email and their password's hash."""
        ...

    def remove_user(self, store: str, email: str) -> bool:
        """Remove the user and end their sessions; False when there is no such user."""
        ...

    def add_session(self, session_hash: str, session: Session, at: datetime) -> None: ...

    def session(self, session_hash: str) -> Session | None: ...

    def end_session(self, session_hash: str) -> None: ...

    def failures(self, key: str) -> Failures | None: ...

    def set_failures(self, key: str, failures: Failures) -> None: ...

    def clear_failures(self, keys: list[str]) -> None: ...


class PeopleUnitOfWork(Protocol):
    @property
    def people(self) -> PeopleRepo: ...

    def __enter__(self) -> PeopleUnitOfWork: ...

    def __exit__(
        self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None: ...

    def commit(self) -> None: ...


def create_user(
    uow: PeopleUnitOfWork,
    passwords: Passwords,
    *,
    store: str,
    email: str,
    role: str,
    password: str,
    at: datetime,
) -> User:
    """A new user of `store` (the caller commits). Raises InvalidUser."""
    user = User(store, _checked(store, email, role), _role(role), at)
    if len(password) < SHORTEST_PASSWORD:
        raise InvalidUser(f"password: at least {SHORTEST_PASSWORD} characters")
    if uow.people.user(user.email) is not None:
        raise InvalidUser(f"email: {user.email} already has a user")
    uow.people.add_user(user, passwords.hash(password))
    return user


def new_password() -> str:
    """A password to hand out once: 120 random bits."""
    return secrets.token_urlsafe(15)


def sign_in(
    uow: PeopleUnitOfWork,
    passwords: Passwords,
    *,
    email: str,
    password: str,
    client: str,
    at: datetime,
) -> SignIn:
    """A new session for the right password; nothing while the email or client is blocked."""
    keys = [failure_key("email", email.strip().lower()), failure_key("client", client)]
    wait = max((_blocked(uow.people.failures(k), at) for k in keys), default=timedelta(0))
    if wait > timedelta(0):
        return SignIn(wait=wait)
    found = uow.people.user(email.strip().lower())
    if found is None:
        passwords.hash(password)  # as long as a wrong password: the time tells no email apart
    if found is None or not passwords.verify(found[1], password):
        for key in keys:
            uow.people.set_failures(key, _failed(uow.people.failures(key), at))
        return SignIn()
    uow.people.clear_failures(keys)
    return SignIn(session_id=_open_session(uow, found[0], at))


def session_of(uow: PeopleUnitOfWork, session_id: str, at: datetime) -> Session | None:
    """The session of a cookie's id, while it lasts and its user is there."""
    found = uow.people.session(_digest(session_id))
    return found if found is not None and found.expires_at > at else None


def sign_out(uow: PeopleUnitOfWork, session_id: str) -> None:
    uow.people.end_session(_digest(session_id))


def failure_key(kind: str, who: str) -> str:
    """The key of failed sign-ins by an email or a client: a hash, never the address."""
    return f"{kind}:{_digest(who)[:40]}"


def _open_session(uow: PeopleUnitOfWork, user: User, at: datetime) -> str:
    session_id = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(32)
    session = Session(user.store_id, user.email, user.role, csrf, at + SESSION_LIFE)
    uow.people.add_session(_digest(session_id), session, at)
    return session_id


def _blocked(failures: Failures | None, at: datetime) -> timedelta:
    if failures is None or failures.blocked_until is None:
        return timedelta(0)
    return max(failures.blocked_until - at, timedelta(0))


def _failed(before: Failures | None, at: datetime) -> Failures:
    since = None if before is None else before.blocked_until or before.last_at
    count = 1 if before is None or since is None or at - since > WINDOW else before.count + 1
    if count < FREE_FAILURES:
        return Failures(count, at, None)
    block = min(FIRST_BLOCK * 2 ** (count - FREE_FAILURES), LONGEST_BLOCK)
    return Failures(count, at, at + block)


def _checked(store: str, email: str, role: str) -> str:
    if not STORE_ID.match(store):
        raise InvalidUser("store: must match [a-z0-9][a-z0-9_-]{0,63}")
    email = email.strip().lower()
    if len(email) > 320 or not _EMAIL.match(email):
        raise InvalidUser("email: not an email address")
    return email


def _role(role: str) -> Role:
    for known in ROLES:
        if role == known:
            return known
    raise InvalidUser(f"role: one of {', '.join(ROLES)}, not {role!r}")


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()
