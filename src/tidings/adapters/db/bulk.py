"""Bulk writes and reads for the hot path: multi-row INSERT … ON CONFLICT, values converted
once, and the rows of the pairs a batch asks for.

SQLAlchemy compiles the schema; here rows go to the driver as tuples, many per statement,
because per-parameter processing would cost more than the database itself.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from operator import attrgetter
from typing import Any

from sqlalchemy import JSON, Connection, String, Table, any_, literal
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.engine import Dialect
from sqlalchemy.sql import ColumnElement

from tidings.adapters.db.engine import sqlite_refusal
from tidings.adapters.db.tables import UtcDateTime
from tidings.domain.times import require_aware

MAX_PARAMS = 30_000


_TEXTS: dict[datetime, str] = {}  # times written lately: a row's times are written again
TEXTS_KEPT = 20_000


def _sqlite_time(value: datetime | None) -> str | None:
    """SQLAlchemy's SQLite DATETIME text of the UTC instant (sorts as time does)."""
    if value is None:
        return None
    if value.tzinfo is not UTC:
        value = require_aware(value, "timestamp").astimezone(UTC)
    text = _TEXTS.get(value)
    if text is None:
        if len(_TEXTS) >= TEXTS_KEPT:
            _TEXTS.clear()
        text = _TEXTS[value] = value.isoformat(" ", "microseconds")[:26]  # no "+00:00"
    return text


def _pg_time(value: datetime | None) -> datetime | None:
    return None if value is None else require_aware(value, "timestamp")


_ENCODE = json.JSONEncoder(ensure_ascii=False).encode  # json.dumps would build one a call


def _json(value: Any) -> str | None:
    return None if value is None else _ENCODE(value)


