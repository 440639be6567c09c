"""`tidings db backup FILE`: SQLite's online backup, taken while another connection writes;
PostgreSQL is pointed to pg_dump."""

from __future__ import annotations

import sqlite3

from helpers import customer, lines, store
from tidings import bootstrap
from tidings.config import Settings
from tidings.entrypoints.cli import main


def _stored(db_url: str) -> None:
    app = bootstrap.build(Settings(database_url=db_url))
    with app.unit_of_work() as uow:
        uow.events.add([bootstrap.parse_line(x) for x in lines([store(), customer()])], None)
        uow.commit()
    app.close()


def test_a_backup_is_the_committed_database_while_a_writer_holds_its_transaction(tmp_path):
    url = str(tmp_path / "live.db")
    _stored(url)
    writer = sqlite3.connect(url, isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("DELETE FROM events")  # not committed: the backup does not see it
    target = tmp_path / "copy.db"
    try:
        assert main(["db", "backup", str(target), "--db", url]) == 0
    finally:
        writer.execute("ROLLBACK")
        writer.close()
    copy = sqlite3.connect(target)
    assert copy.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    assert copy.execute("SELECT count(*) FROM events").fetchone() == (2,)
    assert copy.execute("SELECT version_num FROM alembic_version").fetchone() is not None
    copy.close()


def test_a_backup_never_writes_over_a_file(tmp_path, capsys):
    url = str(tmp_path / "live.db")
    _stored(url)
    target = tmp_path / "copy.db"
    target.write_bytes(b"yesterday's backup")

    assert main(["db", "backup", str(target), "--db", url]) == 2

    assert target.read_bytes() == b"yesterday's backup"
    assert "exists already" in capsys.readouterr().err


def test_postgresql_is_backed_up_with_pg_dump(pg_database, tmp_path, capsys):
    target = tmp_path / "copy.db"

    assert main(["db", "backup", str(target), "--db", pg_database]) == 2

    assert "pg_dump" in capsys.readouterr().err and not target.exists()
