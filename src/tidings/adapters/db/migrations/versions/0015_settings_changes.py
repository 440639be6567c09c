"""settings_changes: who changed a store's settings in the console, when, and which ones

Revision ID: 0015
Revises: 0014
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "settings_changes",
        sa.Column("store_id", sa.String(length=64), nullable=False),
        sa.Column("event_id", sa.String(length=128), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("store_id", "event_id"),
    )
    op.create_index("ix_settings_changes_at", "settings_changes", ["store_id", "changed_at"])


def downgrade() -> None:
    op.drop_index("ix_settings_changes_at", table_name="settings_changes")
    op.drop_table("settings_changes")
