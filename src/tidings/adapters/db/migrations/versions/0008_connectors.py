"""connectors: a store's platform connections (the secret their webhooks are signed with) and
every verified delivery kept as received, with its outcome

Revision ID: 0008
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "connectors",
        sa.Column("store_id", sa.String(length=64), nullable=False),
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column("secret", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("store_id", "source"),
    )
    op.create_table(
        "hook_deliveries",
        sa.Column("store_id", sa.String(length=64), nullable=False),
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column("delivery_id", sa.String(length=128), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("topic", sa.Text(), nullable=True),
        sa.Column("headers", sa.JSON(), nullable=True),
        sa.Column("body", sa.Text(), nullable=True),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("customer_id", sa.String(length=128), nullable=True),
        sa.Column("events", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("store_id", "source", "delivery_id"),
    )
    with op.batch_alter_table("hook_deliveries", schema=None) as batch_op:
        batch_op.create_index(
            "ix_hook_deliveries_outcome", ["store_id", "source", "outcome", "received_at"]
        )
        batch_op.create_index("ix_hook_deliveries_customer", ["store_id", "customer_id"])


def downgrade() -> None:
    op.drop_table("hook_deliveries")
    op.drop_table("connectors")
