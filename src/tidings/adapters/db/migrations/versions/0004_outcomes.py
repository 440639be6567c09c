"""outcomes: each customer's orders by time (cart recovery's credit and its holdout's
outcome); each journey's messages by time with what the report counts (status, reason,
segments, cost, due), so that the report reads the index and not the messages

Revision ID: 0004
Revises: 0003
"""

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.create_index(
            "ix_orders_customer", ["store_id", "customer_id", "created_at"], unique=False
        )
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.create_index(
            "ix_messages_journey",
            ["store_id", "journey", "decided_at", "status", "reason", "segments", "cost", "due_at"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.drop_index("ix_messages_journey")
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.drop_index("ix_orders_customer")
