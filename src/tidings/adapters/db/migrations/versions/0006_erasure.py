"""erasure: opt-outs kept under a keyed digest of the number, never the number (a STOP must
outlive the shopper's erasure); the installation's own opt-out key in `instance`

Revision ID: 0006
Revises: 0005
"""

import hashlib
import hmac
import secrets

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

instance = sa.table("instance", sa.column("name"), sa.column("value"))
optouts = sa.table("phone_optouts", sa.column("store_id"), sa.column("phone"))


def _digest(key: bytes, phone: str) -> str:
    """domain.consent.phone_digest as it was when this ran (a migration does not move)."""
    return hmac.new(key, phone.encode(), hashlib.sha256).hexdigest()[:32]


def upgrade() -> None:
    conn = op.get_bind()
    found = sa.select(instance.c.value).where(instance.c.name == "optout_key")
    key = conn.execute(found).scalar_one_or_none()
    if key is None:
        key = secrets.token_urlsafe(32)
        conn.execute(sa.insert(instance).values(name="optout_key", value=key))
    clear = sa.select(optouts.c.store_id, optouts.c.phone).where(optouts.c.phone.like("+%"))
    for store, phone in conn.execute(clear).all():
        mine = (optouts.c.store_id == store, optouts.c.phone == phone)
        digest = _digest(key.encode(), phone)
        conn.execute(sa.update(optouts).where(*mine).values(phone=digest))


def downgrade() -> None:
    """The numbers are gone for good: going back would let every STOP lapse unseen."""
    raise NotImplementedError("0006 cannot be undone: opt-outs are kept only as digests")
