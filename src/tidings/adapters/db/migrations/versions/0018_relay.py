"""relay: an order's and a customer's relay handle (platform, order, encrypted buyer id), by
which Taobao/Tmall and JD relay a message to a buyer whose phone tidings never holds

Revision ID: 0018
Revises: 0016
"""

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    for table in ("customers", "orders"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("relay", sa.JSON(), nullable=True))


def downgrade() -> None:
    for table in ("customers", "orders"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("relay")
