"""Statements shaped for SQLite's planner.

SQLite plans without statistics (tidings runs no ANALYZE on it), so two things matter that
PostgreSQL's planner, which has them, sees through:

- a partial index serves only a WHERE that says its own condition, written out: a bound
  `status = ?` is not `status = 'pending'`, and the table is read whole (`written`);
- an index range on (store_id, a time) looks cheap to it even where a key of a few rows is
  there to lead (`unindexed`: SQLite's unary `+`, which keeps a term off every index).

tests/integration/test_sqlite_plans.py checks the plans that depend on these.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, literal_column
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement


def written(value: str) -> ColumnElement[Any]:
    """A constant of tidings' own (a state name) as an SQL literal, not a parameter."""
    if "'" in value:
        raise ValueError(f"not a plain constant: {value!r}")
    return literal_column(f"'{value}'")


class unindexed(FunctionElement[Any]):  # lower case: it reads as the SQL it is
    """A column SQLite must not use an index for (`+column`); PostgreSQL gets the column."""

    name = "unindexed"
    inherit_cache = True

    @property
    def type(self) -> Any:  # type: ignore[override]
        return next(iter(self.clauses)).type


@compiles(unindexed, "sqlite")
def _unindexed_sqlite(element: unindexed, compiler: Any, **kw: Any) -> str:
    return f"+{compiler.process(next(iter(element.clauses)), **kw)}"


@compiles(unindexed)
def _unindexed(element: unindexed, compiler: Any, **kw: Any) -> str:
    return str(compiler.process(next(iter(element.clauses)), **kw))
