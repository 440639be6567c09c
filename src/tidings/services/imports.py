"""Importing past orders (a platform's order export): their events checked as the contract's
and ingested like any others, a batch a transaction, for the live worker to take in.

The one rule: an order is taken whole or not at all; a bad one is reported (its line, the
reason) and the others go on. Ids are the platform's, so importing again adds nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tidings.domain.errors import InvalidEvent
from tidings.domain.events import Event
from tidings.services.ingest import ingest
from tidings.services.ports import UnitOfWork

Parse = Callable[[dict[str, Any]], Event]
Report = Callable[[int, str], None]  # a bad order's line and reason


@dataclass
class Imported:
    orders: int = 0
    events: int = 0
    new: int = 0  # events stored for the first time (0 when the file was imported before)
    bad: int = 0


def import_orders(
    orders: Iterable[tuple[int, list[dict[str, Any]] | str]],
    *,
    parse: Parse,
    unit_of_work: Callable[[], UnitOfWork],
    at: datetime,
    report: Report,
    batch: int = 5000,
    progress: Callable[[Imported], None] | None = None,
) -> Imported:
    """Ingest each order's events (or report its reason, given instead of events), `batch`
    events a transaction; `progress` hears after each transaction."""
    done, pending = Imported(), []
    for line, found in orders:
        events = _parsed(line, found, parse, report)
        if events is None:
            done.bad += 1
            continue
        done.orders += 1
        pending += events
        if len(pending) >= batch:
            _store(pending, unit_of_work, at, done, progress)
            pending = []
    _store(pending, unit_of_work, at, done, progress)
    return done


def _parsed(
    line: int, found: list[dict[str, Any]] | str, parse: Parse, report: Report
) -> list[Event] | None:
    if isinstance(found, str):
        report(line, found)
        return None
    try:
        return [parse(obj) for obj in found]
    except InvalidEvent as exc:
        report(line, str(exc))
        return None


def _store(
    events: list[Event],
    unit_of_work: Callable[[], UnitOfWork],
    at: datetime,
    done: Imported,
    progress: Callable[[Imported], None] | None,
) -> None:
    if events:
        with unit_of_work() as uow:
            done.new += sum(ingest(uow, events, at))
            uow.commit()
        done.events += len(events)
    if progress is not None:
        progress(done)
