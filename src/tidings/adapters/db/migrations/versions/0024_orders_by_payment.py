"""orders by payment (PostgreSQL): an index on when each order counts as paid (its payment,
or its creation for cash on delivery), the attribution's "orders paid since" in one range
instead of a scan of the store's orders (the live part of a day: 270 ms → 10 ms at 100,000
orders). SQLite is left as it is: it plans without statistics, and with this index led its
attribution of a week from every order paid in it (slower than by the week's messages).

Revision ID: 0024
Revises: 0023
"""

from alembic import op

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None

PAID = "(CASE WHEN payment = 'cod' AND created_at IS NOT NULL THEN created_at ELSE paid_at END)"


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"CREATE INDEX ix_orders_paid ON orders (store_id, {PAID})")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX ix_orders_paid")
