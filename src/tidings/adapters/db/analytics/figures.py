"""The kept daily figures: a closed day's report counts, written once, read many times.

The rule: a kept day is read only while its row in figure_days stands; the triggers of
migration 0017 delete that row when anything it counted changes, and the report then counts
the day live (services/analytics/figures.py) until it is summed again.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Table, delete, func, insert, or_, select

from tidings.adapters.db import tables as t
from tidings.domain.uplift import Arm
from tidings.services.analytics.ports import DayArms, KeptDay, MessageCount, Outcome


class FigureQueries:
    conn: Connection

    def first_decided(self, store: str) -> datetime | None:
        """When the store's first message was decided (None: it has none)."""
        m = t.messages.c
        found: datetime | None = self.conn.execute(
            select(func.min(m.decided_at)).where(m.store_id == store)
        ).scalar_one()
        return found

    def first_due(self, store: str) -> datetime | None:
        """When the store's first message was due (None: it has none)."""
        m = t.messages.c
        found: datetime | None = self.conn.execute(
            select(func.min(m.due_at)).where(m.store_id == store)
        ).scalar_one()
        return found

    def store_ids(self) -> list[str]:
        return list(self.conn.execute(select(t.stores.c.store_id)).scalars())

    def hold_forgetting(self, store: str, kept: str) -> None:
        """PostgreSQL: the store's lock on its kept figures or tallies, taken exclusively; every
        trigger that could forget one of them takes it shared (migration 0022), so the writes
        in flight commit before the counting starts and those that begin later wait, then
        forget the day summed now. SQLite: this transaction is the only writer already."""
        if self.conn.dialect.name == "postgresql":
            key = func.hashtextextended(f"{kept}:{store}", 0)
            self.conn.execute(select(func.pg_advisory_xact_lock(key)))

    def kept_days(self, store: str, first: date, last: date, figures: bool = True) -> list[KeptDay]:
        """The days `first` … `last` and their hours kept and not forgotten since, with their
        figures (without: which they are, their figures left empty)."""
        f = t.figure_days.c
        pieces = {
            row.day: row
            for row in self.conn.execute(
                select(f.day, f.starts_at, f.ends_at).where(
                    *_within(t.figure_days, store, first, last)
                )
            )
        }
        if not pieces or not figures:
            return [_piece_of(key, r.starts_at, r.ends_at) for key, r in sorted(pieces.items())]
        counts: dict[str, list[MessageCount]] = {d: [] for d in pieces}
        for row in self._rows(t.daily_counts, store, first, last):
            counts.get(row.day, []).append(_count_of(row))
        outcomes: dict[str, list[Outcome]] = {d: [] for d in pieces}
        for row in self._rows(t.daily_outcomes, store, first, last):
            outcomes.get(row.day, []).append(_outcome_of(row))
        arms: dict[str, list[DayArms]] = {d: [] for d in pieces}
        for row in self._rows(t.daily_arms, store, first, last):
            arms.get(row.day, []).append(_arms_of(row))
        return [
            replace(_piece_of(key, r.starts_at, r.ends_at), counts=tuple(counts[key]),
                    outcomes=tuple(outcomes[key]), arms=tuple(arms[key]))
            for key, r in sorted(pieces.items())
        ]  # fmt: skip

    def _rows(self, table: Table, store: str, first: date, last: date) -> Any:
        return self.conn.execute(select(table).where(*_within(table, store, first, last)))

    def keep_day(
        self,
        store: str,
        day: KeptDay,
        at: datetime,
    ) -> None:
        """Write `day`'s figures (a day's or an hour's), replacing what was kept of it; a whole
        day replaces its hours too."""
        key = day.key
        for table in (t.figure_days, t.daily_counts, t.daily_outcomes, t.daily_arms):
            c = table.c
            mine = (
                c.day == key if day.hour is not None else or_(c.day == key, c.day.like(f"{key}T%"))
            )
            self.conn.execute(delete(table).where(c.store_id == store, mine))
        self.conn.execute(insert(t.figure_days).values(
            store_id=store, day=key, starts_at=day.starts_at, ends_at=day.ends_at, summed_at=at
        ))  # fmt: skip
        self._insert(t.daily_counts, [_count_row(store, key, c) for c in day.counts])
        self._insert(t.daily_outcomes, [_outcome_row(store, key, o) for o in day.outcomes])
        self._insert(t.daily_arms, [_arms_row(store, key, a) for a in day.arms])

    def _insert(self, table: Table, rows: Sequence[dict[str, object]]) -> None:
        if rows:
            self.conn.execute(insert(table), list(rows))


def _piece_of(key: str, starts_at: datetime, ends_at: datetime) -> KeptDay:
    """A kept day (`2026-11-12`) or hour (`2026-11-12T09`) by its key, its figures empty."""
    hour = int(key[11:]) if key[10:] else None
    return KeptDay(date.fromisoformat(key[:10]), starts_at, ends_at, (), (), (), hour)


def _within(table: Table, store: str, first: date, last: date) -> tuple[Any, ...]:
    """The rows of days `first` … `last` and of their hours (`2026-11-12T09` sorts after its
    day and before the next)."""
    c, after = table.c, (last + timedelta(days=1)).isoformat()
    return (c.store_id == store, c.day >= first.isoformat(), c.day < after)


def _count_row(store: str, day: str, c: MessageCount) -> dict[str, object]:
    return {"store_id": store, "day": day, "journey": c.journey, "step": c.step,
            "status": c.status,
            "reason": c.reason or "", "messages": c.messages, "segments": c.segments,
            "cost_micros": c.cost_micros}  # fmt: skip


def _outcome_row(store: str, day: str, o: Outcome) -> dict[str, object]:
    return {"store_id": store, "day": day, "journey": o.journey, "step": o.step,
            "delivered": o.delivered,
            "clicked": o.clicked, "orders": o.orders,
            "revenue_micros": o.revenue_micros}  # fmt: skip


def _arms_row(store: str, day: str, a: DayArms) -> dict[str, object]:
    return {"store_id": store, "day": day, "journey": a.journey, "treated": a.treated.subjects,
            "treated_reached": a.treated.outcomes, "held": a.held.subjects,
            "held_reached": a.held.outcomes, "held_back": a.held_back}  # fmt: skip


def _count_of(row: Any) -> MessageCount:
    return MessageCount(row.journey, row.status, row.reason or None, row.messages, row.segments,
                        row.cost_micros, row.step)  # fmt: skip


def _outcome_of(row: Any) -> Outcome:
    return Outcome(row.journey, row.delivered, row.clicked, row.orders, row.revenue_micros,
                   row.step)  # fmt: skip


def _arms_of(row: Any) -> DayArms:
    treated, held = Arm(row.treated, row.treated_reached), Arm(row.held, row.held_reached)
    return DayArms(row.journey, treated, held, row.held_back)
