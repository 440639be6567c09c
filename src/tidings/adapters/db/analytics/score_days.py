"""The kept score tallies: one metric's count of one closed local day.

The rule, as for the daily figures: a kept tally is read only while its row stands; the
triggers of migration 0017 delete it when a row inside its span of instants changes.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import Connection, and_, delete, insert, or_, select

from tidings.adapters.db import tables as t
from tidings.domain.scores import Tally
from tidings.services.analytics.ports import KeptTally


class ScoreDayQueries:
    conn: Connection

    def kept_tallies(self, store: str, first: date, last: date) -> list[KeptTally]:
        s = t.score_days.c
        query = select(t.score_days).where(
            s.store_id == store, s.day >= first.isoformat(), s.day <= last.isoformat()
        )
        return [
            KeptTally(
                date.fromisoformat(r.day),
                r.metric,
                Tally(_number(r.numerator), r.denominator, list(r.culprits)),
                r.starts_at,
                r.ends_at,
                r.summed_for,
            )
            for r in self.conn.execute(query)
        ]

    def keep_tallies(self, store: str, tallies: Sequence[KeptTally]) -> None:
        if not tallies:
            return
        s = t.score_days.c
        each = [and_(s.day == k.day.isoformat(), s.metric == k.metric) for k in tallies]
        self.conn.execute(delete(t.score_days).where(s.store_id == store, or_(*each)))
        self.conn.execute(insert(t.score_days), [_row(store, k) for k in tallies])


def _number(text: str) -> int | float:
    return int(text) if text.lstrip("-").isdigit() else float(text)


def _row(store: str, k: KeptTally) -> dict[str, object]:
    return {"store_id": store, "day": k.day.isoformat(), "metric": k.metric,
            "numerator": repr(k.tally.numerator), "denominator": k.tally.denominator,
            "culprits": list(k.tally.culprits), "starts_at": k.starts_at, "ends_at": k.ends_at,
            "summed_for": k.summed_for}  # fmt: skip
