"""indexes: the lookups that read a whole table or a store's whole share of it made indexed
(a journey's messages by due time, a message by its id alone for an unsubscribe link, an
erasure's events by customer and the store's shopper replies); `events.customer_id` filled
from the events already kept

Revision ID: 0012
Revises: 0010
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0010"
branch_labels = None
depends_on = None

KNOWN = sa.text("customer_id IS NOT NULL")
INBOUND = sa.text("type = 'message.inbound'")
BY_CUSTOMER = "('customer.upserted', 'review.posted', 'aftersale.opened')"


def upgrade() -> None:
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("customer_id", sa.String(length=128), nullable=True))
    _fill_customers()
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.create_index(
            "ix_events_customer",
            ["store_id", "customer_id"],
            unique=False,
            sqlite_where=KNOWN,
            postgresql_where=KNOWN,
        )
        batch_op.create_index(
            "ix_events_inbound",
            ["store_id"],
            unique=False,
            sqlite_where=INBOUND,
            postgresql_where=INBOUND,
        )
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.create_index(
            "ix_messages_journey_due", ["store_id", "journey", "due_at", "message_id"], unique=False
        )
        batch_op.create_index("ix_messages_id", ["message_id"], unique=False)


def _fill_customers() -> None:
    """The customer of each event kept of those types, read from its JSON in the database."""
    conn = op.get_bind()
    if conn.dialect.name == "postgresql":
        found = "(payload::jsonb -> 'data') ->> 'customer_id'"
    else:
        found = "json_extract(payload, '$.data.customer_id')"
    conn.exec_driver_sql(f"UPDATE events SET customer_id = {found} WHERE type IN {BY_CUSTOMER}")


def downgrade() -> None:
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.drop_index("ix_messages_id")
        batch_op.drop_index("ix_messages_journey_due")
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.drop_index("ix_events_inbound", sqlite_where=INBOUND, postgresql_where=INBOUND)
        batch_op.drop_index("ix_events_customer", sqlite_where=KNOWN, postgresql_where=KNOWN)
        batch_op.drop_column("customer_id")
