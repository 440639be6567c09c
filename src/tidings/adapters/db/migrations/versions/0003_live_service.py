"""the live service: deliveries and provider references, the inbox, API keys; clicks, chats,
disputes and shipment milestones as state; receipts waiting for their acceptance, providers' shared
rate slots, the instance's own secret; score targets per store; message titles

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "api_keys",
        sa.Column("key_id", sa.String(length=32), nullable=False),
        sa.Column("store_id", sa.String(length=64), nullable=False),
        sa.Column("secret_hash", sa.String(length=64), nullable=False),
        sa.Column("label", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("key_id"),
    )
    with op.batch_alter_table("api_keys", schema=None) as batch_op:
        batch_op.create_index("ix_api_keys_store", ["store_id"], unique=False)

    op.create_table(
        "chat_messages",
        sa.Column("store_id", sa.String(length=64), nullable=False),
        sa.Column("event_id", sa.String(length=128), nullable=False),
        sa.Column("conversation_id", sa.String(length=128), nullable=False),
        sa.Column("customer_id", sa.String(length=128), nullable=True),
        sa.Column("direction", sa.String(length=16), nullable=False),
        sa.Column("responder", sa.String(length=16), nullable=True),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("store_id", "event_id"),
    )
    with op.batch_alter_table("chat_messages", schema=None) as batch_op:
        batch_op.create_index(
            "ix_chat_conversation", ["store_id", "conversation_id", "occurred_at"], unique=False
        )

    op.create_table(
        "clicks",
        sa.Column("store_id", sa.String(length=64), nullable=False),
        sa.Column("event_id", sa.String(length=128), nullable=False),
        sa.Column("token", sa.String(length=32), nullable=False),
        sa.Column("clicked_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("store_id", "event_id"),
    )
    with op.batch_alter_table("clicks", schema=None) as batch_op:
        batch_op.create_index("ix_clicks_token", ["store_id", "token"], unique=False)

    op.create_table(
        "deliveries",
        sa.Column("store_id", sa.String(length=64), nullable=False),
        sa.Column("message_id", sa.String(length=40), nullable=False),
        sa.Column("recipient", sa.String(length=320), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("provider", sa.String(length=64), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("lease_owner", sa.String(length=64), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("accepted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("final_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("store_id", "message_id", "recipient"),
    )
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.create_index(
            "ix_deliveries_claim",
            ["attempt_at"],
            unique=False,
            sqlite_where=sa.text("state IN ('queued', 'sending')"),
            postgresql_where=sa.text("state IN ('queued', 'sending')"),
        )
        batch_op.create_index(
            "ix_deliveries_recipient", ["store_id", "recipient", "accepted_at"], unique=False
        )

    op.create_table(
        "disputes",
        sa.Column("store_id", sa.String(length=64), nullable=False),
        sa.Column("dispute_id", sa.String(length=128), nullable=False),
        sa.Column("order_id", sa.String(length=128), nullable=True),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("outcome", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("store_id", "dispute_id"),
    )
    op.create_table(
        "inbox",
        sa.Column("store_id", sa.String(length=64), nullable=False),
        sa.Column("event_id", sa.String(length=128), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("store_id", "event_id"),
    )
    with op.batch_alter_table("inbox", schema=None) as batch_op:
        batch_op.create_index(
            "ix_inbox_order", ["store_id", "occurred_at", "event_id"], unique=False
        )

    op.create_table(
        "instance",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    op.create_table(
        "provider_refs",
        sa.Column("provider", sa.String(length=64), nullable=False),
        sa.Column("ref", sa.String(length=128), nullable=False),
        sa.Column("store_id", sa.String(length=64), nullable=False),
        sa.Column("message_id", sa.String(length=40), nullable=False),
        sa.Column("recipient", sa.String(length=320), nullable=False),
        sa.PrimaryKeyConstraint("provider", "ref"),
    )
    with op.batch_alter_table("provider_refs", schema=None) as batch_op:
        batch_op.create_index("ix_provider_refs_message", ["store_id", "message_id"], unique=False)

    op.create_table(
        "provider_slots",
        sa.Column("provider", sa.String(length=64), nullable=False),
        sa.Column("free_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("provider"),
    )
    op.create_table(
        "receipts_waiting",
        sa.Column("provider", sa.String(length=64), nullable=False),
        sa.Column("ref", sa.String(length=128), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("provider", "ref", "status"),
    )
    op.create_table(
        "score_targets",
        sa.Column("store_id", sa.String(length=64), nullable=False),
        sa.Column("metric", sa.String(length=64), nullable=False),
        sa.Column("target", sa.String(length=24), nullable=False),
        sa.PrimaryKeyConstraint("store_id", "metric"),
    )
    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("erased_at", sa.DateTime(timezone=True), nullable=True))

    with op.batch_alter_table("links", schema=None) as batch_op:
        batch_op.create_index("ix_links_token", ["token"], unique=False)
        batch_op.drop_column("clicks")

    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.add_column(sa.Column("title", sa.Text(), nullable=True))
        batch_op.create_index("ix_messages_listing", ["store_id", "due_at"], unique=False)

    with op.batch_alter_table("shipments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("collected_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("arrived_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("milestones", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("shipments", schema=None) as batch_op:
        batch_op.drop_column("milestones")
        batch_op.drop_column("delivered_at")
        batch_op.drop_column("arrived_at")
        batch_op.drop_column("collected_at")

    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.drop_index("ix_messages_listing")
        batch_op.drop_column("title")

    with op.batch_alter_table("links", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("clicks", sa.INTEGER(), server_default=sa.text("'0'"), nullable=False)
        )
        batch_op.drop_index("ix_links_token")

    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.drop_column("erased_at")

    op.drop_table("score_targets")
    op.drop_table("receipts_waiting")
    op.drop_table("provider_slots")
    with op.batch_alter_table("provider_refs", schema=None) as batch_op:
        batch_op.drop_index("ix_provider_refs_message")

    op.drop_table("provider_refs")
    op.drop_table("instance")
    with op.batch_alter_table("inbox", schema=None) as batch_op:
        batch_op.drop_index("ix_inbox_order")

    op.drop_table("inbox")
    op.drop_table("disputes")
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.drop_index("ix_deliveries_recipient")
        batch_op.drop_index(
            "ix_deliveries_claim",
            sqlite_where=sa.text("state IN ('queued', 'sending')"),
            postgresql_where=sa.text("state IN ('queued', 'sending')"),
        )

    op.drop_table("deliveries")
    with op.batch_alter_table("clicks", schema=None) as batch_op:
        batch_op.drop_index("ix_clicks_token")

    op.drop_table("clicks")
    with op.batch_alter_table("chat_messages", schema=None) as batch_op:
        batch_op.drop_index("ix_chat_conversation")

    op.drop_table("chat_messages")
    with op.batch_alter_table("api_keys", schema=None) as batch_op:
        batch_op.drop_index("ix_api_keys_store")

    op.drop_table("api_keys")
