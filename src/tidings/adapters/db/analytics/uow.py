"""The read side's unit of work: one transaction, so that every count sees the same data."""

from __future__ import annotations

from sqlalchemy import Connection

from tidings.adapters.db.analytics.figures import FigureQueries
from tidings.adapters.db.analytics.report import ReportQueries
from tidings.adapters.db.analytics.score import ScoreQueries
from tidings.adapters.db.analytics.score_days import ScoreDayQueries
from tidings.adapters.db.uow import SqlUnitOfWork


class SqlAnalytics(ScoreQueries, ReportQueries, FigureQueries, ScoreDayQueries):
    """The score's and the report's queries, and the kept daily figures, over one connection."""

    def __init__(self, conn: Connection) -> None:
        super().__init__(conn)


class SqlAnalyticsUnitOfWork(SqlUnitOfWork):
    """A unit of work that also answers the analytics queries."""

    def __enter__(self) -> SqlAnalyticsUnitOfWork:
        super().__enter__()
        assert self._conn is not None
        self.analytics = SqlAnalytics(self._conn)
        return self
