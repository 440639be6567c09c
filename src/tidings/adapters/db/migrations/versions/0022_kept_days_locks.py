"""kept days' locks: on PostgreSQL each forgetting trigger of migration 0017 first takes a shared
advisory lock on its store's kept figures (or score tallies), and the worker sums a store's
closed days holding the same lock exclusively

Without it a write in flight while a day was summed could be missed for good: the summing
reads what has committed, and the write's trigger, finding nothing kept yet, forgot nothing.
Now the summing waits for the writes in flight and the writes that begin meanwhile wait for
it (and then forget what it kept). SQLite has one writer at a time: nothing changes there.

Revision ID: 0022
Revises: 0017
"""

from alembic import op

from tidings.adapters.db.migrate import migration

revision = "0022"
down_revision = "0017"
branch_labels = None
depends_on = None

LOCK = "PERFORM pg_advisory_xact_lock_shared(hashtextextended('{kind}:' || {store}, 0));"


def _functions(locked: bool) -> None:
    base = migration("0017_daily_figures")
    store = "COALESCE(NEW.store_id, OLD.store_id)"
    kinds = (
        ("figures", "figure_days", base.WATCHED, base.forgotten),
        ("scores", "score_days", base.SCORED_ON, base.forgotten_scores),
    )
    for kind, kept, watched, forgotten in kinds:
        lock = LOCK.format(kind=kind, store=store) if locked else ""
        for table, events in watched.items():
            branches = " ".join(
                f"IF TG_OP = '{when}' THEN {forgotten(table, base.EVENTS[when])}; END IF;"
                for when in events
            )
            op.execute(
                f"CREATE OR REPLACE FUNCTION {kind}_{table}() RETURNS trigger LANGUAGE plpgsql"
                f" AS $$ BEGIN {lock}"
                f" IF EXISTS (SELECT 1 FROM {kept} WHERE store_id = {store}) THEN {branches}"
                " END IF; RETURN NULL; END $$"
            )


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        _functions(locked=True)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        _functions(locked=False)
