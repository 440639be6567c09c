"""SQL pieces the read side shares, one Core expression for SQLite and PostgreSQL.

Where the two dialects spell a thing differently (the seconds between two timestamps), one
SQLAlchemy construct is compiled for each; everything else is plain SQL both run.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Float,
    Numeric,
    and_,
    case,
    cast,
    func,
    literal,
    literal_column,
    null,
    select,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from tidings.adapters.db import tables as t
from tidings.adapters.db.tables import UtcDateTime
from tidings.domain.scores import Deadline


class seconds_between(FunctionElement[float]):  # lower case: it reads as the SQL it is
    """Seconds from the first timestamp to the second, to the millisecond."""

    type = Float()
    name = "seconds_between"
    inherit_cache = True


@compiles(seconds_between, "sqlite")
def _seconds_sqlite(element: seconds_between, compiler: Any, **kw: Any) -> str:
    start, end = (compiler.process(c, **kw) for c in element.clauses)
    return f"ROUND((julianday({end}) - julianday({start})) * 86400.0, 3)"


@compiles(seconds_between, "postgresql")
def _seconds_pg(element: seconds_between, compiler: Any, **kw: Any) -> str:
    start, end = (compiler.process(c, **kw) for c in element.clauses)
    return f"ROUND(EXTRACT(EPOCH FROM ({end}) - ({start})), 3)"


def count_if(condition: Any, value: Any = 1) -> Any:
    """SUM of `value` over the rows where `condition` holds; 0, not NULL, over no rows."""
    return func.coalesce(func.sum(case((condition, value), else_=0)), 0)


def instant(value: datetime) -> ColumnElement[datetime]:
    """A bound timestamp, stored the way the tables store theirs."""
    return literal(value, UtcDateTime())


def paid_at() -> ColumnElement[datetime]:
    """When an order counts as paid: its payment, or its creation for cash on delivery."""
    o = t.orders.c
    cod = and_(o.payment == literal_column("'cod'"), o.created_at.is_not(None))
    return case((cod, o.created_at), else_=o.paid_at)


def micros(text: ColumnElement[Any]) -> ColumnElement[int]:
    """A decimal string (money) as whole millionths, exact on both databases."""
    return cast(func.round(cast(text, Numeric) * 1_000_000), BigInteger)


def deadline_of(value: ColumnElement[datetime], rows: Sequence[Deadline]) -> Any:
    """The deadline of the row whose [paid_from, paid_to) holds `value`, else null.

    `rows` follow each other without gaps (one a local day); the expression is a balanced
    tree of CASEs, a handful of comparisons a row, where a join to a table of days would
    compare every row with every day.
    """
    if len(rows) == 1:
        (only,) = rows
        inside = and_(value >= instant(only.paid_from), value < instant(only.paid_to))
        return case((inside, instant(only.deadline)), else_=null())
    half = len(rows) // 2
    early, late = deadline_of(value, rows[:half]), deadline_of(value, rows[half:])
    return case((value < instant(rows[half].paid_from), early), else_=late)


def id_of(subject: ColumnElement[str], kind: str) -> ColumnElement[str]:
    """`order:o1` → `o1`, for a subject of `kind`."""
    return func.substr(subject, len(kind) + 2)


def newest(rows: Sequence[Any]) -> list[str]:
    return [str(r[0]) for r in rows]


def journeys(store: str) -> Any:
    """The store's journey names, one index seek each (a loose index scan): `journey IN` them
    lets the journey index answer for a period, journey by journey, in journey order."""
    m, n = t.messages.c, t.messages.alias("n").c
    found = select(func.min(m.journey).label("name")).where(m.store_id == store)
    names = found.cte("journeys", recursive=True)
    following = select(func.min(n.journey)).where(n.store_id == store, n.journey > names.c.name)
    step = select(following.scalar_subquery()).select_from(names).where(names.c.name.is_not(None))
    return select(names.union_all(step).c.name)
