"""delivered: the messages of a store its providers delivered, a partial index the report's
delivered counts read (a store without receipts is found out at once, not by reading every
delivery)

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

DELIVERED = sa.text("state = 'delivered'")


def upgrade() -> None:
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.create_index(
            "ix_deliveries_delivered",
            ["store_id", "message_id"],
            unique=False,
            sqlite_where=DELIVERED,
            postgresql_where=DELIVERED,
        )


def downgrade() -> None:
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.drop_index(
            "ix_deliveries_delivered", sqlite_where=DELIVERED, postgresql_where=DELIVERED
        )
