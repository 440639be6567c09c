"""daily figures: the report's counts of a closed local day, summed once and kept (figure_days,
daily_counts, daily_outcomes), and the triggers that forget a kept day when a row it counted
changes, so that a late receipt, click, payment or message is never missed

A trigger forgets (deletes from figure_days) every kept day of the row's store that holds
the decided_at of a message the row can change the figures of:

- messages: the message itself, and the messages of its customer and of its subject (a later
  reminder takes an order's credit from an earlier one);
- deliveries, coupons: their message; clicks: the message of the clicked link;
- orders: the messages of the order's customer, of the order as subject, and of a coupon it
  redeemed.

Each trigger first asks whether the store keeps any day at all: a store with none (every
store during a replay) pays one index probe a row.

Revision ID: 0017
Revises: 0014
"""

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0014"
branch_labels = None
depends_on = None

IN_DAY = "m.decided_at >= figure_days.starts_at AND m.decided_at < figure_days.ends_at"
HOLDS = "(figure_days.starts_at <= {r}.decided_at AND figure_days.ends_at > {r}.decided_at)"
# which messages a changed row of each table touches, `{r}` the row (NEW or OLD)
TOUCHED = {
    "messages": "m.customer_id = {r}.customer_id OR m.subject = {r}.subject",
    "deliveries": "m.message_id = {r}.message_id",
    "coupons": "m.message_id = {r}.message_id",
    "clicks": "m.message_id IN (SELECT k.message_id FROM links k"
    " WHERE k.store_id = {r}.store_id AND k.token = {r}.token)",
    "orders": "m.customer_id = {r}.customer_id OR m.subject = 'order:' || {r}.order_id"
    " OR m.message_id IN (SELECT c.message_id FROM coupons c"
    " WHERE c.store_id = {r}.store_id AND c.order_id = {r}.order_id)",
}
EVENTS = {"INSERT": ("NEW",), "UPDATE": ("NEW", "OLD"), "DELETE": ("OLD",)}
WATCHED = {
    "messages": ("INSERT", "UPDATE", "DELETE"),
    "deliveries": ("INSERT", "UPDATE"),
    "coupons": ("INSERT", "UPDATE"),
    "clicks": ("INSERT",),
    "orders": ("INSERT", "UPDATE"),
}


def forgotten(table: str, rows: tuple[str, ...]) -> str:
    """The DELETE that forgets the kept days a change of `table`'s `rows` touches."""
    found = []
    for r in rows:
        touched = TOUCHED[table].format(r=r)
        found.append(
            f"EXISTS (SELECT 1 FROM messages m WHERE m.store_id = {r}.store_id"
            f" AND ({touched}) AND {IN_DAY})"
        )
        if table == "messages":
            found.append(HOLDS.format(r=r))
    return f"DELETE FROM figure_days WHERE store_id = {rows[0]}.store_id AND ({' OR '.join(found)})"


def upgrade() -> None:
    _tables()
    if op.get_bind().dialect.name == "postgresql":
        _pg_triggers()
    else:
        _sqlite_triggers()


def _tables() -> None:
    stamp = sa.DateTime(timezone=True)
    op.create_table(
        "figure_days",
        sa.Column("store_id", sa.String(length=64), nullable=False),
        sa.Column("day", sa.String(length=10), nullable=False),
        sa.Column("starts_at", stamp, nullable=False),
        sa.Column("ends_at", stamp, nullable=False),
        sa.Column("summed_at", stamp, nullable=False),
        sa.PrimaryKeyConstraint("store_id", "day"),
    )
    op.create_table(
        "daily_counts",
        sa.Column("store_id", sa.String(length=64), nullable=False),
        sa.Column("day", sa.String(length=10), nullable=False),
        sa.Column("journey", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=32), nullable=False),
        sa.Column("messages", sa.Integer(), nullable=False),
        sa.Column("segments", sa.Integer(), nullable=False),
        sa.Column("cost_micros", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("store_id", "day", "journey", "status", "reason"),
    )
    op.create_table(
        "daily_outcomes",
        sa.Column("store_id", sa.String(length=64), nullable=False),
        sa.Column("day", sa.String(length=10), nullable=False),
        sa.Column("journey", sa.String(length=64), nullable=False),
        sa.Column("delivered", sa.Integer(), nullable=False),
        sa.Column("clicked", sa.Integer(), nullable=False),
        sa.Column("orders", sa.Integer(), nullable=False),
        sa.Column("revenue_micros", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("store_id", "day", "journey"),
    )


def _sqlite_triggers() -> None:
    for table, events in WATCHED.items():
        for when in events:
            rows = EVENTS[when]
            op.execute(
                f"CREATE TRIGGER figures_{table}_{when.lower()} AFTER {when} ON {table}"
                f" WHEN EXISTS (SELECT 1 FROM figure_days WHERE store_id = {rows[0]}.store_id)"
                f" BEGIN {forgotten(table, rows)}; END"
            )


def _pg_triggers() -> None:
    for table, events in WATCHED.items():
        branches = " ".join(
            f"IF TG_OP = '{when}' THEN {forgotten(table, EVENTS[when])}; END IF;" for when in events
        )
        row = "OLD" if events == ("DELETE",) else "COALESCE(NEW.store_id, OLD.store_id)"
        op.execute(
            f"CREATE FUNCTION figures_{table}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
            f" IF EXISTS (SELECT 1 FROM figure_days WHERE store_id = {row}) THEN {branches}"
            " END IF; RETURN NULL; END $$"
        )
        op.execute(
            f"CREATE TRIGGER figures_{table} AFTER {' OR '.join(events)} ON {table}"
            f" FOR EACH ROW EXECUTE FUNCTION figures_{table}()"
        )


def downgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    for table, events in WATCHED.items():
        if postgresql:
            op.execute(f"DROP TRIGGER figures_{table} ON {table}")
            op.execute(f"DROP FUNCTION figures_{table}()")
        else:
            for when in events:
                op.execute(f"DROP TRIGGER figures_{table}_{when.lower()}")
    for name in ("daily_outcomes", "daily_counts", "figure_days"):
        op.drop_table(name)
