"""What the console's Parcels screen shows: the store's shipments by status, and the ones that
need the seller (an exception, a failed attempt, stalled, waiting at a pickup point, cash on
delivery refused).

The rule: a parcel is "stalled" by the same measure as delivery_watch's `stalled` alert (in
transit, no checkpoint for STALLED_AFTER), so the screen and the alert never disagree.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import get_args

from tidings.domain.events_after import TrackingStatus
from tidings.domain.scores import day_of
from tidings.domain.times import zone
from tidings.services.analytics.score import known_store
from tidings.services.console_ports import ConsoleUnitOfWork, Parcel

STALLED_AFTER = timedelta(hours=72)  # delivery_watch.stalled: "trigger + 72h"
STATUSES: tuple[str, ...] = get_args(TrackingStatus)  # in the order a parcel goes
LONGEST = 200  # rows of each list


@dataclass(frozen=True)
class Waiting:
    parcel: Parcel
    days_left: int | None  # local days until storage ends; None when the carrier gave no date


@dataclass(frozen=True)
class ParcelsPage:
    store: str
    timezone: str
    counts: tuple[tuple[str, int], ...]  # (status, shipments), every status in STATUSES order
    exceptions: tuple[Parcel, ...]
    failed_attempts: tuple[Parcel, ...]
    stalled: tuple[Parcel, ...]
    waiting: tuple[Waiting, ...]
    refused: tuple[Parcel, ...]

    @property
    def total(self) -> int:
        return sum(n for _, n in self.counts)


def parcels(uow: ConsoleUnitOfWork, store: str, at: datetime) -> ParcelsPage:
    """The store's shipments as they stand at `at`. Raises UnknownStore."""
    with uow:
        timezone = known_store(uow.analytics, store).timezone
        counts = uow.parcels.shipment_counts(store)
        found = uow.parcels.needing_care(store, at - STALLED_AFTER, LONGEST)
    today = day_of(at, zone(timezone))

    def having(*statuses: str) -> tuple[Parcel, ...]:
        return tuple(p for p in found if p.status in statuses)

    return ParcelsPage(
        store, timezone, tuple((s, counts.get(s, 0)) for s in STATUSES),
        having("exception"), having("failed_attempt"), having("in_transit"),
        tuple(Waiting(p, days_left(p.storage_until, today, timezone))
              for p in having("available_for_pickup")),
        tuple(p for p in having("returning", "returned") if p.payment == "cod"),
    )  # fmt: skip


def days_left(until: datetime | None, today: date, timezone: str) -> int | None:
    """Local days from `today` to the day storage ends: 0 on its last day, below 0 once over."""
    return None if until is None else (day_of(until, zone(timezone)) - today).days
