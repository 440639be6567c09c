"""kept steps and hours: the kept figures hold each step's counts and outcomes (a journey's
are their sum; its detail screen reads them too), and a kept piece may be one hour of a day
(`2026-11-12T09`: today's closed hours, kept until the day is summed whole)

The kept tables only hold what the rows give again: they are made anew, empty, and the
worker sums the days once more. The forgetting triggers of 0017 and 0022 read figure_days
by name, so they keep working on the new table.

Revision ID: 0023
Revises: 0022
"""

import sqlalchemy as sa
from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None

KEPT = ("daily_arms", "daily_outcomes", "daily_counts", "figure_days")


def _make(day: int, steps: bool) -> None:
    """The four kept tables, the key of a piece `day` characters long, with steps or not."""
    stamp = sa.DateTime(timezone=True)

    def key(*names: str) -> list[sa.Column[str]]:
        return [sa.Column("store_id", sa.String(length=64), nullable=False),
                sa.Column("day", sa.String(length=day), nullable=False),
                *(sa.Column(n, sa.String(length=64), nullable=False) for n in names)]  # fmt: skip

    journey = ("journey", "step") if steps else ("journey",)
    op.create_table(
        "figure_days", *key(),
        sa.Column("starts_at", stamp, nullable=False), sa.Column("ends_at", stamp, nullable=False),
        sa.Column("summed_at", stamp, nullable=False),
        sa.PrimaryKeyConstraint("store_id", "day"),
    )  # fmt: skip
    op.create_table(
        "daily_counts", *key(*journey),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=32), nullable=False),
        sa.Column("messages", sa.Integer(), nullable=False),
        sa.Column("segments", sa.Integer(), nullable=False),
        sa.Column("cost_micros", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("store_id", "day", *journey, "status", "reason"),
    )  # fmt: skip
    op.create_table(
        "daily_arms", *key("journey"),
        sa.Column("treated", sa.Integer(), nullable=False),
        sa.Column("treated_reached", sa.Integer(), nullable=False),
        sa.Column("held", sa.Integer(), nullable=False),
        sa.Column("held_reached", sa.Integer(), nullable=False),
        sa.Column("held_back", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("store_id", "day", "journey"),
    )  # fmt: skip
    op.create_table(
        "daily_outcomes", *key(*journey),
        sa.Column("delivered", sa.Integer(), nullable=False),
        sa.Column("clicked", sa.Integer(), nullable=False),
        sa.Column("orders", sa.Integer(), nullable=False),
        sa.Column("revenue_micros", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("store_id", "day", *journey),
    )  # fmt: skip


def upgrade() -> None:
    for name in KEPT:  # dropped, not altered: SQLite would rename a table triggers name
        op.drop_table(name)
    _make(16, steps=True)


def downgrade() -> None:
    for name in KEPT:
        op.drop_table(name)
    _make(10, steps=False)
