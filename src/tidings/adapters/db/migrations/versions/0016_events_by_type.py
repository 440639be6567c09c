"""events by type: a store's events of a type, latest first, read from one index (the
console's dry run reads the latest ten that could start a journey; an erasure reads the
shopper replies, which 0012's partial ix_events_inbound served alone: it is dropped)

Revision ID: 0016
Revises: 0020
"""

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0020"
branch_labels = None
depends_on = None

INBOUND = sa.text("type = 'message.inbound'")


def upgrade() -> None:
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.create_index(
            "ix_events_type", ["store_id", "type", "occurred_at", "event_id"], unique=False
        )
        batch_op.drop_index("ix_events_inbound", sqlite_where=INBOUND, postgresql_where=INBOUND)


def downgrade() -> None:
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.create_index(
            "ix_events_inbound",
            ["store_id"],
            unique=False,
            sqlite_where=INBOUND,
            postgresql_where=INBOUND,
        )
        batch_op.drop_index("ix_events_type")
