"""pulling: a connector tidings asks instead of being pushed to keeps its settings (app key,
endpoint, token), where its last pull stopped (cursor), when it may be pulled next, and why the
last pull failed

Revision ID: 0020
Revises: 0015
"""

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("connectors", schema=None) as batch_op:
        batch_op.add_column(sa.Column("settings", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("cursor", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("pull_after", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("pull_error", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("connectors", schema=None) as batch_op:
        batch_op.drop_column("pull_error")
        batch_op.drop_column("pull_after")
        batch_op.drop_column("cursor")
        batch_op.drop_column("settings")
