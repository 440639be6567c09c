"""Platforms tidings asks instead of being pushed to: a message queue to consume and confirm
(Taobao's TMC), orders polled by modification time (JD), parcels polled by tracking number
(Russian Post, Boxberry).

One pull goes: claim the connector (a worker that claims it holds it until `pull_after`, so
two workers never pull the same one) → the platform's `pull` asks, outside any transaction →
each item is received as a webhook delivery would be (kept raw, translated, ingested) and the
cursor moves on, in one transaction → only then is anything confirmed to the platform. A
`ParcelPuller` (it asks about parcels by tracking number) is also handed the store's open
shipments with its carrier, read in the claiming transaction. The one rule: a crash anywhere
loses nothing (what was not confirmed is given again, what was not committed is pulled again)
and makes nothing twice (a delivery's id is the platform's own).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any, Protocol, TypeGuard, runtime_checkable

from tidings.domain.carriers import carrier_key
from tidings.domain.connectors import Credentials, Delivery, Pulled
from tidings.domain.errors import PlatformError
from tidings.services.connectors import Parse, Platform, receive
from tidings.services.ports import UnitOfWork

log = logging.getLogger(__name__)
HOLD = timedelta(minutes=5)  # a claimed pull's lease: a worker that died frees it after this
OPEN_FOR = timedelta(days=90)  # a parcel with no news for this long is no longer asked about


class Puller(Protocol):
    """The asking side of a pulled platform (adapters/connectors/<name>_pull or in its module)."""

    @property
    def EVERY(self) -> timedelta: ...  # a module's constant: how often it is asked

    def pull(
        self, http: Any, credentials: Credentials, cursor: str | None, now: datetime
    ) -> Pulled:
        """One page of what changed since `cursor`. Raises PlatformError (its `retry_after`
        honoured when the platform said how long to wait)."""
        ...

    def confirm(self, http: Any, credentials: Credentials, ids: tuple[str, ...]) -> None: ...


@runtime_checkable
class ParcelPuller(Puller, Protocol):
    """A puller that asks about parcels one tracking number at a time (Russian Post, Boxberry):
    `wanted` holds the store's open shipments with its `CARRIER` (a `carrier_key`)."""

    @property
    def CARRIER(self) -> str: ...  # a module's constant

    def pull(
        self,
        http: Any,
        credentials: Credentials,
        cursor: str | None,
        now: datetime,
        wanted: tuple[str, ...] = (),
    ) -> Pulled: ...


def wanted(uow: UnitOfWork, store: str, carrier: str, now: datetime) -> tuple[str, ...]:
    """The tracking numbers of the store's shipments with `carrier` that are neither delivered
    nor back with the sender, and had news within OPEN_FOR."""
    found = uow.connectors.open_shipments(store, now - OPEN_FOR)
    return tuple(sorted({number for name, number in found if carrier_key(name) == carrier}))


def pull(
    unit_of_work: Callable[[], UnitOfWork],
    http: Any,
    store: str,
    source: str,
    puller: Puller,
    platform: Platform,
    parse: Parse,
    clock: Callable[[], datetime],
    pages: int = 20,
) -> dict[str, int]:
    """Pull `source` for `store` until nothing more waits (at most `pages` pages); the
    deliveries' outcomes counted. Raises LookupError when the store has no such connector,
    PlatformError when the platform fails (recorded; the next pull waits)."""
    counts: dict[str, int] = {}
    for _ in range(pages):
        if not _page(unit_of_work, http, store, source, puller, platform, parse, clock, counts):
            break
    return counts


def due(unit_of_work: Callable[[], UnitOfWork], sources: Mapping[str, Puller], now: datetime
        ) -> list[tuple[str, str]]:  # fmt: skip
    """The (store, source) of the pulled connectors whose time has come."""
    with unit_of_work() as uow:
        return uow.connectors.due_pulls(tuple(sources), now)


def _page(
    unit_of_work: Callable[[], UnitOfWork],
    http: Any,
    store: str,
    source: str,
    puller: Puller,
    platform: Platform,
    parse: Parse,
    clock: Callable[[], datetime],
    counts: dict[str, int],
) -> bool:
    """One page pulled and kept; whether another one waits now."""
    now = clock()
    with unit_of_work() as uow:
        found = uow.connectors.pulling(store, source)
        if found is None:
            raise LookupError(f"store {store!r} has no {source} connector: add it first")
        credentials, cursor = found
        facts = uow.connectors.facts(store)
        numbers = wanted(uow, store, puller.CARRIER, now) if _parcels(puller) else ()
        uow.connectors.pulled(store, source, cursor, now + HOLD, None)  # claimed
        uow.commit()
    try:
        got = _ask(puller, http, credentials, cursor, now, numbers)
    except PlatformError as exc:
        wait = max(puller.EVERY, timedelta(seconds=exc.retry_after))
        with unit_of_work() as uow:
            uow.connectors.pulled(store, source, cursor, clock() + wait, str(exc)[:500])
            uow.commit()
        raise
    with unit_of_work() as uow:
        for body, headers in got.deliveries:
            delivery = Delivery(store, source, body, headers, now, facts)
            outcome = receive(uow, platform, delivery, parse).outcome
            counts[outcome] = counts.get(outcome, 0) + 1
        after = clock() if got.more else clock() + puller.EVERY
        uow.connectors.pulled(store, source, got.cursor, after, None)
        uow.commit()
    if got.confirm:  # only what is kept; a crash before this gives it again, as a duplicate
        puller.confirm(http, credentials, got.confirm)
    return got.more


def _parcels(puller: Puller) -> TypeGuard[ParcelPuller]:
    return isinstance(puller, ParcelPuller)


def _ask(
    puller: Puller,
    http: Any,
    credentials: Credentials,
    cursor: str | None,
    now: datetime,
    numbers: tuple[str, ...],
) -> Pulled:
    if _parcels(puller):
        return puller.pull(http, credentials, cursor, now, wanted=numbers)
    return puller.pull(http, credentials, cursor, now)


def pull_due(
    unit_of_work: Callable[[], UnitOfWork],
    http: Any,
    sources: Mapping[str, tuple[Puller, Platform]],
    parse: Parse,
    clock: Callable[[], datetime],
) -> int:
    """Every pulled connector whose time has come, each claimed first so that workers share
    them; how many deliveries were taken in. One platform's failure holds up no other."""
    taken = 0
    for store, source in due(unit_of_work, {s: p for s, (p, _) in sources.items()}, clock()):
        with unit_of_work() as uow:
            mine = uow.connectors.claim_pull(store, source, clock(), clock() + HOLD)
            uow.commit()
        if not mine:
            continue  # another worker took it
        puller, platform = sources[source]
        try:
            taken += sum(
                pull(unit_of_work, http, store, source, puller, platform, parse, clock).values()
            )
        except (PlatformError, LookupError):
            log.warning(
                "store %s: pulling %s failed; tried again later", store, source, exc_info=True
            )
    return taken
