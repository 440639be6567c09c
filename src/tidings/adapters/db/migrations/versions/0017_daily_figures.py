"""daily figures: the report's counts of a closed local day, summed once and kept (figure_days,
daily_counts, daily_outcomes), the score's tallies of a closed day (score_days), the triggers
that forget a kept day when a row it counted changes, so that a late receipt, click, payment,
message, reply or collection is never missed; and shipments by order (a first collection is
one index seek) and by status (the Parcels screen's counts and lists)

A trigger forgets (deletes from figure_days) every kept day of the row's store that holds
the decided_at or the due_at (the holdout's arms) of a message the row can change the
figures of:

- messages: the message itself, and the messages of its customer and of its subject (a later
  reminder takes an order's credit from an earlier one);
- deliveries, coupons: their message; clicks: the message of the clicked link; shipments:
  the messages about them (a pickup reminder's outcome is a collection);
- orders: the messages of the order's customer, of the order as subject, and of a coupon it
  redeemed.

A score day is forgotten when its span of instants (score_days.starts_at … ends_at: the rows
that metric's day reads) holds the changed row's time: an order's payment, a parcel's
collection (and its order's payment), a dispute's opening, a review's posting, a ticket's
resolution; or, for a chat message, any message of its conversation.

Each trigger first asks whether the store keeps any day at all: a store with none (every
store during a replay) pays one index probe a row.

Revision ID: 0017
Revises: 0021
"""

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0021"
branch_labels = None
depends_on = None