class Writer:
    """Writes entities of one table: `columns` are read from each entity by name."""

    def __init__(self, table: Table, columns: Sequence[str] | None = None) -> None:
        self.table = table
        self.columns = list(columns or [c.name for c in table.columns])
        self.get = attrgetter(*self.columns)
        self.keys = [c.name for c in table.primary_key.columns]

    @staticmethod
    def time_for(conn: Connection) -> Callable[[datetime | None], Any]:
        """How this database's driver takes a timestamp."""
        return _sqlite_time if conn.dialect.name == "sqlite" else _pg_time

    def _converters(self, conn: Connection) -> list[tuple[int, Callable[[Any], Any]]]:
        time = self.time_for(conn)
        out: list[tuple[int, Callable[[Any], Any]]] = []
        for i, name in enumerate(self.columns):
            kind = self.table.c[name].type
            if isinstance(kind, UtcDateTime):
                out.append((i, time))
            elif isinstance(kind, JSON):
                out.append((i, _json))
        return out

    def rows(self, conn: Connection, entities: Sequence[Any]) -> list[tuple[Any, ...]]:
        return _converted(map(self.get, entities), self._converters(conn))

    def write(
        self,
        conn: Connection,
        entities: Sequence[Any],
        *,
        update: bool = True,
        where: str = "",
        returning: str = "",
    ) -> list[Any]:
        """Insert, or on a key conflict update (`where` guards it) or skip.

        Returns the RETURNING rows as tuples: those this statement inserted or updated.
        """
        if not entities:
            return []
        return self.write_rows(
            conn, self.rows(conn, entities), update=update, where=where, returning=returning
        )

    def write_rows(
        self,
        conn: Connection,
        rows: list[tuple[Any, ...]],
        *,
        update: bool = True,
        where: str = "",
        returning: str = "",
    ) -> list[Any]:
        """`write` for rows already converted for the driver (see `time_for`)."""
        if not rows:
            return []
        tail = f" ON CONFLICT ({', '.join(self.keys)}) " + self._action(update, where)
        if returning:
            tail += f" RETURNING {returning}"
        head = f"INSERT INTO {self.table.name} ({', '.join(self.columns)}) "
        with _cursor(conn) as cursor:
            if conn.dialect.name == "postgresql":
                return self._unnest(conn, cursor, head, tail, rows, bool(returning))
            return self._values(cursor, head, tail, rows, bool(returning))

    def _values(
        self, cursor: Any, head: str, tail: str, rows: list[tuple[Any, ...]], returning: bool
    ) -> list[Any]:
        """SQLite: multi-row VALUES, as many rows a statement as its parameter limit allows."""
        found: list[Any] = []
        for values, params in self._value_lists(rows):
            cursor.execute(head + values + tail, params)
            if returning:
                found.extend(tuple(r) for r in cursor.fetchall())
        return found

    def _unnest(
        self,
        conn: Connection,
        cursor: Any,
        head: str,
        tail: str,
        rows: list[tuple[Any, ...]],
        returning: bool,
    ) -> list[Any]:
        """PostgreSQL: one array a column, unnested: a short statement however many rows."""
        cursor.execute(head + f"SELECT * FROM unnest({self._arrays(conn)})" + tail, _columns(rows))
        return [tuple(r) for r in cursor.fetchall()] if returning else []

    def _arrays(self, conn: Connection) -> str:
        """PostgreSQL: a binary array parameter of each column's type (no escaping)."""
        types = [self.table.c[c].type.compile(dialect=conn.dialect) for c in self.columns]
        return ", ".join(f"%b::{kind}[]" for kind in types)

    def _value_lists(self, rows: list[tuple[Any, ...]]) -> Iterator[tuple[str, list[Any]]]:
        """SQLite: `VALUES (?, …), …` and its parameters, as many rows each as its limit allows."""
        one = "(" + ", ".join(["?"] * len(self.columns)) + ")"
        per = max(1, MAX_PARAMS // len(self.columns))
        for start in range(0, len(rows), per):
            chunk = rows[start : start + per]
            yield "VALUES " + ", ".join([one] * len(chunk)), [v for row in chunk for v in row]

    def update(
        self,
        conn: Connection,
        rows: list[tuple[Any, ...]],
        assign: str,
        where: str,
        returning: Sequence[str] = (),
    ) -> list[tuple[Any, ...]]:
        """UPDATE the table (as `d`) from `rows` of this writer's columns (as `v`), in one
        statement: `assign` and `where` are SQL over `d` and `v`. Returns the `returning`
        columns of the rows it updated."""
        if not rows:
            return []
        names = ", ".join(self.columns)
        pg = conn.dialect.name == "postgresql"  # SQLite's RETURNING names the table's own
        tail = " RETURNING " + ", ".join(f"d.{c}" if pg else c for c in returning)
        tail = tail if returning else ""
        found: list[tuple[Any, ...]] = []
        with _cursor(conn) as cursor:
            if pg:
                sql = f"UPDATE {self.table.name} AS d SET {assign}"
                sql += f" FROM unnest({self._arrays(conn)}) AS v({names}) WHERE "
                cursor.execute(sql + where + tail, _columns(rows))
                return [tuple(r) for r in cursor.fetchall()] if returning else []
            for values, params in self._value_lists(rows):
                sql = f"WITH v({names}) AS ({values}) "
                sql += f"UPDATE {self.table.name} AS d SET {assign} FROM v WHERE {where}"
                cursor.execute(sql + tail, params)
                found += [tuple(r) for r in cursor.fetchall()] if returning else []
            return found

    def _action(self, update: bool, where: str) -> str:
        if not update:
            return "DO NOTHING"
        sets = ", ".join(f"{c} = excluded.{c}" for c in self.columns if c not in self.keys)
        return f"DO UPDATE SET {sets}" + (f" WHERE {where}" if where else "")


class Reader:
    """Reads `columns` (expressions over `table`) of the rows whose store and `by` column are
    among the asked values, and `where` holds (SQL, `?` for each of the extra parameters), on
    the driver's cursor. The statement is compiled once a database and the column types read
    the values, as SQLAlchemy would; what is skipped is its work per call and per row (a load
    asks a few hundred keys at a time: a tenth of a live batch's time went there)."""

    def __init__(
        self, table: Table, columns: Sequence[ColumnElement[Any]], by: str, where: str = ""
    ) -> None:
        self.table, self.columns, self.by, self.where = table, list(columns), by, where
        self._heads: dict[str, str] = {}
        self._reads: dict[str, list[tuple[int, Callable[[Any], Any]]]] = {}

    def sql(self, dialect: Dialect, stores: int, values: int) -> str:
        """The statement for so many stores and values (PostgreSQL: one for any number)."""
        head = self._heads.get(dialect.name)
        if head is None:
            listed = ", ".join(
                str(c.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))
                for c in self.columns
            )
            head = self._heads[dialect.name] = f"SELECT {listed} FROM {self.table.name}"
        where = f" AND {self.where}" if self.where else ""
        if dialect.name == "postgresql":  # the driver's parameters are %s: a % is written %%
            where = where.replace("%", "%%").replace("?", "%s")
            return f"{head} WHERE store_id = ANY(%s) AND {self.by} = ANY(%s){where}"
        marks = ", ".join(["?"] * stores), ", ".join(["?"] * values)
        return f"{head} WHERE store_id IN ({marks[0]}) AND {self.by} IN ({marks[1]}){where}"

    def rows(
        self, conn: Connection, stores: Sequence[str], values: Sequence[str], *extra: Any
    ) -> list[tuple[Any, ...]]:
        dialect = conn.dialect
        sql = self.sql(dialect, len(stores), len(values))
        if dialect.name == "postgresql":
            params: list[Any] = [list(stores), list(values), *extra]
        else:
            params = [*stores, *values, *extra]
        with _cursor(conn) as cursor:
            cursor.execute(sql, params)
            found = cursor.fetchall()
            reads = self._reads.get(dialect.name)
            if reads is None:
                reads = self._readers(dialect, cursor.description)
        return _converted(found, reads)

    def _readers(
        self, dialect: Dialect, description: Any
    ) -> list[tuple[int, Callable[[Any], Any]]]:
        """How the columns a type reads take their values from this driver (SQLAlchemy's own
        processors), by position."""
        reads: list[tuple[int, Callable[[Any], Any]]] = []
        for i, (column, described) in enumerate(zip(self.columns, description, strict=True)):
            read = column.type._cached_result_processor(dialect, described[1])
            if read is not None:
                reads.append((i, read))
        self._reads[dialect.name] = reads
        return reads


