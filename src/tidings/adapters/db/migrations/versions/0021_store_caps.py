"""store caps: a store's own frequency caps (store.upserted's optional `caps`), absent ones
the contract's

Revision ID: 0021
Revises: 0019
"""

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("stores", schema=None) as batch_op:
        batch_op.add_column(sa.Column("caps", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("stores", schema=None) as batch_op:
        batch_op.drop_column("caps")
