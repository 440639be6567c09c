"""The migrations build exactly the schema the code uses, on both databases."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text

from tidings.adapters.db.engine import make_engine
from tidings.adapters.db.migrate import upgrade
from tidings.adapters.db.tables import metadata

# an index on an expression, made on PostgreSQL only: Alembic reads it back from PostgreSQL
# in another spelling, and not at all from SQLite; its presence is checked by name
ON_PG = "ix_orders_paid"


@pytest.mark.filterwarnings(f"ignore:autogenerate skipping metadata-specified .* '{ON_PG}'")
def test_migrations_match_the_tables(db_url):
    engine = make_engine(db_url)
    upgrade(engine)
    with engine.connect() as conn:
        mine = {"include_object": lambda found, name, *_: name != ON_PG}
        diff = compare_metadata(MigrationContext.configure(conn, opts=mine), metadata)
        indexes = {i["name"] for i in inspect(conn).get_indexes("orders")}
    engine.dispose()
    assert diff == []
    assert (ON_PG in indexes) == db_url.startswith("postgresql")


def test_sqlite_runs_in_wal_mode(tmp_path):
    engine = make_engine(str(tmp_path / "t.db"))
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    engine.dispose()


def test_a_replay_keeps_fewer_of_sqlites_pages_in_memory_than_the_live_service(tmp_path):
    """Live, the hot indexes stay in 64 MiB of pages a connection; a replay's World holds what
    it works on, and its peak memory is kept under 600 MB (issue 15): 16 MiB."""
    from tidings import bootstrap
    from tidings.config import Settings

    sizes = {}
    for live in (True, False):
        app = bootstrap.build(Settings(database_url=str(tmp_path / f"{live}.db")), live=live)
        with app.db.connect() as conn:
            sizes[live] = conn.exec_driver_sql("PRAGMA cache_size").scalar()
        app.db.dispose()
    assert sizes == {True: -64 * 1024, False: -16 * 1024}  # KiB


def test_a_sqlite_connection_keeps_few_bulk_statements_compiled(tmp_path):
    """A bulk write's text changes with its row count, and each compiled one is large: a
    connection keeps `SQLITE_STATEMENTS_KEPT` statements, not the driver's 128 (issue 15)."""
    from tidings.adapters.db.bulk import Writer
    from tidings.adapters.db.engine import SQLITE_STATEMENTS_KEPT
    from tidings.adapters.db.migrate import upgrade
    from tidings.adapters.db.tables import carts
    from tidings.domain.state import Cart

    engine = make_engine(str(tmp_path / "t.db"))
    upgrade(engine)
    writer = Writer(carts)
    with engine.begin() as conn:
        for rows in range(1, 60):  # 59 texts, one a row count
            writer.write(conn, [Cart("s1", f"c{rows}-{i}") for i in range(rows)])
        compiled = conn.exec_driver_sql("SELECT count(*) FROM sqlite_stmt").scalar()
        written = conn.exec_driver_sql("SELECT count(*) FROM carts").scalar()
    engine.dispose()
    assert written == sum(range(1, 60))
    assert compiled is not None and compiled <= SQLITE_STATEMENTS_KEPT + 1  # and this one


def test_unit_of_work_rolls_back_unless_committed(db_url):
    import pytest

    from helpers import lines, store
    from tidings import bootstrap
    from tidings.config import Settings

    app = bootstrap.build(Settings(database_url=db_url))
    event = bootstrap.parse_line(lines([store()])[0])
    with pytest.raises(RuntimeError), app.unit_of_work() as uow:
        uow.events.add([event], None)
        raise RuntimeError("crash before commit")
    with app.unit_of_work() as uow:
        assert uow.events.add([event], None) == {("acme", event.id)}  # new: nothing was kept
        uow.commit()
    with app.unit_of_work() as uow:
        assert uow.events.add([event], None) == set()  # now it was
    app.db.dispose()


def test_replay_leaves_postgresql_statistics_of_the_tables_it_filled(pg_database):
    from conftest import _empty_pg
    from helpers import at, customer, order, replay, store

    _empty_pg(pg_database)
    replay(pg_database, [store(), customer(), order("o1", at(10))])
    engine = make_engine(pg_database)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT reltuples FROM pg_class WHERE relname = 'events'"))
        assert rows.scalar() == 3  # counted by ANALYZE: the planner knows the table's size
    engine.dispose()
