"""Retention: a store that keeps its shoppers' data N days (`[stores.ID] retention_days`)
has its older events and message texts forgotten by the worker, at most once an hour.

The one rule: counts stay (adapters/db/maintenance.py says what goes and what stays).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from tidings.domain.times import Every
from tidings.services.ports import UnitOfWork

log = logging.getLogger(__name__)
EVERY = timedelta(hours=1)


@dataclass
class Retention:
    days: Mapping[str, int]  # store -> days its texts are kept (a store not named keeps all)
    unit_of_work: Callable[[], UnitOfWork]
    _every: Every = field(default_factory=lambda: Every(EVERY), init=False)

    def run(self, now: datetime) -> int:
        """Forget what each store keeps no longer, if an hour went by since the last time;
        how many rows it changed."""
        if not self.days or not self._every.due(now):
            return 0
        return sum(self._forget(store, days, now) for store, days in sorted(self.days.items()))

    def _forget(self, store: str, days: int, now: datetime) -> int:
        with self.unit_of_work() as uow:
            counts = uow.retention.forget(store, now - timedelta(days=days))
            uow.commit()
        if any(counts.values()):
            log.info("store %s: retention of %d days forgot %s", store, days, counts)
        return sum(counts.values())
