"""initial schema

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "carts",
        sa.Column("store_id", sa.String(length=64), nullable=False),
        sa.Column("cart_id", sa.String(length=128), nullable=False),
        sa.Column("customer_id", sa.String(length=128), nullable=True),
        sa.Column("item_count", sa.Integer(), nullable=False),
        sa.Column("total", sa.Text(), nullable=True),
        sa.Column("currency", sa.Text(), nullable=True),
        sa.Column("url", sa.Text(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ordered_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("store_id", "cart_id"),
    )
    op.create_table(
        "customers",
        sa.Column("store_id", sa.String(length=64), nullable=False),
        sa.Column("customer_id", sa.String(length=128), nullable=False),
        sa.Column("phone", sa.Text(), nullable=True),
        sa.Column("phone_key", sa.String(length=32), nullable=True),
        sa.Column("email", sa.Text(), nullable=True),
        sa.Column("name", sa.Text(), nullable=True),
        sa.Column("locale", sa.Text(), nullable=True),
        sa.Column("timezone", sa.Text(), nullable=True),
        sa.Column("birthday", sa.Text(), nullable=True),
        sa.Column("sms_consent", sa.Boolean(), nullable=True),
        sa.Column("sms_consent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("email_consent", sa.Boolean(), nullable=True),
        sa.Column("tags", sa.JSON(), nullable=True),
        sa.Column("last_order_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("store_id", "customer_id"),
    )
    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.create_index("ix_customers_phone", ["store_id", "phone_key"], unique=False)

    op.create_table(
        "events",
        sa.Column("store_id", sa.String(length=64), nullable=False),
        sa.Column("event_id", sa.String(length=128), nullable=False),
        sa.Column("type", sa.String(length=32), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("run", sa.String(length=16), nullable=True),
        sa.PrimaryKeyConstraint("store_id", "event_id"),
    )
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.create_index(
            "ix_events_run", ["run", "occurred_at", "store_id", "event_id"], unique=False
        )

    op.create_table(
        "links",
        sa.Column("store_id", sa.String(length=64), nullable=False),
        sa.Column("token", sa.String(length=32), nullable=False),
        sa.Column("message_id", sa.String(length=40), nullable=False),
        sa.Column("target", sa.Text(), nullable=False),
        sa.Column("clicks", sa.Integer(), server_default="0", nullable=False),
        sa.PrimaryKeyConstraint("store_id", "token"),
    )
    op.create_table(
        "messages",
        sa.Column("store_id", sa.String(length=64), nullable=False),
        sa.Column("message_id", sa.String(length=40), nullable=False),
        sa.Column("journey", sa.String(length=64), nullable=False),
        sa.Column("step", sa.String(length=64), nullable=False),
        sa.Column("subject", sa.String(length=160), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("customer_id", sa.String(length=128), nullable=True),
        sa.Column("recipient", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=32), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("run_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("body", sa.Text(), nullable=True),
        sa.Column("segments", sa.Integer(), nullable=False),
        sa.Column("cost", sa.String(length=24), nullable=False),
        sa.PrimaryKeyConstraint("store_id", "message_id"),
        sa.UniqueConstraint("store_id", "subject", "journey", "step", name="uq_messages_dedupe"),
    )
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.create_index(
            "ix_messages_customer", ["store_id", "customer_id", "decided_at"], unique=False
        )
        batch_op.create_index("ix_messages_decided", ["store_id", "decided_at"], unique=False)
        batch_op.create_index(
            "ix_messages_due",
            ["run_at"],
            unique=False,
            sqlite_where=sa.text("status = 'pending'"),
            postgresql_where=sa.text("status = 'pending'"),
        )

    op.create_table(
        "orders",
        sa.Column("store_id", sa.String(length=64), nullable=False),
        sa.Column("order_id", sa.String(length=128), nullable=False),
        sa.Column("customer_id", sa.String(length=128), nullable=True),
        sa.Column("cart_id", sa.String(length=128), nullable=True),
        sa.Column("total", sa.Text(), nullable=True),
        sa.Column("currency", sa.Text(), nullable=True),
        sa.Column("payment", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("paid_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cancel_reason", sa.Text(), nullable=True),
        sa.Column("pay_url", sa.Text(), nullable=True),
        sa.Column("auto_close_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("coupon_code", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("store_id", "order_id"),
    )
    op.create_table(
        "phone_optouts",
        sa.Column("store_id", sa.String(length=64), nullable=False),
        sa.Column("phone", sa.String(length=32), nullable=False),
        sa.Column("opted_out", sa.Boolean(), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("store_id", "phone"),
    )
    op.create_table(
        "sms_spend",
        sa.Column("store_id", sa.String(length=64), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("micros", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("store_id", "month"),
    )
    op.create_table(
        "stores",
        sa.Column("store_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.Text(), nullable=True),
        sa.Column("timezone", sa.Text(), nullable=True),
        sa.Column("locale", sa.Text(), nullable=True),
        sa.Column("default_region", sa.Text(), nullable=True),
        sa.Column("currency", sa.Text(), nullable=True),
        sa.Column("quiet_start", sa.Text(), nullable=True),
        sa.Column("quiet_end", sa.Text(), nullable=True),
        sa.Column("sms_signature", sa.Text(), nullable=True),
        sa.Column("base_url", sa.Text(), nullable=True),
        sa.Column("merchant_contacts", sa.JSON(), nullable=True),
        sa.Column("sms_price", sa.Text(), nullable=True),
        sa.Column("monthly_sms_budget", sa.Text(), nullable=True),
        sa.Column("journeys", sa.JSON(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("store_id"),
    )


def downgrade() -> None:
    op.drop_table("stores")
    op.drop_table("sms_spend")
    op.drop_table("phone_optouts")
    op.drop_table("orders")
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.drop_index(
            "ix_messages_due",
            sqlite_where=sa.text("status = 'pending'"),
            postgresql_where=sa.text("status = 'pending'"),
        )
        batch_op.drop_index("ix_messages_decided")
        batch_op.drop_index("ix_messages_customer")

    op.drop_table("messages")
    op.drop_table("links")
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.drop_index("ix_events_run")

    op.drop_table("events")
    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.drop_index("ix_customers_phone")

    op.drop_table("customers")
    op.drop_table("carts")
