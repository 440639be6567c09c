"""score days by end: a score trigger of migration 0017 forgets a kept day only after an index
has said that a kept day holds one of the changed row's instants

0017's triggers asked only whether the store keeps any score day, and then tested every kept
day of the store against the row: for a chat message, a search of its conversation for each
of some 250 days (31 days, 8 metrics), about 6,000 SQLite steps a row where the insert itself
takes under 100. A live store keeps its closed days from its worker's first round on, so
every live store paid it on each order, parcel and chat message it wrote: at 20,000 orders
posted to `tidings serve`, 89.5 s instead of about 52 s. Now the trigger first asks the index
on (store, ends_at) whether any kept day ends after the earliest of the row's instants (what
a live store writes is about today, which no kept day holds: one probe), then whether a kept
day holds one of them (a probe each); only then it forgets, as 0017 did.

Revision ID: 0025
Revises: 0024
"""

from collections.abc import Callable

from alembic import op

from tidings.adapters.db.migrate import migration

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None


BASE = migration("0017_daily_figures")
LOCK = migration("0022_kept_days_locks").LOCK
# the instant of a changed row `{r}` that 0017's DELETE looks for in the kept days
OWN = {
    "orders": BASE.PAID,
    "shipments": "{r}.collected_at",
    "disputes": "{r}.opened_at",
    "reviews": "{r}.posted_at",
    "tickets": "{r}.resolved_at",
    "chat_messages": "{r}.occurred_at",
}
# ... and those of the rows it stands for: a parcel's order's payment, a chat message's
# conversation (the rows, how they join the changed row, their instant)
JOINED = {
    "shipments": (
        "orders o",
        "o.store_id = {r}.store_id AND o.order_id = {r}.order_id",
        BASE.PAID.format(r="o"),
    ),
    "chat_messages": (
        "chat_messages c",
        "c.store_id = {r}.store_id AND c.conversation_id = {r}.conversation_id",
        "c.occurred_at",
    ),
}
HELD = "s.store_id = {r}.store_id AND s.ends_at > {x} AND s.starts_at <= {x}"


def holding(table: str, rows: tuple[str, ...], postgresql: bool) -> str:
    """Whether a kept score day holds an instant of `rows` of `table` (exactly when 0017's
    DELETE forgets one). First one probe of the index on ends_at: does any kept day end after
    the earliest of them? (A live store's writes are about today, which no kept day holds.)"""
    earliest, held = [], []
    for r in rows:
        own = OWN[table].format(r=r)
        earliest.append(own)
        held.append(f"EXISTS (SELECT 1 FROM score_days s WHERE {HELD.format(r=r, x=own)})")
        if table in JOINED:
            joined, on, x = JOINED[table]
            earliest.append(f"(SELECT min({x}) FROM {joined} WHERE {on.format(r=r)})")
            held.append(
                f"EXISTS (SELECT 1 FROM {joined}, score_days s WHERE {on.format(r=r)}"
                f" AND {HELD.format(r=r, x=x)})"
            )
    if len(earliest) == 1:
        first = earliest[0]
    elif postgresql:
        first = f"LEAST({', '.join(earliest)})"  # NULLs are left out
    else:
        first = f"min({', '.join(f'coalesce({x}, {NEVER!r})' for x in earliest)})"
    after = f"EXISTS (SELECT 1 FROM score_days s WHERE s.store_id = {rows[0]}.store_id AND s.ends_at > {first})"
    return f"({after} AND ({' OR '.join(held)}))"


NEVER = "9999"  # SQLite: after every time it keeps (they are texts, 'YYYY-MM-DD HH:MM:SS…')


def upgrade() -> None:
    op.create_index("ix_score_days_end", "score_days", ["store_id", "ends_at"])
    _triggers(holding)


def downgrade() -> None:
    _triggers(
        lambda _, rows, __: f"EXISTS (SELECT 1 FROM score_days WHERE store_id = {rows[0]}.store_id)"
    )
    op.drop_index("ix_score_days_end", "score_days")


def _triggers(when: Callable[[str, tuple[str, ...], bool], str]) -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    for table, events in BASE.SCORED_ON.items():
        if postgresql:
            store = "COALESCE(NEW.store_id, OLD.store_id)"
            branches = " ".join(
                f"IF TG_OP = '{event}' THEN IF {when(table, BASE.EVENTS[event], postgresql)} THEN"
                f" {BASE.forgotten_scores(table, BASE.EVENTS[event])}; END IF; END IF;"
                for event in events
            )
            op.execute(
                f"CREATE OR REPLACE FUNCTION scores_{table}() RETURNS trigger LANGUAGE plpgsql"
                f" AS $$ BEGIN {LOCK.format(kind='scores', store=store)} {branches} RETURN NULL; END $$"
            )
            continue
        for event in events:
            rows = BASE.EVENTS[event]
            op.execute(f"DROP TRIGGER scores_{table}_{event.lower()}")
            op.execute(
                f"CREATE TRIGGER scores_{table}_{event.lower()} AFTER {event} ON {table}"
                f" WHEN {when(table, rows, postgresql)} BEGIN {BASE.forgotten_scores(table, rows)}; END"
            )