def among(conn: Connection, column: ColumnElement[str], values: Sequence[str]) -> Any:
    """`column` is one of `values`: on PostgreSQL one array parameter (the statement's text is
    the same for any number of values, and the driver does not parse 500 placeholders at each
    call), on SQLite an IN list."""
    if conn.dialect.name == "postgresql":
        return column == any_(literal(list(values), ARRAY(String)))
    return column.in_(values)


@contextmanager
def _cursor(conn: Connection) -> Iterator[Any]:
    """The driver's own cursor, past SQLAlchemy: a busy or full SQLite is said here."""
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        yield cursor
    except sqlite3.OperationalError as exc:
        busy = cursor.execute("PRAGMA busy_timeout").fetchone()[0] / 1000
        found = sqlite_refusal(exc, conn.engine.url.database, busy)
        if found is None:
            raise
        raise found from exc
    finally:
        cursor.close()


def _converted(
    rows: Iterable[Iterable[Any]], converters: Sequence[tuple[int, Callable[[Any], Any]]]
) -> list[tuple[Any, ...]]:
    """Each row as a tuple, its value at each converter's position converted (a None stays
    None): in place, the typed columns only, a third of a generator's time over every column."""
    if not converters:
        return [tuple(row) for row in rows]
    out = []
    for row in rows:
        values = list(row)
        for i, convert in converters:
            value = values[i]
            if value is not None:
                values[i] = convert(value)
        out.append(tuple(values))
    return out


def _columns(rows: list[tuple[Any, ...]]) -> list[list[Any]]:
    """PostgreSQL: the rows as one list a column, for unnest()."""
    return [list(column) for column in zip(*rows, strict=True)]
