"""due in order: the partial index of pending messages holds their tie-break too (run_at,
message_id), so that the worker's "the oldest 500 due" walks it and stops where it has them.
A night's reminders deferred to the end of quiet hours, or a campaign's, share one run_at:
read in run_at order alone, every round sorted the whole tie group again (SQLite's temp
b-tree "for the right part of the order by", PostgreSQL's incremental sort).

Revision ID: 0026
Revises: 0025
"""

import sqlalchemy as sa
from alembic import op

revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None

PENDING = sa.text("status = 'pending'")


def upgrade() -> None:
    _due_by("run_at", "message_id")


def downgrade() -> None:
    _due_by("run_at")


def _due_by(*columns: str) -> None:
    op.drop_index("ix_messages_due", table_name="messages")
    op.create_index(
        "ix_messages_due",
        "messages",
        list(columns),
        sqlite_where=PENDING,
        postgresql_where=PENDING,
    )
