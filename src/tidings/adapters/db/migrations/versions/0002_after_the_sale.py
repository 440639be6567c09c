"""after the sale: shipments, reviews, tickets, coupons, alerts; orders reviewed, at pickup

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "shipments",
        sa.Column("store_id", sa.String(length=64), nullable=False),
        sa.Column("shipment_id", sa.String(length=128), nullable=False),
        sa.Column("order_id", sa.String(length=128), nullable=True),
        sa.Column("carrier", sa.Text(), nullable=True),
        sa.Column("tracking_number", sa.Text(), nullable=True),
        sa.Column("package_index", sa.Integer(), nullable=True),
        sa.Column("package_count", sa.Integer(), nullable=True),
        sa.Column("shipped_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("status", sa.String(length=32), nullable=True),
        sa.Column("substatus", sa.Text(), nullable=True),
        sa.Column("message", sa.Text(), nullable=True),
        sa.Column("status_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("pickup_point", sa.Text(), nullable=True),
        sa.Column("pickup_address", sa.Text(), nullable=True),
        sa.Column("pickup_code", sa.Text(), nullable=True),
        sa.Column("storage_until", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("store_id", "shipment_id"),
    )
    op.create_table(
        "reviews",
        sa.Column("store_id", sa.String(length=64), nullable=False),
        sa.Column("review_id", sa.String(length=128), nullable=False),
        sa.Column("order_id", sa.String(length=128), nullable=True),
        sa.Column("customer_id", sa.String(length=128), nullable=True),
        sa.Column("rating", sa.Integer(), nullable=True),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("sku", sa.Text(), nullable=True),
        sa.Column("posted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("deleted_by", sa.String(length=16), nullable=True),
        sa.PrimaryKeyConstraint("store_id", "review_id"),
    )
    op.create_table(
        "tickets",
        sa.Column("store_id", sa.String(length=64), nullable=False),
        sa.Column("ticket_id", sa.String(length=128), nullable=False),
        sa.Column("order_id", sa.String(length=128), nullable=True),
        sa.Column("customer_id", sa.String(length=128), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("outcome", sa.String(length=16), nullable=True),
        sa.Column("satisfied", sa.Boolean(), nullable=True),
        sa.PrimaryKeyConstraint("store_id", "ticket_id"),
    )
    op.create_table(
        "alerts",
        sa.Column("store_id", sa.String(length=64), nullable=False),
        sa.Column("message_id", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("subject", sa.String(length=160), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("store_id", "message_id"),
    )
    with op.batch_alter_table("alerts") as batch_op:
        batch_op.create_index("ix_alerts_state", ["store_id", "state", "opened_at"], unique=False)
    op.create_table(
        "coupons",
        sa.Column("store_id", sa.String(length=64), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("message_id", sa.String(length=40), nullable=True),
        sa.Column("journey", sa.String(length=64), nullable=True),
        sa.Column("customer_id", sa.String(length=128), nullable=True),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("redeemed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("order_id", sa.String(length=128), nullable=True),
        sa.PrimaryKeyConstraint("store_id", "code"),
    )
    with op.batch_alter_table("stores") as batch_op:
        batch_op.add_column(sa.Column("variants", sa.JSON(), nullable=True))
        batch_op.add_column(
            sa.Column("coupons_issued", sa.Integer(), server_default="0", nullable=False)
        )
    with op.batch_alter_table("orders") as batch_op:
        batch_op.add_column(sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("pickup_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("orders") as batch_op:
        batch_op.drop_column("pickup_at")
        batch_op.drop_column("reviewed_at")
    with op.batch_alter_table("stores") as batch_op:
        batch_op.drop_column("coupons_issued")
        batch_op.drop_column("variants")
    op.drop_table("coupons")
    op.drop_table("alerts")
    op.drop_table("tickets")
    op.drop_table("reviews")
    op.drop_table("shipments")
