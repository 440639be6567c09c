"""`tidings db upgrade`: Alembic migrations, run from inside the package."""

from __future__ import annotations

import importlib.util
from functools import cache
from pathlib import Path
from types import ModuleType

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine

HERE = Path(__file__).parent / "migrations"


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(HERE))
    config.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False))
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to `revision`."""
    config = alembic_config(engine)
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, revision)


@cache
def head() -> str | None:
    """The revision the package's migrations end at."""
    return ScriptDirectory(str(HERE)).get_current_head()


def behind(conn: Connection) -> str | None:
    """None when the schema is at `head`, else what it is at and what it lacks."""
    current = MigrationContext.configure(conn).get_current_revision()
    return None if current == head() else f"at revision {current}, the code needs {head()}"


def migration(name: str) -> ModuleType:
    """A migration's module, by its file's name (which is not importable), for a later one to
    build on its trigger bodies."""
    path = HERE / "versions" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"tidings_migration_{name[:4]}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