# a day counts a message by when it was decided, and its holdout arms by when it was due
IN_DAY = (
    "((m.decided_at >= figure_days.starts_at AND m.decided_at < figure_days.ends_at)"
    " OR (m.due_at >= figure_days.starts_at AND m.due_at < figure_days.ends_at))"
)
HOLDS = (
    "((figure_days.starts_at <= {r}.decided_at AND figure_days.ends_at > {r}.decided_at)"
    " OR (figure_days.starts_at <= {r}.due_at AND figure_days.ends_at > {r}.due_at))"
)
# which messages a changed row of each table touches, `{r}` the row (NEW or OLD)
TOUCHED = {
    "messages": "m.customer_id = {r}.customer_id OR m.subject = {r}.subject",
    "deliveries": "m.message_id = {r}.message_id",
    "coupons": "m.message_id = {r}.message_id",
    "shipments": "m.subject = 'shipment:' || {r}.shipment_id",  # a pickup reminder's outcome
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
    "shipments": ("INSERT", "UPDATE"),
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


PAID = "CASE WHEN {r}.payment = 'cod' AND {r}.created_at IS NOT NULL THEN {r}.created_at ELSE {r}.paid_at END"
SPAN = "(score_days.starts_at <= {x} AND score_days.ends_at > {x})"
# the instants of a changed row that score days read, `{r}` the row
SCORED = {
    "orders": (SPAN.format(x=PAID),),
    "shipments": (
        SPAN.format(x="{r}.collected_at"),
        "EXISTS (SELECT 1 FROM orders o WHERE o.store_id = {r}.store_id"
        " AND o.order_id = {r}.order_id AND " + SPAN.format(x=PAID.format(r="o")) + ")",
    ),
    "disputes": (SPAN.format(x="{r}.opened_at"),),
    "reviews": (SPAN.format(x="{r}.posted_at"),),
    "tickets": (SPAN.format(x="{r}.resolved_at"),),
    "chat_messages": (
        "EXISTS (SELECT 1 FROM chat_messages c WHERE c.store_id = {r}.store_id"
        " AND c.conversation_id = {r}.conversation_id AND " + SPAN.format(x="c.occurred_at") + ")",
        SPAN.format(x="{r}.occurred_at"),
    ),
}
SCORED_ON = {
    "orders": ("INSERT", "UPDATE"),
    "shipments": ("INSERT", "UPDATE"),
    "disputes": ("INSERT", "UPDATE"),
    "reviews": ("INSERT", "UPDATE"),
    "tickets": ("INSERT", "UPDATE"),
    "chat_messages": ("INSERT", "UPDATE", "DELETE"),
}


def forgotten_scores(table: str, rows: tuple[str, ...]) -> str:
    """The DELETE that forgets the score days a change of `table`'s `rows` touches."""
    held = " OR ".join(cond.format(r=r) for r in rows for cond in SCORED[table])
    return f"DELETE FROM score_days WHERE store_id = {rows[0]}.store_id AND ({held})"


def upgrade() -> None:
    _tables()
    _score_days()
    if op.get_bind().dialect.name == "postgresql":
        _pg_triggers()
        _pg_score_triggers()
    else:
        _sqlite_triggers()
        _sqlite_score_triggers()


def _score_days() -> None:
    stamp = sa.DateTime(timezone=True)
    op.create_table(
        "score_days",
        sa.Column("store_id", sa.String(length=64), nullable=False),
        sa.Column("day", sa.String(length=10), nullable=False),
        sa.Column("metric", sa.String(length=64), nullable=False),
        sa.Column("numerator", sa.String(length=40), nullable=False),
        sa.Column("denominator", sa.Integer(), nullable=False),
        sa.Column("culprits", sa.JSON(), nullable=False),
        sa.Column("starts_at", stamp, nullable=False),
        sa.Column("ends_at", stamp, nullable=False),
        sa.Column("summed_for", stamp, nullable=False),
        sa.PrimaryKeyConstraint("store_id", "day", "metric"),
    )
    with op.batch_alter_table("shipments", schema=None) as batch_op:
        batch_op.create_index(
            "ix_shipments_order", ["store_id", "order_id", "collected_at"], unique=False
        )
        batch_op.create_index(
            "ix_shipments_status", ["store_id", "status", "status_at"], unique=False
        )


def _sqlite_score_triggers() -> None:
    for table, events in SCORED_ON.items():
        for when in events:
            rows = EVENTS[when]
            op.execute(
                f"CREATE TRIGGER scores_{table}_{when.lower()} AFTER {when} ON {table}"
                f" WHEN EXISTS (SELECT 1 FROM score_days WHERE store_id = {rows[0]}.store_id)"
                f" BEGIN {forgotten_scores(table, rows)}; END"
            )


def _pg_score_triggers() -> None:
    for table, events in SCORED_ON.items():
        branches = " ".join(
            f"IF TG_OP = '{when}' THEN {forgotten_scores(table, EVENTS[when])}; END IF;"
            for when in events
        )
        store = "COALESCE(NEW.store_id, OLD.store_id)"
        op.execute(
            f"CREATE FUNCTION scores_{table}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
            f" IF EXISTS (SELECT 1 FROM score_days WHERE store_id = {store}) THEN {branches}"
            " END IF; RETURN NULL; END $$"
        )
        op.execute(
            f"CREATE TRIGGER scores_{table} AFTER {' OR '.join(events)} ON {table}"
            f" FOR EACH ROW EXECUTE FUNCTION scores_{table}()"
        )


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
        "daily_arms",
        sa.Column("store_id", sa.String(length=64), nullable=False),
        sa.Column("day", sa.String(length=10), nullable=False),
        sa.Column("journey", sa.String(length=64), nullable=False),
        sa.Column("treated", sa.Integer(), nullable=False),
        sa.Column("treated_reached", sa.Integer(), nullable=False),
        sa.Column("held", sa.Integer(), nullable=False),
        sa.Column("held_reached", sa.Integer(), nullable=False),
        sa.Column("held_back", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("store_id", "day", "journey"),
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
        row = "COALESCE(NEW.store_id, OLD.store_id)"
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
    for table, events in SCORED_ON.items():
        if postgresql:
            op.execute(f"DROP TRIGGER scores_{table} ON {table}")
            op.execute(f"DROP FUNCTION scores_{table}()")
        else:
            for when in events:
                op.execute(f"DROP TRIGGER scores_{table}_{when.lower()}")
    with op.batch_alter_table("shipments", schema=None) as batch_op:
        batch_op.drop_index("ix_shipments_status")
        batch_op.drop_index("ix_shipments_order")
    op.drop_table("score_days")
    for table, events in WATCHED.items():
        if postgresql:
            op.execute(f"DROP TRIGGER figures_{table} ON {table}")
            op.execute(f"DROP FUNCTION figures_{table}()")
        else:
            for when in events:
                op.execute(f"DROP TRIGGER figures_{table}_{when.lower()}")
    for name in ("daily_arms", "daily_outcomes", "daily_counts", "figure_days"):
        op.drop_table(name)
