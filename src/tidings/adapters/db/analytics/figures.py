"""The kept daily figures: a closed day's report counts, written once, read many times.

The rule: a kept day is read only while its row in figure_days stands; the triggers of
migration 0017 delete that row when anything it counted changes, and the report then counts
the day live (services/analytics/figures.py) until it is summed again.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import Connection, Table, delete, func, insert, select

from tidings.adapters.db import tables as t
from tidings.services.analytics.ports import KeptDay, MessageCount, Outcome


class FigureQueries:
    conn: Connection

    def first_decided(self, store: str) -> datetime | None:
        """When the store's first message was decided (None: it has none)."""
        m = t.messages.c
        found: datetime | None = self.conn.execute(
            select(func.min(m.decided_at)).where(m.store_id == store)
        ).scalar_one()
        return found

    def store_ids(self) -> list[str]:
        return list(self.conn.execute(select(t.stores.c.store_id)).scalars())

    def kept_days(self, store: str, first: date, last: date) -> list[KeptDay]:
        """The days `first` … `last` kept and not forgotten since, with their figures."""
        f = t.figure_days.c
        span = (f.store_id == store, f.day >= first.isoformat(), f.day <= last.isoformat())
        days = {
            row.day: row
            for row in self.conn.execute(select(f.day, f.starts_at, f.ends_at).where(*span))
        }
        if not days:
            return []
        counts: dict[str, list[MessageCount]] = {d: [] for d in days}
        outcomes: dict[str, list[Outcome]] = {d: [] for d in days}
        c, o = t.daily_counts.c, t.daily_outcomes.c
        within = (c.store_id == store, c.day >= first.isoformat(), c.day <= last.isoformat())
        for row in self.conn.execute(select(t.daily_counts).where(*within)):
            if row.day in counts:
                count = MessageCount(row.journey, row.status, row.reason or None, row.messages,
                                     row.segments, row.cost_micros)  # fmt: skip
                counts[row.day].append(count)
        within = (o.store_id == store, o.day >= first.isoformat(), o.day <= last.isoformat())
        for row in self.conn.execute(select(t.daily_outcomes).where(*within)):
            if row.day in outcomes:
                outcome = Outcome(row.journey, row.delivered, row.clicked, row.orders,
                                  row.revenue_micros)  # fmt: skip
                outcomes[row.day].append(outcome)
        return [
            KeptDay(
                date.fromisoformat(d), r.starts_at, r.ends_at, tuple(counts[d]), tuple(outcomes[d])
            )
            for d, r in sorted(days.items())
        ]

    def keep_day(
        self,
        store: str,
        day: KeptDay,
        at: datetime,
    ) -> None:
        """Write `day`'s figures, replacing what was kept of it."""
        key = day.day.isoformat()
        for table in (t.figure_days, t.daily_counts, t.daily_outcomes):
            self.conn.execute(delete(table).where(table.c.store_id == store, table.c.day == key))
        self.conn.execute(insert(t.figure_days).values(
            store_id=store, day=key, starts_at=day.starts_at, ends_at=day.ends_at, summed_at=at
        ))  # fmt: skip
        self._insert(t.daily_counts, [_count_row(store, key, c) for c in day.counts])
        self._insert(t.daily_outcomes, [_outcome_row(store, key, o) for o in day.outcomes])

    def _insert(self, table: Table, rows: Sequence[dict[str, object]]) -> None:
        if rows:
            self.conn.execute(insert(table), list(rows))


def _count_row(store: str, day: str, c: MessageCount) -> dict[str, object]:
    return {"store_id": store, "day": day, "journey": c.journey, "status": c.status,
            "reason": c.reason or "", "messages": c.messages, "segments": c.segments,
            "cost_micros": c.cost_micros}  # fmt: skip


def _outcome_row(store: str, day: str, o: Outcome) -> dict[str, object]:
    return {"store_id": store, "day": day, "journey": o.journey, "delivered": o.delivered,
            "clicked": o.clicked, "orders": o.orders,
            "revenue_micros": o.revenue_micros}  # fmt: skip
